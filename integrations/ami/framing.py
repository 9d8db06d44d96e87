"""Byte-level AMI framing: split the stream into whole frames before decoding.

AMI frames end with an empty line. Splitting bytes (not text) first means a
multi-byte Chinese name cut across two TCP reads is decoded whole, and a frame
that is not UTF-8 (old gateways send GBK) can be retried as GB18030.

>>> f = AMIFramer()
>>> f.feed(b"Event: Newchannel\\r\\nCallerIDName: \\xe5\\xbc")
[]
>>> [fr.headers["CallerIDName"] for fr in f.feed(b"\\xa0\\xe4\\xb8\\x89\\r\\n\\r\\n")]
['张三']
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Iterator

log = logging.getLogger(__name__)

BANNER_PREFIX = b"Asterisk Call Manager/"
# A frame ends at an empty line; Asterisk sends CRLF, some proxies bare LF.
_FRAME_END = re.compile(rb"\r?\n\r?\n")
MAX_FRAME_BYTES = 1 << 20


class OddFrames:
    """Count frames that needed care, and log each one once (rate-limited per kind)."""

    LOG_FIRST = 20
    LOG_EVERY = 1000

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def note(self, kind: str, context: str) -> None:
        n = self.counts.get(kind, 0) + 1
        self.counts[kind] = n
        if n <= self.LOG_FIRST or n % self.LOG_EVERY == 0:
            log.warning("odd AMI frame (%s, #%d): %s", kind, n, context[:300])

    def total(self) -> int:
        return sum(self.counts.values())


def describe(headers: dict | None = None, raw: bytes | None = None) -> str:
    """Context for a log line: ids and header names only, never caller names or numbers."""
    if headers is not None:
        ids = " ".join(
            f"{k}={headers[k]}"
            for k in ("Event", "Response", "Uniqueid", "Linkedid", "ActionID")
            if headers.get(k)
        )
        return f"{ids} headers={sorted(headers)[:30]}"
    first = (raw or b"").split(b"\n", 1)[0][:60]
    return f"{len(raw or b'')} bytes, first line {first!r}"


@dataclass
class Frame:
    """One AMI message: headers (first value wins, repeats kept in `multi`)."""

    headers: dict[str, str]
    multi: dict[str, list[str]] = field(default_factory=dict)
    raw_len: int = 0

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.headers.get(key, default)


def decode_frame(raw: bytes, odd: OddFrames | None = None) -> str:
    """Decode a whole frame as UTF-8, falling back to GB18030 (a superset of GBK)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
        kind = "gbk_fallback"
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        kind = "undecodable"
    if odd is not None:
        odd.note(kind, describe(raw=raw))
    return text


_HEADER = re.compile(r"^([^:\r\n]+): ?([^\r\n]*)", re.M)


def parse_frame(raw: bytes, odd: OddFrames | None = None) -> Frame | None:
    """Turn one frame's bytes into headers; None (counted) when it holds none."""
    text = decode_frame(raw, odd)
    pairs = _HEADER.findall(text)
    headers = dict(pairs)
    multi: dict[str, list[str]] = {}
    if len(headers) != len(pairs):  # a repeated header (Variable:, ChanVariable:): first wins
        headers = {}
        for key, value in pairs:
            if key in headers:
                multi.setdefault(key, [headers[key]]).append(value)
            else:
                headers[key] = value
    if len(pairs) != text.strip().count("\n") + 1 and odd is not None:
        odd.note(
            "bad_line" if pairs else "no_headers", describe(headers) if pairs else describe(raw=raw)
        )
    if not headers:
        return None
    return Frame(headers, multi, len(raw))


class AMIFramer:
    """Accumulate bytes from any number of reads and yield complete frames in order."""

    def __init__(
        self,
        odd: OddFrames | None = None,
        expect_banner: bool = False,
        skip_events: frozenset[str] = frozenset(),
    ) -> None:
        """`skip_events`: events nobody reads (CEL, Cdr…): only their name is parsed."""
        self.odd = odd if odd is not None else OddFrames()
        self._skip = frozenset(f"Event: {name}".encode() for name in skip_events)
        self.skipped = 0
        self._buf = bytearray()
        self._expect_banner = expect_banner
        self.banner: str | None = None

    def feed(self, data: bytes) -> list[Frame]:
        return list(self.feed_lazily(data))

    def feed_lazily(self, data: bytes) -> Iterator[Frame]:
        """Cut the frames now, parse each only when the caller asks for it: the reader hands
        an AgentCalled frame to the bridge (the screen-pop) before parsing the rest of a read."""
        self._buf += data
        if self._expect_banner and not self._take_banner():
            return iter(())
        buf = bytes(self._buf)
        pieces = buf.split(b"\r\n\r\n")  # the common case, at C speed
        rest = pieces.pop()
        if b"\n\n" in rest or b"\n\r\n" in rest:  # bare-LF frames at the end of the read
            parts = _FRAME_END.split(rest)
            rest = parts.pop()
            pieces += parts
        self._buf = bytearray(rest)
        if len(rest) > MAX_FRAME_BYTES:
            self.odd.note("oversized", describe(raw=rest[:200]))
            self._buf = bytearray()
        return self._frames(pieces)

    def _frames(self, pieces: list[bytes]) -> Iterator[Frame]:
        for piece in pieces:
            parts = _FRAME_END.split(piece) if (b"\n\n" in piece or b"\n\r\n" in piece) else (piece,)
            for raw in parts:
                if self._skip and self._skippable(raw):
                    self.skipped += 1
                elif raw.strip():
                    frame = parse_frame(raw, self.odd)
                    if frame is not None:
                        yield frame

    def _skippable(self, raw: bytes) -> bool:
        first = raw[: raw.find(b"\n")].rstrip(b"\r") if b"\n" in raw else raw
        if first == b"Event: VarSet":
            return b"Variable: CC_" not in raw  # only the IVR's CC_* variables matter
        return first in self._skip and b"ActionID:" not in raw

    def _take_banner(self) -> bool:
        """Consume the one-line banner ('Asterisk Call Manager/x.y') sent on connect."""
        nl = self._buf.find(b"\n")
        if nl < 0:
            return False
        line = bytes(self._buf[:nl]).rstrip(b"\r")
        if line.startswith(BANNER_PREFIX):
            self.banner = line.decode("ascii", "replace")
            del self._buf[: nl + 1]
        self._expect_banner = False
        return True


def frames_from_bytes(data: bytes, odd: OddFrames | None = None) -> list[Frame]:
    """Frame a whole recorded stream (banner included) at once."""
    framer = AMIFramer(odd, expect_banner=data.startswith(BANNER_PREFIX))
    frames = framer.feed(data)
    tail = bytes(framer._buf)
    if tail.strip():
        frame = parse_frame(tail, framer.odd)
        if frame is not None:
            frames.append(frame)
    return frames
