"""User-defined queries (自定义查询): a whitelisted spec turned into SQL by code, never typed.

A spec names a subject (tickets, calls, residents), filters (field, operator, value),
group-by fields (dates by local day, month or hour) and measures (count, sum/avg/min/max of
numeric fields). Every run is scoped to the viewer's region — calls the way the call
figures are (stats/call_scope.py: by their queue's region), so a custom count equals the
dashboard's; queries are saved under a name and may be shared with roles.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, exists, func, select, true
from sqlalchemy.orm import Session

from callcenter.domain.tickets import STAFF, Actor
from callcenter.models import Region, Resident, ResidentTag, SavedQuery, Ticket, User
from callcenter.models.base import utcnow
from callcenter.models.calls import CallRecord
from callcenter.services.queue_directory import QueueDirectory
from callcenter.services.regions import subtree_clause
from callcenter.services.stats.call_scope import WHOLE, CallScope, call_scope
from callcenter.services.stats.periods import SHANGHAI
from callcenter.services.stats.sqlfuncs import local_day, local_hour, local_month

MAX_ROWS = 1000
OPERATORS = ("eq", "ne", "in", "gt", "ge", "lt", "le", "between", "contains", "is_null", "not_null")
FUNCTIONS = ("count", "sum", "avg", "min", "max")
BUCKETS = {"day": local_day, "month": local_month, "hour": local_hour}
ROLES = ("agent", "supervisor", "admin")


class QueryError(ValueError):
    code = "invalid_query"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Field:
    column: object
    kind: str          # text | enum | int | datetime | date
    zh: str
    en: str
    group: bool = True


def _ticket_fields():
    t = Ticket
    return {
        "number": Field(t.number, "text", "工单号", "Number", False),
        "channel": Field(t.channel, "enum", "渠道", "Channel"),
        "type": Field(t.type, "enum", "类型", "Type"),
        "status": Field(t.status, "enum", "状态", "Status"),
        "priority": Field(t.priority, "enum", "紧急程度", "Priority"),
        "category_id": Field(t.category_id, "int", "分类", "Category"),
        "region_id": Field(t.region_id, "int", "区域", "Region"),
        "target_department_id": Field(t.target_department_id, "int", "承办部门", "Department"),
        "target_provider_id": Field(t.target_provider_id, "int", "加盟商", "Provider"),
        "satisfaction": Field(t.satisfaction, "int", "满意度", "Satisfaction"),
        "escalation_level": Field(t.escalation_level, "int", "督办级别", "Escalation"),
        "created_at": Field(t.created_at, "datetime", "受理时间", "Received"),
        "resolved_at": Field(t.resolved_at, "datetime", "办结时间", "Resolved"),
    }


def _call_fields():
    c = CallRecord
    return {
        "queue": Field(c.queue, "enum", "队列", "Queue"),
        "disposition": Field(c.disposition, "enum", "结果", "Outcome"),
        "direction": Field(c.direction, "enum", "方向", "Direction"),
        "answered_by": Field(c.answered_by, "text", "接听坐席", "Agent"),
        "wait_seconds": Field(c.wait_seconds, "int", "等待秒数", "Wait (s)"),
        "talk_seconds": Field(c.talk_seconds, "int", "通话秒数", "Talk (s)"),
        "started_at": Field(c.started_at, "datetime", "呼入时间", "Started"),
    }


def _resident_fields():
    r = Resident
    return {
        "gender": Field(r.gender, "enum", "性别", "Gender"),
        "birth_date": Field(r.birth_date, "date", "出生日期", "Birth date"),
        "region_id": Field(r.region_id, "int", "区域", "Region"),
        "tag": Field(ResidentTag.tag, "enum", "标签", "Tag"),
    }


SUBJECTS = {"tickets": _ticket_fields, "calls": _call_fields, "residents": _resident_fields}


def fields_of(subject: str) -> dict[str, Field]:
    if subject not in SUBJECTS:
        raise QueryError(f"subject must be one of {', '.join(SUBJECTS)}", "subject")
    return SUBJECTS[subject]()


def _scope(subject: str, path: str, calls: CallScope):
    """Only rows in the viewer's region subtree: tickets by their path, residents by their
    region, calls by their queue's region (`calls`: what the dashboard counts for the same
    viewer; calls that reached no queue only for a viewer who sees every queue)."""
    if subject == "tickets":
        return subtree_clause(Ticket.region_path, path)
    if subject == "residents":
        return Resident.region_id.in_(select(Region.id).where(subtree_clause(Region.path, path)))
    if calls.whole:
        return true()
    return CallRecord.queue.in_(sorted(calls.queues))


def _value(f: Field, raw, name: str):
    try:
        if f.kind == "int":
            if isinstance(raw, bool):
                raise ValueError
            return int(raw)
        if f.kind in ("date", "datetime"):
            return date.fromisoformat(str(raw))
        if not isinstance(raw, (str, int)) or len(str(raw)) > 100:
            raise ValueError
        return str(raw)
    except (TypeError, ValueError):
        raise QueryError(f"bad value for {name}", name) from None


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time(0), SHANGHAI).astimezone(timezone.utc)


def _condition(f: Field, op: str, raw, name: str):
    col = f.column
    if op not in OPERATORS:
        raise QueryError(f"operator must be one of {', '.join(OPERATORS)}", name)
    if op in ("is_null", "not_null"):
        return col.is_(None) if op == "is_null" else col.is_not(None)
    if op == "contains":
        if f.kind not in ("text", "enum"):
            raise QueryError("contains works on text fields", name)
        return col.contains(_value(f, raw, name), autoescape=True)
    if op in ("in", "between"):
        if not isinstance(raw, list) or not raw or len(raw) > 100 or (op == "between" and len(raw) != 2):
            raise QueryError(f"{op} needs a list" + (" of two values" if op == "between" else ""), name)
        values = [_value(f, v, name) for v in raw]
        if op == "in":
            return col.in_(values)
        return and_(_condition(f, "ge", raw[0], name), _condition(f, "le", raw[1], name))
    v = _value(f, raw, name)
    if f.kind == "datetime":  # a date means that whole Shanghai day
        lo, hi = _day_start(v), _day_start(v + timedelta(days=1))
        return {"eq": and_(col >= lo, col < hi), "ne": (col < lo) | (col >= hi), "gt": col >= hi,
                "ge": col >= lo, "lt": col < lo, "le": col < hi}[op]
    return {"eq": col == v, "ne": col != v, "gt": col > v, "ge": col >= v, "lt": col < v,
            "le": col <= v}[op]


def _group(fields: dict[str, Field], item: str):
    name, _, bucket = item.partition(":")
    f = fields.get(name)
    if f is None or not f.group:
        raise QueryError(f"cannot group by {item!r}", "group_by")
    if f.kind == "datetime":
        if bucket not in BUCKETS:
            raise QueryError(f"group {name} by one of {', '.join(BUCKETS)}", "group_by")
        return BUCKETS[bucket](f.column).label(f"{name}_{bucket}")
    if bucket:
        raise QueryError(f"{name} takes no bucket", "group_by")
    return f.column.label(name)


def _measure(fields: dict[str, Field], m: dict):
    fn, name = m.get("fn"), m.get("field")
    if fn == "count" and not name:
        return func.count().label("count")
    f = fields.get(name or "")
    if fn not in FUNCTIONS or f is None or f.kind != "int":
        raise QueryError("measures are count, or sum/avg/min/max of a numeric field", "measures")
    return getattr(func, fn)(f.column).label(f"{fn}_{name}")


def build(subject: str, spec: dict, region_path: str, calls: CallScope = WHOLE):
    """The SELECT for a spec, scoped to `region_path` (calls: to the `calls` scope of that
    region); raises QueryError on anything unknown."""
    fields = fields_of(subject)
    if not isinstance(spec, dict):
        raise QueryError("spec must be an object", "spec")
    groups = [_group(fields, g) for g in spec.get("group_by") or []]
    measures = [_measure(fields, m) for m in spec.get("measures") or [{"fn": "count"}]]
    if len(groups) > 3 or len(measures) > 6:
        raise QueryError("at most 3 group-by fields and 6 measures", "spec")
    where = [_scope(subject, region_path, calls)]
    for flt in spec.get("filters") or []:
        f = fields.get(flt.get("field") if isinstance(flt, dict) else None)
        if f is None:
            raise QueryError("unknown filter field", "filters")
        cond = _condition(f, flt.get("op"), flt.get("value"), flt["field"])
        if f.column is ResidentTag.tag:  # "has a tag that …", not one row per tag
            cond = exists().where(ResidentTag.resident_id == Resident.id, cond)
        where.append(cond)
    model = {"tickets": Ticket, "calls": CallRecord, "residents": Resident}[subject]
    stmt = select(*groups, *measures).select_from(model)
    if "tag" in [getattr(g, "name", "") for g in groups] and subject == "residents":
        stmt = stmt.join(ResidentTag, ResidentTag.resident_id == Resident.id)
    stmt = stmt.where(*where)
    if groups:
        stmt = stmt.group_by(*groups).order_by(*groups)
    return stmt.limit(MAX_ROWS)


def run(session: Session, actor: Actor, subject: str, spec: dict,
        directory: QueueDirectory | None = None) -> tuple[list[str], list[list]]:
    """(column names, rows) for a staff viewer; `directory` maps queues to regions (the
    web app's; by default queues.yaml as CALLCENTER_QUEUES names it)."""
    if actor.role not in STAFF:
        raise QueryError("custom queries are for staff", "role")
    calls = call_scope(session, actor.region_path, directory) if subject == "calls" else WHOLE
    result = session.execute(build(subject, spec, actor.region_path, calls))
    return list(result.keys()), [list(r) for r in result]


def save(session: Session, user: User, name: str, subject: str, spec: dict,
         shared_roles: list[str]) -> SavedQuery:
    """Validate by building, then store (or replace) the query under the owner's name."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise QueryError("a name of 1 to 100 characters is required", "name")
    if any(r not in ROLES for r in shared_roles):
        raise QueryError(f"share only with {', '.join(ROLES)}", "shared_roles")
    build(subject, spec, user.region.path)
    row = session.scalars(select(SavedQuery).where(SavedQuery.owner_id == user.id,
                                                   SavedQuery.name == name)).first()
    if row is None:
        row = SavedQuery(owner_id=user.id, name=name)
        session.add(row)
    row.subject, row.spec, row.shared_roles, row.updated_at = subject, spec, list(shared_roles), utcnow()
    session.flush()
    return row


def visible(session: Session, user: User) -> list[SavedQuery]:
    """The user's own queries and those shared with the user's role."""
    rows = session.scalars(select(SavedQuery).order_by(SavedQuery.name)).all()
    return [q for q in rows if q.owner_id == user.id or user.role in (q.shared_roles or [])]
