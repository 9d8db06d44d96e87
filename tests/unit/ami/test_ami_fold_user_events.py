"""The dialplan's user events (asterisk_conf/extensions.conf) fold into the call record and
come out as changes the publisher announces. Frames are written from the dialplan's
UserEvent lines as Asterisk 18 sends them: the channel snapshot, then the event's headers
(so `Linkedid` appears twice; the framer keeps the first, the snapshot's)."""

from __future__ import annotations

from integrations.ami.fold import CallFold
from integrations.ami.publish import DomainEvents
from callcenter.ports import RecordingEvents

LID = "1795865300.40"
ROOT = "PJSIP/trunk-00000020"
T0 = 1795865300


def frame(event, t, **headers):
    return {"Event": event, "Timestamp": f"{T0 + t}.000100", "Channel": ROOT,
            "Uniqueid": LID, "Linkedid": LID, "CallerIDNum": "13800138000", **headers}


def user_event(name, t, **headers):
    return frame("UserEvent", t, Context="after-hours", UserEvent=name, **headers)


def call(*middle, hang_at=60):
    """A hotline call after hours: the IVR's variables, then `middle`, then the hang-up."""
    return [frame("Newchannel", 0, Exten="12345", CallerIDName="张三"),
            frame("VarSet", 1, Variable="CC_QUEUE", Value="hotline"),
            frame("VarSet", 1, Variable="CC_LANG", Value="zh"),
            frame("VarSet", 1, Variable="CC_RESIDENT_ID", Value="42"),
            frame("VarSet", 2, Variable="CC_AFTER_HOURS", Value="voicemail"),
            *middle,
            frame("Hangup", hang_at, Cause="16")]


def run(events):
    fold, changes = CallFold(), []
    for ev in events:
        changes += fold.apply(ev, 0)
    ended = [rec.to_json() for kind, rec, _ in changes if kind == "ended"]
    return changes, ended[0] if ended else None


def test_voicemail_left_is_folded_with_its_file_and_announced_at_once():
    file = "/var/spool/asterisk/voicemail/hotline/12345/INBOX/msg0003"
    changes, record = run(call(user_event(
        "VoicemailLeft", 50, Mailbox="12345@hotline", CallerID="13800138000", Lang="zh",
        ResidentID="42", File=file)))
    assert record["voicemail"] == {"mailbox": "12345@hotline", "duration": None, "file": file}
    assert record["after_hours"] == "voicemail"
    assert record["disposition"] == "ivr_only"
    kind, _rec, info = next(c for c in changes if c[0] == "voicemail")
    assert info["linkedid"] == LID and info["caller_id"] == "13800138000"
    assert info["resident_id"] == "42" and info["lang"] == "zh"


def test_voicemail_duration_header_is_read_when_the_dialplan_sends_one():
    _changes, record = run(call(user_event("VoicemailLeft", 50, File="/x/msg0000", Duration="17")))
    assert record["voicemail"]["duration"] == 17


def test_callback_request_marks_the_call_for_the_missed_call_list():
    changes, record = run(call(user_event(
        "CallbackRequested", 30, CallerID="13800138000", Lang="zh", ResidentID="42",
        Intent="service")))
    assert record["callback_requested"] is True
    assert record["disposition"] == "callback"
    info = next(c[2] for c in changes if c[0] == "callback")
    assert info["intent"] == "service" and info["queue"] == "hotline"


def test_callback_after_a_queue_timeout_keeps_the_queue_it_waited_in():
    queued = [frame("QueueCallerJoin", 5, Queue="complaint", Position="1"),
              frame("QueueCallerLeave", 25, Queue="complaint"),
              user_event("CallbackRequested", 26, CallerID="13800138000", Intent="complaint")]
    _changes, record = run(call(*queued))
    assert record["queue"] == "complaint" and record["disposition"] == "callback"


def test_survey_result_stores_the_score_and_the_ticket():
    changes, record = run(call(user_event("SurveyResult", 55, Ticket="202611270001", Score="4")))
    assert record["survey"] == {"ticket": "202611270001", "score": 4}
    assert next(c[2] for c in changes if c[0] == "survey")["score"] == 4


def test_survey_score_outside_one_to_five_is_kept_raw_but_never_as_a_score():
    _changes, record = run(call(user_event("SurveyResult", 55, Ticket="202611270001", Score="9")))
    assert record["survey"]["score"] is None and record["survey"]["raw"] == "9"


def test_survey_without_a_ticket_is_folded_with_no_ticket():
    _changes, record = run(call(user_event("SurveyResult", 55, Ticket="", Score="5")))
    assert record["survey"] == {"ticket": None, "score": 5}


def test_ivr_hangup_marks_the_call_and_keeps_the_path_the_caller_took():
    _changes, record = run(call(user_event("IvrHangup", 59, Path="1-3")))
    assert record["ivr_hangup"] is True
    assert record["ivr_vars"]["CC_IVR_PATH"] == "1-3"


def test_user_event_for_a_call_already_ended_is_still_announced():
    fold = CallFold()
    for ev in call():
        fold.apply(ev, 0)
    late = fold.apply(user_event("SurveyResult", 70, Ticket="202611270001", Score="5"), 0)
    assert [(k, i["linkedid"], i["score"]) for k, _r, i in late] == [("survey", LID, 5)]


def test_unknown_user_event_changes_nothing():
    changes, record = run(call(user_event("SomethingElse", 30, Foo="bar")))
    assert record["voicemail"] is None and not record["callback_requested"]
    assert [c[0] for c in changes] == ["ended"]


def test_two_user_events_at_the_same_instant_are_not_taken_for_duplicates():
    same_time = [user_event("CallbackRequested", 30, CallerID="13800138000"),
                 user_event("IvrHangup", 30, Path="9")]
    _changes, record = run(call(*same_time))
    assert record["callback_requested"] and record["ivr_hangup"]


def test_publisher_names_the_after_hours_events():
    events = RecordingEvents()
    out = DomainEvents(events)
    changes, _record = run(call(
        user_event("VoicemailLeft", 50, File="/x/msg0001", CallerID="13800138000"),
        user_event("CallbackRequested", 51, CallerID="13800138000"),
        user_event("SurveyResult", 52, Ticket="N1", Score="3")))
    out.call_changes(changes, T0 * 1_000_000)
    names = [name for name, _payload, _room in events.published]
    assert names[:3] == ["call.voicemail", "call.callback_requested", "call.survey"]
    voicemail = events.published[0][1]
    assert voicemail["file"] == "/x/msg0001" and voicemail["linkedid"] == LID
