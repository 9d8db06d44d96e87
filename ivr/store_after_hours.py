"""AfterHoursDesk over callcenter.services.after_hours: the ticket the dialplan's events make."""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from callcenter.ports import EventPublisher
from callcenter.services import after_hours as svc
from ivr.after_hours import RecordedMessage

MAILBOX = "Twilio"


class StoreAfterHours:
    """File Twilio's after-hours messages and call-back requests in the ticket store."""

    def __init__(self, sessions: sessionmaker[Session], instance_path: str,
                 events: EventPublisher | None = None):
        self.sessions, self.instance_path, self.events = sessions, instance_path, events

    def leave_message(self, message: RecordedMessage) -> str | None:
        vm = svc.Voicemail(linkedid=message.linkedid, caller_id=message.caller, mailbox=MAILBOX,
                           resident_id=message.resident_id, duration=message.duration,
                           recording_url=message.url, missing=message.missing)
        with self.sessions.begin() as session:
            ticket = svc.file_voicemail(session, vm, self.instance_path, events=self.events)
            return ticket.number if ticket is not None else None

    def request_callback(self, linkedid: str, caller: str, resident_id: str = "") -> None:
        req = svc.CallbackRequest(linkedid=linkedid, caller_id=caller, resident_id=resident_id)
        with self.sessions.begin() as session:
            svc.request_callback(session, req)
