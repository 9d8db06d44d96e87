"""Second factor for staff log-in: a TOTP secret per user (admins and supervisors)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, UTCDateTime, utcnow


class UserTotp(Base):
    __tablename__ = "user_totp"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The last 30-second step a code was accepted for: a code is good once (no replay).
    last_step: Mapped[int] = mapped_column(Integer, default=0)
