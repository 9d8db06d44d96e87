"""Export residents in the import format (full values: restricted and audited)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from callcenter.domain import privacy
from callcenter.domain.phones import national
from callcenter.domain.tickets import Actor, ForbiddenError
from callcenter.models import Region, Resident
from callcenter.services import audit
from callcenter.services.regions import subtree_clause
from callcenter.services.resident_files import write_rows

GENDER_ZH = {"M": "男", "F": "女"}


def export_residents(session: Session, actor: Actor, fmt: str = "csv") -> bytes:
    """Every resident in the actor's subtree, columns as imported; re-importing changes nothing."""
    if actor.role not in privacy.EXPORTERS:
        raise ForbiddenError(f"role {actor.role} may not export resident records")
    stmt = (select(Resident, Region.code).join(Region)
            .where(subtree_clause(Region.path, actor.region_path))
            .options(selectinload(Resident.phones), selectinload(Resident.tags))
            .order_by(Resident.id).execution_options(yield_per=1000))
    rows = [[r.name, GENDER_ZH.get(r.gender or "", ""), r.birth_date, r.id_number or "",
             ";".join(national(p.e164) for p in r.phones), r.address, code,
             ";".join(r.tag_names)]
            for r, code in session.execute(stmt)]
    audit.record(session, actor, "export", "resident", None, count=len(rows), format=fmt,
                 region_path=actor.region_path)
    return write_rows(rows, fmt)
