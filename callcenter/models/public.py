"""What the public channels keep: SMS verification codes, online-hall drafts, Open311
clients and requests, community announcements and office details, and fax metadata."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, JSONType, UTCDateTime, utcnow
from callcenter.models.org import Department
from callcenter.models.regions import Region
from callcenter.models.residents import Resident
from callcenter.models.tickets import Ticket


class VerificationCode(Base):
    """A one-time SMS code; only its keyed hash is stored, never the code itself."""

    __tablename__ = "verification_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(10))  # submit | track
    subject: Mapped[str] = mapped_column(String(64), default="")  # draft token or ticket number
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_verification_codes_phone_created", "phone", "created_at"),)


class HallDraft(Base):
    """A submission waiting for its SMS code: typed text and stored files survive a slow code."""

    __tablename__ = "hall_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    # [{"sha256": …, "filename": …, "mime_type": …, "size": …}]
    files: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ticket_number: Mapped[str | None] = mapped_column(String(20), nullable=True)


class Open311Client(Base):
    """A third-party app allowed to POST requests; only the key's SHA-256 is stored."""

    __tablename__ = "open311_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(200), default="")
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(8))  # shown to admins to tell keys apart
    rate_limit: Mapped[str] = mapped_column(String(40), default="60/hour")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Open311Request(Base):
    """The Open311 fields of a ticket that came in through the API (location, media, token)."""

    __tablename__ = "open311_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("open311_clients.id"), index=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    service_code: Mapped[str] = mapped_column(String(40))
    lat: Mapped[float | None] = mapped_column(nullable=True)
    long: Mapped[float | None] = mapped_column(nullable=True)
    address_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    media_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # email, device_id, account_id, names and attribute values as sent: personal, never listed
    submitted: Mapped[dict] = mapped_column(JSONType, default=dict)

    ticket: Mapped[Ticket] = relationship()


class Announcement(Base):
    """A notice (通知公告) an admin publishes on a street's or community's portal page."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()


class OfficeInfo(Base):
    """The office (办事大厅) of a street or community: where, when, which number to call."""

    __tablename__ = "office_info"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), unique=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    hours: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    intro: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()


class FaxMessage(Base):
    """One received fax: who sent it, how it arrived, what reading it gave, its ticket."""

    __tablename__ = "fax_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           unique=True)
    source: Mapped[str] = mapped_column(String(10))  # ami | inbox
    # Idempotency: the same file from the same place never makes a second ticket.
    source_key: Mapped[str] = mapped_column(String(255), unique=True)
    caller_id: Mapped[str] = mapped_column(String(40), default="")
    caller_e164: Mapped[str | None] = mapped_column(String(20), nullable=True)
    remote_station_id: Mapped[str] = mapped_column(String(40), default="")
    pages_reported: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pages_read: Mapped[int] = mapped_column(Integer, default=0)
    resolution: Mapped[str] = mapped_column(String(20), default="")  # "204x196"
    raw_sha256: Mapped[str] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(Text, default="")
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), nullable=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"),
                                                      nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    converted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    converted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    ticket: Mapped[Ticket] = relationship()
    resident: Mapped[Resident | None] = relationship()
    department: Mapped[Department | None] = relationship()
