"""Import residents from a spreadsheet: row report, idempotent writes in batches, undo.

`import_residents` opens its own session per batch (one transaction each), so it takes
the session factory rather than a session. A dry run reads only.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from callcenter.domain.resident_rows import (
    HeaderError, ResidentRecord, RowError, map_headers, parse_row)
from callcenter.domain.tickets import Actor, NotFoundError, ValidationError
from callcenter.models import (
    Region, Resident, ResidentImport, ResidentImportChange, ResidentPhone, Ticket)
from callcenter.models.base import utcnow
from callcenter.models.residents import TAGS
from callcenter.services import audit
from callcenter.services.resident_files import FileFormatError, read_rows
from callcenter.services.residents import apply_record, require_editor

BATCH = 500
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    filename: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    plan: list[tuple[int, str, str]] = field(default_factory=list)  # (row, action, name)
    import_id: int | None = None

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def as_dict(self) -> dict:
        return {"imported": self.imported, "unchanged": self.unchanged,
                "rejected": [e.as_dict() for e in self.rejected], "created": self.created,
                "updated": self.updated, "rows": self.rows, "dry_run": self.dry_run,
                "import_id": self.import_id}


def parse_file(data: bytes, filename: str) -> tuple[list[ResidentRecord], list[RowError], int]:
    """Good records, bad rows and the row count; a file that cannot be read raises."""
    header, body = read_rows(data, filename)
    try:
        mapping = map_headers(header)
    except HeaderError as exc:
        raise FileFormatError(str(exc)) from None
    good, bad = [], []
    seen: dict[tuple, int] = {}
    for number, cells in body:
        values = {fld: cells[i] if i < len(cells) else None for i, fld in mapping.items()}
        record, errors = parse_row(number, values, TAGS)
        if record is not None:
            key = (record.id_number,) if record.id_number else (record.name, record.phones)
            if key in seen:
                errors = [RowError(number, "id_number" if record.id_number else "phones",
                                   f"与第{seen[key]}行重复")]
                record = None
            else:
                seen[key] = number
        bad.extend(errors)
        if record is not None:
            good.append(record)
    return good, bad, len(body)


def import_residents(sessions: sessionmaker[Session], actor: Actor, data: bytes, filename: str,
                     *, dry_run: bool = False, batch_size: int = BATCH,
                     progress: Progress | None = None) -> ImportReport:
    require_editor(actor)
    good, bad, total = parse_file(data, filename)
    report = ImportReport(filename=filename, dry_run=dry_run, rows=total, rejected=bad)
    if not dry_run:
        with sessions.begin() as s:
            batch = ResidentImport(filename=filename, sha256=hashlib.sha256(data).hexdigest(),
                                   user_id=actor.user_id, status="running")
            s.add(batch)
            s.flush()
            report.import_id = batch.id
    done = len(bad)
    for start in range(0, len(good), batch_size):
        chunk = good[start:start + batch_size]
        with sessions() as s:
            _apply_batch(s, actor, chunk, report)
            s.rollback() if dry_run else s.commit()
        done += len(chunk)
        if progress:
            progress(done, total)
    report.rejected.sort(key=lambda e: (e.row, e.field))
    report.plan.sort()
    if not dry_run:
        _finish(sessions, actor, report)
    return report


def _apply_batch(s: Session, actor: Actor, chunk: list[ResidentRecord], report: ImportReport):
    regions = _regions(s, actor, {r.grid_code for r in chunk})
    by_id, by_phone = _existing(s, chunk)
    for record in chunk:
        region = regions.get(record.grid_code)
        if region is None:
            report.rejected.append(RowError(record.row, "grid_code",
                                            f"未知网格编码或不在管辖范围：{record.grid_code}"))
            continue
        resident = by_id.get(record.id_number) if record.id_number else None
        if resident is None:
            resident = next((by_phone[(record.name, p)] for p in record.phones
                             if (record.name, p) in by_phone), None)
            if resident is not None and resident.id_number and record.id_number:
                resident = None  # same name and phone, but another person's ID: a new person
            elif resident is not None and resident.id_number:
                record = replace(record, id_number=resident.id_number,  # keep what we know
                                 gender=record.gender or resident.gender,
                                 birth_date=record.birth_date or resident.birth_date)
        action = _write(s, resident, record, region, report.import_id)
        setattr(report, action, getattr(report, action) + 1)
        report.plan.append((record.row, action, record.name))


def _write(s: Session, resident: Resident | None, record: ResidentRecord, region: Region,
           import_id: int | None) -> str:
    if resident is not None and snapshot(resident) == _record_snapshot(record, region.id):
        return "unchanged"
    action = "created" if resident is None else "updated"
    before = {} if resident is None else snapshot(resident)
    if resident is None:
        resident = Resident(name=record.name, region=region)
        s.add(resident)
    apply_record(resident, record, region)
    s.flush()
    if import_id is not None:
        s.add(ResidentImportChange(import_id=import_id, resident_id=resident.id, action=action,
                                   before=before))
    return action


def _regions(s: Session, actor: Actor, codes: set[str]) -> dict[str, Region]:
    rows = s.scalars(select(Region).where(Region.code.in_(codes)))
    return {r.code: r for r in rows if r.path.startswith(actor.region_path)}


def _existing(s: Session, chunk: list[ResidentRecord]):
    ids = [r.id_number for r in chunk if r.id_number]
    numbers = {p for r in chunk for p in r.phones}
    load = (selectinload(Resident.phones), selectinload(Resident.tags))
    by_id = {r.id_number: r for r in s.scalars(
        select(Resident).where(Resident.id_number.in_(ids)).options(*load))} if ids else {}
    by_phone: dict[tuple[str, str], Resident] = {}
    if numbers:
        rows = s.execute(select(ResidentPhone.e164, Resident).join(Resident)
                         .where(ResidentPhone.e164.in_(numbers)).options(*load))
        for e164, resident in rows:
            by_phone.setdefault((resident.name, e164), resident)
    return by_id, by_phone


def snapshot(resident: Resident) -> dict:
    """The imported fields of a resident, JSON-ready (kept to undo an update)."""
    return {"name": resident.name, "gender": resident.gender,
            "birth_date": resident.birth_date.isoformat() if resident.birth_date else None,
            "id_number": resident.id_number, "phones": [p.e164 for p in resident.phones],
            "address": resident.address, "region_id": resident.region_id,
            "tags": sorted(resident.tag_names)}


def _record_snapshot(r: ResidentRecord, region_id: int) -> dict:
    return {"name": r.name, "gender": r.gender,
            "birth_date": r.birth_date.isoformat() if r.birth_date else None,
            "id_number": r.id_number, "phones": list(r.phones), "address": r.address,
            "region_id": region_id, "tags": sorted(r.tags)}


def _finish(sessions, actor: Actor, report: ImportReport) -> None:
    with sessions.begin() as s:
        batch = s.get(ResidentImport, report.import_id)
        batch.status = "done"
        batch.counts = {k: v for k, v in report.as_dict().items() if k not in ("rejected",)}
        batch.counts["rejected"] = len(report.rejected)
        audit.record(s, actor, "import", "resident_import", batch.id, filename=report.filename,
                     created=report.created, updated=report.updated,
                     rejected=len(report.rejected))


def undo_import(session: Session, actor: Actor, import_id: int) -> dict:
    """Delete what the import created and restore what it updated, in the caller's transaction."""
    require_editor(actor)
    batch = session.get(ResidentImport, import_id)
    if batch is None or batch.status == "undone":
        raise NotFoundError("import not found or already undone")
    touched = [c.resident_id for c in batch.changes]
    later = session.scalar(select(func.count()).select_from(ResidentImportChange)
                           .join(ResidentImport).where(
        ResidentImport.id > batch.id, ResidentImport.status != "undone",
        ResidentImportChange.resident_id.in_(touched)))
    if later:
        raise ValidationError("a later import changed the same residents; undo it first")
    counts = {"deleted": 0, "restored": 0, "kept": 0}
    for change in reversed(batch.changes):
        counts[_undo_change(session, change)] += 1
    batch.status, batch.undone_at = "undone", utcnow()
    audit.record(session, actor, "undo_import", "resident_import", batch.id, **counts)
    session.flush()
    return counts


def _undo_change(session: Session, change: ResidentImportChange) -> str:
    resident = session.get(Resident, change.resident_id)
    if resident is None:
        return "kept"
    if change.action == "created":
        if session.scalar(select(func.count()).where(Ticket.resident_id == resident.id)):
            return "kept"  # tickets refer to this resident now: keep history intact
        session.delete(resident)
        return "deleted"
    b = change.before
    record = ResidentRecord(
        row=0, name=b["name"], grid_code="", gender=b["gender"],
        birth_date=date.fromisoformat(b["birth_date"]) if b["birth_date"] else None,
        id_number=b["id_number"], phones=tuple(b["phones"]), address=b["address"],
        tags=tuple(b["tags"]))
    apply_record(resident, record, session.get(Region, b["region_id"]))
    return "restored"


def recent_imports(session: Session, limit: int = 20) -> list[ResidentImport]:
    return list(session.scalars(select(ResidentImport).order_by(ResidentImport.id.desc())
                                .limit(limit)))
