"""After hours (issue 5): a voicemail becomes a ticket, a call-back request joins the agents'
missed-call work list, and the post-call survey's score reaches its ticket.

Each use case is idempotent per call (Asterisk's linkedid): the AMI bridge, an RQ retry or a
replay may deliver the same event twice, and a resident's message must be filed once.
Reading the recording is the adapter's job (integrations/after_hours_in.py); this module
gets its bytes, or None and the reason, and files the ticket either way.
"""
from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from callcenter.domain.phones import try_normalize
from callcenter.domain.tickets import InvalidTransitionError, NotFoundError
from callcenter.models import Attachment, Resident, Ticket
from callcenter.models.base import utcnow
from callcenter.models.calls import CallRecord
from callcenter.ports import EventPublisher
from callcenter.services.attachments import store_bytes
from callcenter.services.intake import city_region, system_actor
from callcenter.services.residents import lookup_caller
from callcenter.services.revisit import record_survey
from callcenter.services.ticket_input import TicketInput
from callcenter.services.tickets import open_ticket

log = logging.getLogger(__name__)
AUDIO_TYPES = {".wav": "audio/wav", ".gsm": "audio/x-gsm", ".mp3": "audio/mpeg",
               ".ogg": "audio/ogg", ".wav49": "audio/x-wav49"}


@dataclass(frozen=True)
class Voicemail:
    """A message left after hours, as the dialplan announced it (`UserEvent(VoicemailLeft…)`)."""

    linkedid: str
    caller_id: str = ""
    mailbox: str = ""
    file: str = ""
    resident_id: str = ""
    duration: int | None = None
    audio: bytes | None = None
    audio_name: str = ""
    missing: str = ""  # why `audio` is None
    recording_url: str = ""  # where the PBX keeps it when we cannot (Twilio): kept on the ticket


@dataclass(frozen=True)
class CallbackRequest:
    linkedid: str
    caller_id: str = ""
    queue: str | None = None
    resident_id: str = ""


def file_voicemail(session: Session, vm: Voicemail, instance_path: str, *,
                   now: datetime | None = None,
                   events: EventPublisher | None = None) -> Ticket | None:
    """Open the voicemail's ticket (recording attached); None if this call's was filed before."""
    if not vm.linkedid:
        raise ValueError("a voicemail needs its call's linkedid")
    _lock(session, f"voicemail:{vm.linkedid}")
    if voicemail_ticket(session, vm.linkedid) is not None:
        return None
    now = now or utcnow()
    resident = match_resident(session, vm.caller_id, vm.resident_id)
    region = resident.region if resident is not None else city_region(session)
    data = TicketInput(channel="phone", type="help", region_id=region.id,
                       caller_phone=try_normalize(vm.caller_id or ""),
                       resident_id=resident.id if resident else None,
                       description=describe(vm, resident), call_linkedid=vm.linkedid)
    ticket = open_ticket(session, system_actor(session), data, now=now, events=events)
    if vm.audio is not None:
        name = (vm.audio_name or "voicemail.wav")[:180]
        mime = AUDIO_TYPES.get(_suffix(name), "application/octet-stream")
        session.add(Attachment(ticket_id=ticket.id, filename=f"留言录音-{name}", mime_type=mime,
                               size=len(vm.audio), sha256=store_bytes(instance_path, vm.audio),
                               created_at=now))
        session.flush()
    return ticket


def voicemail_ticket(session: Session, linkedid: str) -> Ticket | None:
    """The ticket a call's voicemail opened: a phone ticket of that call nobody on staff typed."""
    return session.scalars(select(Ticket).where(
        Ticket.call_linkedid == linkedid, Ticket.channel == "phone",
        Ticket.created_by_id.is_(None)).order_by(Ticket.id)).first()


def describe(vm: Voicemail, resident: Resident | None) -> str:
    parts = [f"非工作时间语音留言（信箱 {vm.mailbox or '未知'}"
             + (f"，时长{vm.duration}秒" if vm.duration is not None else "") + "）",
             f"来电号码：{vm.caller_id or '未知'}"]
    if resident is not None:
        parts.append(f"来电居民：{resident.name}")
    if vm.audio is not None:
        parts.append("录音已附上，待坐席收听后补全诉求内容并回电")
    elif vm.recording_url:
        parts.append(f"录音保存在 {vm.recording_url}（未下载到本系统，请登录该平台收听）"
                     "，收听后补全诉求内容并回电")
    else:
        why = vm.missing or vm.file or "事件未给出文件名"
        parts.append(f"【录音文件缺失：{why}】请回电了解诉求")
    return "；".join(parts) + "。"


def match_resident(session: Session, caller_id: str, resident_id: str = "") -> Resident | None:
    """The IVR's recognised resident if still on file, else the one resident on the number."""
    if resident_id.isdigit():
        resident = session.get(Resident, int(resident_id))
        if resident is not None:
            return resident
    matches = lookup_caller(session, caller_id or "")
    return session.get(Resident, matches[0].resident_id) if len(matches) == 1 else None


def request_callback(session: Session, req: CallbackRequest, *,
                     now: datetime | None = None) -> CallRecord:
    """Put the call on the missed-call work list (disposition `callback`), once per call.

    The bridge stores the full record when the call ends; this row may come first (a job
    runs before the hang-up) and is then completed in place, keyed by linkedid. A request
    made after hours has no queue: every agent's list shows it (worklists.missed_calls).
    """
    if not req.linkedid:
        raise ValueError("a call-back request needs its call's linkedid")
    _lock(session, f"call:{req.linkedid}")
    row = session.scalars(select(CallRecord).where(CallRecord.linkedid == req.linkedid)).first()
    if row is None:
        row = CallRecord(linkedid=req.linkedid, direction="inbound", started_at=now or utcnow(),
                         ivr_vars={}, agents_rung=[], transfers=[])
        session.add(row)
    if row.disposition != "answered":
        row.disposition = "callback"
    row.caller_number = row.caller_number or (req.caller_id or None)
    row.resident_id = row.resident_id or (req.resident_id or None)
    session.flush()
    return row


def record_survey_result(session: Session, ticket_number: str | None, linkedid: str,
                         score: int | None, *, events: EventPublisher | None = None) -> bool:
    """Store the IVR survey's score on its ticket; True if stored now or already there."""
    if not ticket_number or score is None or not 1 <= score <= 5:
        log.info("survey of call %s: no ticket or no valid score; nothing to store", linkedid)
        return False
    try:
        record_survey(session, ticket_number, score, "ivr", events=events)
        return True
    except (NotFoundError, InvalidTransitionError) as exc:
        ticket = session.scalars(select(Ticket).where(Ticket.number == ticket_number)).first()
        if ticket is not None and ticket.satisfaction == score:
            return True  # the IVR stored it itself (ivr/store_directory.py): same score, done
        log.info("survey of call %s: score not stored: %s", linkedid, exc)
        return False


def _lock(session: Session, key: str) -> None:
    """Serialise two deliveries of one call on PostgreSQL (SQLite allows one writer anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                        {"k": zlib.crc32(key.encode()) - 2**31})


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
