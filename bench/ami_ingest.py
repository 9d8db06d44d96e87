"""Events/s through byte-level framing + call fold + agent tracker, vs panoramisk's parser alone.

Both read the same bytes: a realistic mix built from the recorded traces in
../shared/fixtures/ami (CEL, Cdr, VarSet, Newexten… included), with fresh ids per
copy so the fold sees many distinct calls. Bounded to well under 30 s.

    python bench/ami_ingest.py
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from integrations.ami.agents import AgentTracker  # noqa: E402
from integrations.ami.fold import CallFold, skippable_events  # noqa: E402
from integrations.ami.framing import AMIFramer  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures" / "ami"
TRACES = [
    "answered",
    "abandoned",
    "ring_no_answer_then_answered",
    "ivr_only",
    "fax",
    "care_priority",
    "sip_answered",
    "sip_abandoned",
]
CHUNK = 4096  # bytes per simulated TCP read
TARGET_EVENTS = 150_000


def build_stream() -> tuple[bytes, int]:
    bodies = []
    for name in TRACES:
        data = (FIXTURES / f"{name}.ami.txt").read_bytes()
        data = data.split(b"\r\n", 1)[1]  # drop the banner line
        bodies.append(data)
    one_round = b"".join(bodies)
    per_round = one_round.count(b"\r\n\r\n")
    rounds = TARGET_EVENTS // per_round + 1
    uid = re.compile(
        rb"(Uniqueid|Linkedid|UniqueID|LinkedID|DestUniqueid|DestLinkedid): (\d+)\.(\d+)"
    )
    out = []
    for r in range(rounds):
        out.append(
            uid.sub(
                lambda m: m.group(1)
                + b": "
                + m.group(2)
                + b"."
                + str(int(m.group(3)) + 1000 * r).encode(),
                one_round,
            )
        )
    return b"".join(out), per_round * rounds


def run_ours(stream: bytes) -> tuple[int, int]:
    framer = AMIFramer(skip_events=skippable_events())  # exactly what the bridge's client uses
    fold, agents = CallFold(), AgentTracker({"hotline": 5, "care": 5})
    n = ended = 0
    for i in range(0, len(stream), CHUNK):
        for frame in framer.feed(stream[i : i + CHUNK]):
            n += 1
            ended += sum(1 for kind, _r, _ in fold.apply(frame.headers, 0) if kind == "ended")
            agents.apply(frame.headers, 0)
    return n + framer.skipped, ended


def run_panoramisk(stream: bytes) -> int:
    """panoramisk 1.4's own path: AMIProtocol.data_received per read, then Message.from_line."""
    from panoramisk.ami_protocol import AMIProtocol

    count = 0

    class Factory:
        save_stream = None

        def dispatch(self, message):
            nonlocal count
            count += 1

    proto = AMIProtocol()
    proto.connection_made(transport=None)
    proto.factory, proto.encoding, proto.version = Factory(), "utf8", "bench"
    for i in range(0, len(stream), CHUNK):
        proto.data_received(stream[i : i + CHUNK])
    return count


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def main() -> None:
    stream, expected = build_stream()
    (n_ours, calls), t_ours = timed(run_ours, stream)
    n_pano, t_pano = timed(run_panoramisk, stream)
    ours, pano = n_ours / t_ours, n_pano / t_pano
    print(f"stream: {len(stream) / 1e6:.1f} MB, {expected} frames, read in {CHUNK}-byte chunks")
    print(
        f"baseline  panoramisk parse only      : {n_pano:>7} events in {t_pano:5.2f}s"
        f" = {pano:>9,.0f} events/s"
    )
    print(
        f"ours      frame + fold + agent state : {n_ours:>7} events in {t_ours:5.2f}s"
        f" = {ours:>9,.0f} events/s"
        f" ({calls} calls folded)"
    )
    print(f"ratio ours/baseline: {ours / pano:.2f}")


if __name__ == "__main__":
    main()
