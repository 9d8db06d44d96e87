"""After hours (issue 5): a voicemail becomes one ticket, a call-back request reaches the
agents' missed-call list, the survey's score reaches its ticket — each once per call,
whatever the number of deliveries. Against the migrated database and real files."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from callcenter.models import Attachment, Ticket
from callcenter.models.calls import CallRecord
from callcenter.services import worklists
from callcenter.services.attachments import read_bytes
from callcenter.services.calls import save_call_records
from integrations import after_hours_in
from test_ivr_store_directory import seed

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)


def voicemail_event(lid: str, file: str, caller: str = "13602001234", resident: str = "") -> dict:
    """A `call.voicemail` payload as integrations/ami/publish.py builds it."""
    return {"linkedid": lid, "caller_id": caller, "caller_number": caller,
            "mailbox": "12345@hotline",
            "file": file, "duration": None, "lang": "zh", "resident_id": resident or None,
            "queue": None, "seq": 1}


def message(tmp_path: Path, name: str = "msg0000", seconds: int = 23) -> str:
    """An app_voicemail message: the recording and its .txt with the duration."""
    folder = tmp_path / "voicemail" / "hotline" / "12345" / "INBOX"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.wav").write_bytes(WAV)
    (folder / f"{name}.txt").write_text(f";\n[message]\norigmailbox=12345\nduration={seconds}\n")
    return str(folder / name)


def tickets(container):
    with container.sessions() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def test_voicemail_becomes_one_open_phone_ticket_even_when_delivered_twice(
        container, world, tmp_path):
    ids = seed(container, world)
    event = voicemail_event("1795865400.50", message(tmp_path))
    first = after_hours_in.file_voicemail(container, event)
    again = after_hours_in.on_event(container, "call.voicemail", event)
    assert first is not None and again is None
    (ticket,) = [t for t in tickets(container) if t.call_linkedid == "1795865400.50"]
    assert (ticket.number, ticket.channel, ticket.type, ticket.status) == \
        (first, "phone", "help", "open")
    assert ticket.created_by_id is None and ticket.resident_id == int(ids["elder"])
    assert ticket.caller_phone == "+8613602001234"
    assert "语音留言" in ticket.description and "时长23秒" in ticket.description
    with container.sessions() as s:
        (att,) = s.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id))
    assert (att.filename, att.mime_type) == ("留言录音-msg0000.wav", "audio/wav")
    assert read_bytes(container.settings.instance_path, att.sha256) == WAV


def test_voicemail_whose_file_is_missing_still_makes_a_ticket_saying_so(container, world, tmp_path):
    seed(container, world)
    gone = str(tmp_path / "voicemail" / "INBOX" / "msg0007")
    number = after_hours_in.file_voicemail(container, voicemail_event("L-missing", gone,
                                                                      caller="13512345678"))
    (ticket,) = [t for t in tickets(container) if t.number == number]
    assert "录音文件缺失" in ticket.description and gone in ticket.description
    assert ticket.resident_id is None and ticket.region_id == world.regions["city"]
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)
                        .where(Attachment.ticket_id == ticket.id)) == 0


def test_voicemail_event_without_a_file_name_still_makes_a_ticket(container, world):
    seed(container, world)
    number = after_hours_in.file_voicemail(container, voicemail_event("L-nofile", ""))
    (ticket,) = [t for t in tickets(container) if t.number == number]
    assert "事件未给出录音文件名" in ticket.description


def test_voicemail_takes_the_resident_the_ivr_recognised(container, world, tmp_path):
    ids = seed(container, world)
    number = after_hours_in.file_voicemail(container, voicemail_event(
        "L-ivr", message(tmp_path, "msg0001"), caller="", resident=ids["john"]))
    (ticket,) = [t for t in tickets(container) if t.number == number]
    assert ticket.resident_id == int(ids["john"]) and ticket.region_id == world.regions["gridA1"]


def _missed_ids(container, queues):
    with container.sessions() as s:
        return [c.linkedid for c in worklists.missed_calls(s, queues)]


def test_callback_request_appears_in_every_agents_missed_call_list_once(container, world):
    event = {"linkedid": "L-cb", "caller_id": "13602001234", "queue": None, "resident_id": None,
             "intent": "service"}
    first = after_hours_in.request_callback(container, event)
    assert after_hours_in.on_event(container, "call.callback_requested", event) == first
    assert _missed_ids(container, ["hotline"]) == ["L-cb"]
    assert _missed_ids(container, ["care"]) == ["L-cb"]
    with container.sessions() as s:
        number = worklists.callback_number(s, world.actors["agent_a1"], call_id=first,
                                           queues=["care"])
    assert number == "13602001234"


def test_callback_row_is_completed_by_the_bridges_record_and_stays_on_the_list(container, world):
    after_hours_in.request_callback(container, {"linkedid": "L-cb2", "caller_id": "13602001234"})
    with container.sessions.begin() as s:  # the call ends later: the bridge stores its record
        save_call_records(s, [{"linkedid": "L-cb2", "caller_number": "13602001234",
                               "disposition": "callback", "started_at": 1795865400000000,
                               "ended_at": 1795865460000000, "ivr_vars": {"CC_QUEUE": "hotline"}}])
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CallRecord)) == 1
    assert _missed_ids(container, ["hotline"]) == ["L-cb2"]


def test_handled_callback_leaves_the_list(container, world):
    call_id = after_hours_in.request_callback(container, {"linkedid": "L-cb3",
                                                          "caller_id": "13602001234"})
    with container.sessions.begin() as s:
        agent = world.actors["agent_a1"]
        assert worklists.mark_missed_handled(s, agent, ["hotline"], [call_id]) == 1
    assert _missed_ids(container, ["hotline"]) == []


def test_survey_score_is_recorded_on_its_ticket_once(container, world):
    seed(container, world)
    event = {"linkedid": "L-sv", "ticket": "20261127902", "score": 4}
    assert after_hours_in.record_survey(container, event) is True
    assert after_hours_in.on_event(container, "call.survey", event) is True  # already there
    rated = {t.number: (t.status, t.satisfaction) for t in tickets(container)}
    assert rated["20261127902"] == ("revisited", 4)


def test_survey_for_an_unresolved_or_unknown_ticket_or_bad_score_stores_nothing(container, world):
    seed(container, world)
    for ticket, score in (("20261127901", 5), ("nope", 5), ("20261127902", None), (None, 3)):
        event = {"linkedid": "L", "ticket": ticket, "score": score}
        assert after_hours_in.record_survey(container, event) is False
    rated = {t.number: (t.status, t.satisfaction) for t in tickets(container)}
    assert rated == {"20261127901": ("dispatched", None), "20261127902": ("resolved", None)}


def test_embedded_subscriber_files_a_voicemail_published_on_the_bus(container, world, tmp_path):
    from callcenter.ports import InProcessEvents
    seed(container, world)
    bus = InProcessEvents()
    container.events = bus
    stop = after_hours_in.start(container)
    event = voicemail_event("L-bus", message(tmp_path, "msg0002"))
    bus.publish("call.voicemail", event)
    bus.publish("call.voicemail", event)  # a second delivery is dropped before it queues
    stop()  # waits for the thread's work
    assert [t.call_linkedid for t in tickets(container)].count("L-bus") == 1
