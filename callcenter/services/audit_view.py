"""Read side of the audit log for admins: filter, page and export, within the admin's
region (an admin of a city sees what the city's staff did; the country admin sees all)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.tickets import Actor
from callcenter.models import AuditEntry, Region, User
from callcenter.services.regions import subtree_clause

EXPORT_LIMIT = 100_000
COLUMNS = ("时间 time", "用户 user", "角色 role", "操作 action", "对象 record", "编号 id",
           "详情 detail")


class AuditAccessError(Exception):
    code = "forbidden"


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None
    action: str | None = None
    record_type: str | None = None
    record_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    per_page: int = 100


def _query(actor: Actor, f: AuditFilter) -> Select:
    if actor.role != "admin":
        raise AuditAccessError("only administrators read the audit log")
    q = (select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.user_id)
         .outerjoin(Region, Region.id == User.region_id))
    # System entries (no user) belong to the whole installation: the root admin sees them.
    scoped = subtree_clause(Region.path, actor.region_path)
    is_root = actor.region_path.count("/") <= 2  # "/1/": the tree's root
    q = q.where(or_(scoped, AuditEntry.user_id.is_(None)) if is_root else scoped)
    if f.username:
        q = q.where(User.username == f.username)
    if f.action:
        q = q.where(AuditEntry.action == f.action)
    if f.record_type:
        q = q.where(AuditEntry.record_type == f.record_type)
    if f.record_id is not None:
        q = q.where(AuditEntry.record_id == f.record_id)
    if f.since:
        q = q.where(AuditEntry.at >= f.since)
    if f.until:
        q = q.where(AuditEntry.at < f.until + timedelta(days=1))
    return q.order_by(AuditEntry.id.desc())


def search(session: Session, actor: Actor, f: AuditFilter) -> list[dict]:
    q = _query(actor, f).limit(f.per_page + 1).offset((f.page - 1) * f.per_page)
    return [_row(entry, username) for entry, username in session.execute(q)]


def export_csv(session: Session, actor: Actor, f: AuditFilter) -> str:
    """CSV with a BOM so that Excel opens the Chinese headers correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for entry, username in session.execute(_query(actor, f).limit(EXPORT_LIMIT)):
        r = _row(entry, username)
        writer.writerow([r["at"], *(_safe_cell(str(r[k])) for k in (
            "username", "role", "action", "record_type")), r["record_id"] or "",
            _safe_cell(r["detail"])])
    return out.getvalue()


def _row(entry: AuditEntry, username: str | None) -> dict:
    detail = ", ".join(f"{k}={v}" for k, v in sorted((entry.detail or {}).items()))
    return {"id": entry.id, "at": entry.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            "username": username or "system", "role": entry.role, "action": entry.action,
            "record_type": entry.record_type, "record_id": entry.record_id,
            "detail": detail}


def _safe_cell(text: str) -> str:
    """Defuse spreadsheet formulas (CSV injection) in free text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
