"""Files a target attaches to its reply (photos, scanned documents), checked by content.

Stored under the instance folder by SHA-256, so the same photo sent twice is kept once.
Everything is checked before anything is written: one bad file refuses the whole reply.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from callcenter.domain.tickets import ValidationError
from callcenter.models import Attachment, Ticket
from callcenter.services.attachments import Upload, clean_name, sniff, store_bytes

MAX_FILES = 9
MAX_BYTES = 10 * 1024 * 1024


def check_uploads(uploads: list[Upload]) -> list[tuple[Upload, str]]:
    if len(uploads) > MAX_FILES:
        raise ValidationError(f"at most {MAX_FILES} files per reply", "attachments")
    checked = []
    for up in uploads:
        name = clean_name(up.filename)
        if not name:
            raise ValidationError("every file needs a name", "attachments")
        if not up.data:
            raise ValidationError(f"{name} is empty", "attachments")
        if len(up.data) > MAX_BYTES:
            raise ValidationError(f"{name} is larger than 10 MB", "attachments")
        mime = sniff(up.data)
        if mime is None:
            raise ValidationError(f"{name} is not a photo (JPEG, PNG, GIF, WebP) or a PDF", "attachments")
        checked.append((Upload(name, up.data), mime))
    return checked


def store(session: Session, ticket: Ticket, checked: list[tuple[Upload, str]], user_id: int | None,
          instance_path: str) -> list[Attachment]:
    out = []
    for up, mime in checked:
        row = Attachment(ticket_id=ticket.id, filename=up.filename, mime_type=mime,
                         size=len(up.data), sha256=store_bytes(instance_path, up.data),
                         uploaded_by_id=user_id)
        session.add(row)
        out.append(row)
    session.flush()
    return out
