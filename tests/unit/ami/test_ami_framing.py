"""Framing at the byte level: splits, batches, line ends, encodings, junk."""

from __future__ import annotations

from integrations.ami.framing import AMIFramer, OddFrames, frames_from_bytes, parse_frame

NAME_FRAME = (
    "Event: Newchannel\r\nChannel: PJSIP/trunk-00000001\r\nCallerIDNum: 13800138000\r\n"
    "CallerIDName: 张三\r\nUniqueid: 1.1\r\nLinkedid: 1.1\r\n\r\n"
).encode("utf-8")


def test_frame_split_at_every_byte_keeps_the_chinese_name_whole():
    for cut in range(1, len(NAME_FRAME)):
        framer = AMIFramer()
        frames = framer.feed(NAME_FRAME[:cut]) + framer.feed(NAME_FRAME[cut:])
        assert [f.headers["CallerIDName"] for f in frames] == ["张三"], cut
        assert framer.odd.counts == {}


def test_frame_fed_one_byte_at_a_time_comes_out_once():
    framer = AMIFramer()
    frames = [f for i in range(len(NAME_FRAME)) for f in framer.feed(NAME_FRAME[i : i + 1])]
    assert len(frames) == 1 and frames[0].headers["Uniqueid"] == "1.1"


def test_several_frames_in_one_read_come_out_in_order():
    data = b"".join(b"Event: Ping%d\r\nN: %d\r\n\r\n" % (i, i) for i in range(50))
    frames = AMIFramer().feed(data)
    assert [f.headers["N"] for f in frames] == [str(i) for i in range(50)]


def test_bare_lf_and_crlf_frames_both_parse():
    data = b"Event: A\nX: 1\n\nEvent: B\r\nX: 2\r\n\r\nEvent: C\nX: 3\r\n\n"
    assert [f.headers["Event"] for f in AMIFramer().feed(data)] == ["A", "B", "C"]


def test_gbk_caller_name_from_an_old_gateway_is_decoded_and_counted():
    odd = OddFrames()
    raw = "Event: Newchannel\r\nCallerIDName: 李秀英\r\n\r\n".encode("gbk")
    [frame] = AMIFramer(odd).feed(raw)
    assert frame.headers["CallerIDName"] == "李秀英"
    assert odd.counts == {"gbk_fallback": 1}


def test_truncated_utf8_name_does_not_break_the_frame():
    odd = OddFrames()
    raw = "Event: Newchannel\r\nCallerIDName: 王".encode("utf-8")[:-1] + b"\r\nUniqueid: 9\r\n\r\n"
    [frame] = AMIFramer(odd).feed(raw)
    assert frame.headers["Uniqueid"] == "9"
    assert odd.total() == 1


def test_banner_is_taken_apart_from_the_first_frame():
    framer = AMIFramer(expect_banner=True)
    frames = framer.feed(b"Asterisk Call Manager/5.0.0\r\nResponse: Success\r\nMessage: ok\r\n\r\n")
    assert framer.banner == "Asterisk Call Manager/5.0.0"
    assert frames[0].headers == {"Response": "Success", "Message": "ok"}


def test_lines_without_a_colon_are_counted_and_the_rest_kept():
    odd = OddFrames()
    frame = parse_frame(b"Event: X\r\ngarbage line\r\nY: 2", odd)
    assert frame.headers == {"Event": "X", "Y": "2"}
    assert odd.counts == {"bad_line": 1}


def test_frame_of_pure_junk_yields_nothing_and_is_counted():
    odd = OddFrames()
    assert AMIFramer(odd).feed(b"\x00\x01 junk\r\n\r\n") == []
    assert odd.total() >= 1


def test_repeated_headers_keep_every_value():
    frame = parse_frame(b"Action: Originate\r\nVariable: A=1\r\nVariable: B=2")
    assert frame.multi["Variable"] == ["A=1", "B=2"]


def test_unterminated_runaway_frame_is_dropped_not_buffered_forever():
    framer = AMIFramer()
    framer.feed(b"X: " + b"y" * (2 << 20))
    assert framer.odd.counts.get("oversized") == 1
    assert framer.feed(b"\r\n\r\nEvent: Ok\r\n\r\n")[-1].headers == {"Event": "Ok"}


def test_recorded_stream_with_banner_frames_whole():
    data = b"Asterisk Call Manager/13.0.0\r\nResponse: Success\r\n\r\nEvent: FullyBooted\r\n\r\n"
    assert [f.headers.get("Event") for f in frames_from_bytes(data)] == [None, "FullyBooted"]
