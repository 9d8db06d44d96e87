"""The dialplan's UserEvents folded into the call record (asterisk_conf/extensions.conf).

FaxReceived → `fax`; VoicemailLeft → `voicemail`; CallbackRequested → `callback_requested`;
SurveyResult → `survey`; IvrHangup → `ivr_hangup`. The last four also come out as a change
("voicemail", "callback", "survey", "ivr_hangup") whose info carries every header a
service needs, so the publisher can announce them at once (not only at call end).
Header values are the raw dialplan expansions: empty when a variable was unset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

from integrations.ami.channels import clean
from integrations.ami.records import CallRecord

if TYPE_CHECKING:
    from integrations.ami.fold import CallFold

Ev = Mapping[str, str]


def _text(ev: Ev, key: str) -> str | None:
    return (ev.get(key) or "").strip() or None


def _int(ev: Ev, key: str) -> int | None:
    value = (ev.get(key) or "").strip()
    return int(value) if value.isdecimal() else None


def _base(rec: CallRecord, ev: Ev) -> dict[str, Any]:
    """What every after-hours change carries: the call and the caller as the dialplan saw them."""
    return {
        "linkedid": rec.linkedid,
        "caller_id": _text(ev, "CallerID") or clean(ev.get("CallerIDNum")) or rec.caller_number,
        "lang": _text(ev, "Lang") or rec.ivr_vars.get("CC_LANG") or None,
        "resident_id": _text(ev, "ResidentID") or rec.ivr_vars.get("CC_RESIDENT_ID") or None,
    }


def on_fax(rec: CallRecord, ev: Ev, out: list) -> None:
    rec.fax = {
        "pages": _int(ev, "Pages"),
        "remote_station_id": _text(ev, "RemoteStationID"),
        "file": _text(ev, "File"),
    }


def on_voicemail(rec: CallRecord, ev: Ev, out: list) -> None:
    rec.voicemail = {
        "mailbox": _text(ev, "Mailbox"),
        "file": _text(ev, "File"),
        "duration": _int(ev, "Duration"),
    }
    out.append(("voicemail", rec, {**_base(rec, ev), **rec.voicemail}))


def on_callback(rec: CallRecord, ev: Ev, out: list) -> None:
    rec.callback_requested = True
    info = {**_base(rec, ev), "intent": _text(ev, "Intent") or rec.ivr_vars.get("CC_INTENT"),
            "queue": rec.queue or rec.ivr_vars.get("CC_QUEUE") or None}
    out.append(("callback", rec, info))


def on_survey(rec: CallRecord, ev: Ev, out: list) -> None:
    score = _int(ev, "Score")
    rec.survey = {"ticket": _text(ev, "Ticket"), "score": score if score in range(1, 6) else None}
    if rec.survey["score"] is None:
        rec.survey["raw"] = (ev.get("Score") or "")[:20]  # kept for the record, never as a score
    out.append(("survey", rec, {**_base(rec, ev), **rec.survey}))


def on_ivr_hangup(rec: CallRecord, ev: Ev, out: list) -> None:
    rec.ivr_hangup = True
    path = _text(ev, "Path")
    if path and not rec.ivr_vars.get("CC_IVR_PATH"):
        rec.ivr_vars["CC_IVR_PATH"] = path
    out.append(("ivr_hangup", rec, {**_base(rec, ev), "path": path}))


USER_EVENTS: dict[str, Callable[[CallRecord, Ev, list], None]] = {
    "faxreceived": on_fax,
    "voicemailleft": on_voicemail,
    "callbackrequested": on_callback,
    "surveyresult": on_survey,
    "ivrhangup": on_ivr_hangup,
}
# Announced even when their call is unknown (ended or begun before the bridge started):
# each is something a resident asked for, and nothing received may be dropped.
STANDALONE = frozenset({"voicemailleft", "callbackrequested", "surveyresult"})


def kind_of(ev: Ev) -> str:
    return (ev.get("UserEvent") or "").strip().lower()


def on_user_event(fold: CallFold, rec: CallRecord, ev: Ev, t: int, out: list) -> None:
    step = USER_EVENTS.get(kind_of(ev))
    if step is not None:
        step(rec, ev, out)


def standalone(ev: Ev, lid: str | None, t: int) -> list:
    """Changes for one of STANDALONE whose call the fold does not hold: a throwaway record."""
    lid = lid or _text(ev, "Linkedid") or _text(ev, "Uniqueid")
    if kind_of(ev) not in STANDALONE or not lid:
        return []
    rec = CallRecord(linkedid=lid, started_at=t, caller_number=clean(ev.get("CallerIDNum")))
    out: list = []
    USER_EVENTS[kind_of(ev)](rec, ev, out)
    return out
