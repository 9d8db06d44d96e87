"""A resident's call history: the calls from any of its phones, newest first.

The PBX gives caller numbers in any notation (13800138000, 8613800138000, 010-…); the
call store keeps each one's E.164 form in `caller_e164`, so this is one range scan on
the (caller_e164, started_at) index per phone, not a normalisation at read time.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain import privacy
from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.tickets import Actor
from callcenter.models import Resident
from callcenter.models.calls import CallRecord
from callcenter.services import recordings

LIMIT = 20


@dataclass(frozen=True)
class ResidentCall:
    linkedid: str
    started_local: datetime
    phone_masked: str
    queue: str | None
    disposition: str
    wait_seconds: int | None
    talk_seconds: int | None
    has_recording: bool


def call_statement(phones: list[str], limit: int = LIMIT):
    """The indexed SELECT of the calls from `phones` (E.164), newest first."""
    return (select(CallRecord).where(CallRecord.caller_e164.in_(phones))
            .order_by(CallRecord.started_at.desc(), CallRecord.id.desc()).limit(limit))


def resident_calls(session: Session, actor: Actor, resident: Resident, *,
                   recordings_root: str | os.PathLike | None = None,
                   extension: str | None = None, queues: list[str] = (),
                   limit: int = LIMIT) -> list[ResidentCall]:
    """Calls from the resident's phones (already read in scope by `get_resident`); a call
    has a recording link only when its file exists and the console would play it to `actor`."""
    phones = [p.e164 for p in resident.phones]
    if not phones:
        return []
    out = []
    for call in session.scalars(call_statement(phones, limit)):
        playable = bool(recordings_root) and recordings.file_for(recordings_root, call) is not None \
            and recordings.may_play(session, actor, call, extension=extension, queues=list(queues))
        out.append(ResidentCall(
            linkedid=call.linkedid, started_local=call.started_at.astimezone(SHANGHAI),
            phone_masked=privacy.masked_phone(call.caller_e164), queue=call.queue,
            disposition=call.disposition, wait_seconds=call.wait_seconds,
            talk_seconds=call.talk_seconds, has_recording=playable))
    return out
