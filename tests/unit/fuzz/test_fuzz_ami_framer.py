"""Fuzz the AMI framer and the call fold (hypothesis, bounded): any bytes, split anywhere,
never raise; how a stream is cut into reads never changes the frames; any event sequence
leaves the fold consistent. Crashes found become the regression examples below."""
from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from integrations.ami.fold import CallFold
from integrations.ami.framing import AMIFramer, frames_from_bytes

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

EVENTS = ["Newchannel", "Newstate", "Hangup", "VarSet", "QueueCallerJoin", "QueueCallerLeave",
          "QueueCallerAbandon", "AgentCalled", "AgentConnect", "AgentComplete",
          "AgentRingNoAnswer", "DialBegin", "DialEnd", "BridgeEnter", "BridgeLeave",
          "UserEvent", "FullyBooted", "QueueMemberStatus", "QueueMemberPause"]
KEYS = ["Channel", "Uniqueid", "Linkedid", "CallerIDNum", "CallerIDName", "Queue", "Position",
        "Interface", "MemberName", "DestChannel", "DestUniqueid", "DestLinkedid", "BridgeUniqueid",
        "Cause", "Variable", "Value", "UserEvent", "Paused", "Status", "HoldTime", "TalkTime",
        "Timestamp", "ChannelState", "Exten", "ActionID"]
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
               max_size=30)
ids = st.sampled_from(["1700000000.1", "1700000000.2", "1700000000.3", "", "x"])
event = st.fixed_dictionaries(
    {"Event": st.sampled_from(EVENTS)},
    optional={k: (ids if k in ("Uniqueid", "Linkedid", "DestUniqueid", "DestLinkedid")
                  else text) for k in KEYS})


def _encode(frames: list[dict], eol: bytes) -> bytes:
    return b"".join(b"".join(f"{k}: {v}".encode() + eol for k, v in f.items()) + eol
                    for f in frames)


@FUZZ
@given(st.binary(max_size=2000), st.lists(st.integers(0, 2000), max_size=8))
@example(b"Event: X\r\n\r", [9])
@example(b"Asterisk Call Manager/5.0\r\nEvent: A\n\n", [3, 30])
@example("CallerIDName: 张".encode("gbk") + b"\r\n\r\n", [1])
def test_any_bytes_split_anywhere_never_raise(data, cuts):
    framer = AMIFramer(expect_banner=True)
    last = 0
    for cut in sorted(cuts) + [len(data)]:
        framer.feed(data[last:cut])
        last = max(last, cut)


@FUZZ
@given(st.lists(event, min_size=1, max_size=6), st.sampled_from([b"\r\n", b"\n"]),
       st.lists(st.integers(1, 400), max_size=10))
def test_how_the_stream_is_cut_into_reads_never_changes_the_frames(frames, eol, cuts):
    data = _encode(frames, eol)
    whole = [f.headers for f in AMIFramer().feed(data)]
    framer, got, last = AMIFramer(), [], 0
    for cut in sorted(c for c in cuts if c < len(data)) + [len(data)]:
        got += [f.headers for f in framer.feed(data[last:cut])]
        last = cut
    assert got == whole
    assert [h["Event"] for h in whole] == [f["Event"] for f in frames]


@FUZZ
@given(st.lists(event, max_size=40))
def test_any_event_sequence_leaves_the_fold_consistent(events):
    fold = CallFold()
    ended = set()
    for t, ev in enumerate(events):
        for kind, rec, _ in fold.apply(ev, t * 1_000_000):
            if kind == "ended":
                assert rec.linkedid not in ended, "a call ended twice"
                ended.add(rec.linkedid)
    assert not ended & set(fold.calls), "an ended call is still open"


@FUZZ
@given(st.binary(max_size=3000))
def test_a_whole_recorded_stream_of_garbage_frames_without_raising(data):
    frames_from_bytes(data)
