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
        ids = " ".join(f"{k}={headers[k]}" for k in ("Event", "Response", "Uniqueid", "Linkedid",
                                                     "ActionID") if headers.get(k))
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


def parse_frame(raw: bytes, odd: OddFrames | None = None) -> Frame | None:
    """Turn one frame's bytes into headers; None (counted) when it holds none."""
    text = decode_frame(raw, odd)
    headers: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    bad_lines = 0
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep or not key or key != key.strip():
            if line.strip():
                bad_lines += 1
            continue
        value = value[1:] if value.startswith(" ") else value
        if key in headers:
            multi.setdefault(key, [headers[key]]).append(value)
        else:
            headers[key] = value
    if bad_lines and odd is not None:
        odd.note("bad_line", describe(headers))
    if not headers:
        if odd is not None and text.strip():
            odd.note("no_headers", describe(raw=raw))
        return None
    return Frame(headers, multi, len(raw))


class AMIFramer:
    """Accumulate bytes from any number of reads and yield complete frames in order."""

    def __init__(self, odd: OddFrames | None = None, expect_banner: bool = False) -> None:
        self.odd = odd if odd is not None else OddFrames()
        self._buf = bytearray()
        self._expect_banner = expect_banner
        self.banner: str | None = None

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        if self._expect_banner and not self._take_banner():
            return []
        frames: list[Frame] = []
        start = 0
        buf = self._buf
        for match in _FRAME_END.finditer(buf):
            raw = bytes(buf[start:match.start()])
            start = match.end()
            if raw.strip():
                frame = parse_frame(raw, self.odd)
                if frame is not None:
                    frames.append(frame)
        del buf[:start]
        if len(buf) > MAX_FRAME_BYTES:
            self.odd.note("oversized", describe(raw=bytes(buf[:200])))
            del buf[:]
        return frames

    def _take_banner(self) -> bool:
        """Consume the one-line banner ('Asterisk Call Manager/x.y') sent on connect."""
        nl = self._buf.find(b"\n")
        if nl < 0:
            return False
        line = bytes(self._buf[:nl]).rstrip(b"\r")
        if line.startswith(BANNER_PREFIX):
            self.banner = line.decode("ascii", "replace")
            del self._buf[:nl + 1]
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
