"""Files on tickets: typed by their content, stored once under their SHA-256.

One layout for every channel (hall uploads, partner replies, faxes):
`<instance>/attachments/ab/abcdef…`, written atomically, outside the web root.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from callcenter.domain.tickets import NotFoundError

# Magic bytes → type: the file name and the client's declared type are not trusted.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The file's real type from its first bytes, or None if it is none we accept."""
    for magic, mime in SIGNATURES:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def clean_name(filename: str | None, default: str = "") -> str:
    """The last path component, trimmed: a client's path never reaches the disk."""
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or default


def attachment_path(instance_path: str, sha256: str) -> Path:
    return Path(instance_path) / "attachments" / sha256[:2] / sha256


def store_bytes(instance_path: str, data: bytes) -> str:
    """Write `data` once under its SHA-256 (atomically) and return the digest."""
    digest = hashlib.sha256(data).hexdigest()
    path = attachment_path(instance_path, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{digest}.{os.getpid()}.part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return digest


def read_bytes(instance_path: str, sha256: str) -> bytes:
    path = attachment_path(instance_path, sha256)
    if not path.is_file():
        raise NotFoundError("file not found")
    return path.read_bytes()
