"""Files a target attaches to its reply (photos, scanned documents), checked by content.

Stored under the instance folder by SHA-256, so the same photo sent twice is kept once.
Everything is checked before anything is written: one bad file refuses the whole reply.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from callcenter.domain.tickets import ValidationError
from callcenter.models import Attachment, Ticket

MAX_FILES = 9
MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = (  # magic bytes → type; the client's declared type is not trusted
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def sniff(data: bytes) -> str | None:
    for magic, mime in SIGNATURES:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_uploads(uploads: list[Upload]) -> list[tuple[Upload, str]]:
    if len(uploads) > MAX_FILES:
        raise ValidationError(f"at most {MAX_FILES} files per reply", "attachments")
    checked = []
    for up in uploads:
        name = (up.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
        if not name:
            raise ValidationError("every file needs a name", "attachments")
        if not up.data:
            raise ValidationError(f"{name} is empty", "attachments")
        if len(up.data) > MAX_BYTES:
            raise ValidationError(f"{name} is larger than 10 MB", "attachments")
        mime = sniff(up.data)
        if mime is None:
            raise ValidationError(f"{name} is not a JPEG, PNG, WebP photo or a PDF", "attachments")
        checked.append((Upload(name, up.data), mime))
    return checked


def store(session: Session, ticket: Ticket, checked: list[tuple[Upload, str]], user_id: int | None,
          instance_path: str) -> list[Attachment]:
    root = Path(instance_path) / "attachments"
    out = []
    for up, mime in checked:
        digest = hashlib.sha256(up.data).hexdigest()
        path = root / digest[:2] / digest
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(up.data)
            tmp.replace(path)
        row = Attachment(ticket_id=ticket.id, filename=up.filename, mime_type=mime,
                         size=len(up.data), sha256=digest, uploaded_by_id=user_id)
        session.add(row)
        out.append(row)
    session.flush()
    return out


def path_of(instance_path: str, sha256: str) -> Path:
    return Path(instance_path) / "attachments" / sha256[:2] / sha256
