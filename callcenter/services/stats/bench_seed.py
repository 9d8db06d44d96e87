"""A large synthetic data set for benchmarks: a city's region tree, tickets with lawful-looking
life cycles, return/reopen timeline entries and calls — loaded with COPY on PostgreSQL
(multi-row INSERTs elsewhere), then the summaries rebuilt from what was loaded."""
from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from callcenter.models import Category, Department, Ticket, TicketEvent
from callcenter.models.calls import CallRecord
from callcenter.services.regions import add_region
from callcenter.services.stats import call_sql, rebuild

CHANNELS = ("phone",) * 6 + ("web", "web", "fax", "sms")
TYPES = ("consult",) * 4 + ("help",) * 3 + ("complaint", "complaint", "suggestion")
QUEUES = ("hotline", "hotline", "hotline", "care", "en", "fax")
DISPOSITIONS = ("answered",) * 8 + ("abandoned", "abandoned", "ivr_only", "missed")
CHUNK = 50_000


@dataclass
class Shape:
    tickets: int
    calls: int
    days: int = 730
    districts: int = 10
    streets: int = 10
    communities: int = 5
    seed: int = 12345


def build_tree(session: Session, shape: Shape) -> dict:
    """A city with districts → streets → communities → grids; returns the leaf paths."""
    tag = f"B{shape.seed % 1000:03d}"
    root = add_region(session, f"{tag}0", "基准国家", "country", None)
    prov = add_region(session, f"{tag}1", "基准省", "province", root)
    city = add_region(session, f"{tag}2", "基准市", "city", prov)
    leaves, districts, streets = [], [], []
    for d in range(shape.districts):
        dist = add_region(session, f"{tag}D{d:02d}", f"基准区{d + 1}", "district", city)
        districts.append(dist.id)
        for st in range(shape.streets):
            street = add_region(session, f"{tag}D{d:02d}S{st:02d}", f"街道{d + 1}-{st + 1}", "street", dist)
            streets.append(street.id)
            for c in range(shape.communities):
                comm = add_region(session, f"{street.code}C{c}", f"社区{d + 1}-{st + 1}-{c + 1}",
                                  "community", street)
                grid = add_region(session, f"{comm.code}G", f"网格{d + 1}-{st + 1}-{c + 1}", "grid", comm)
                leaves += [(comm.id, comm.path), (grid.id, grid.path)]
    cats = []
    for i in range(8):
        top = Category(code=f"{tag}C{i}", name=f"基准分类{i + 1}", path="")
        session.add(top)
        session.flush()
        top.path = f"/{top.id}/"
        for j in range(5):
            leaf = Category(code=f"{tag}C{i}{j}", name=f"基准分类{i + 1}-{j + 1}", parent=top, path="")
            session.add(leaf)
            session.flush()
            leaf.path = f"{top.path}{leaf.id}/"
            cats.append(leaf.id)
    depts = []
    for k in range(5):
        dept = Department(code=f"{tag}P{k}", name=f"基准部门{k + 1}", region=city, channels=[])
        session.add(dept)
        session.flush()
        depts.append(dept.id)
    session.flush()
    return {"city": city.id, "districts": districts, "streets": streets, "leaves": leaves,
            "categories": cats, "departments": depts}


def find_tree(session: Session, seed: int) -> dict | None:
    """The city, districts and streets an earlier load with `seed` made (None if none)."""
    from callcenter.models import Region
    tag = f"B{seed % 1000:03d}"
    city = session.scalar(select(Region.id).where(Region.code == f"{tag}2"))
    if city is None:
        return None
    codes = lambda level: select(Region.id).where(  # noqa: E731
        Region.code.startswith(tag), Region.level == level).order_by(Region.code)
    return {"city": city, "districts": list(session.scalars(codes("district"))),
            "streets": list(session.scalars(codes("street")))}


def _ticket(i: int, rnd: random.Random, tree: dict, end: datetime, days: int) -> dict:
    created = end - timedelta(seconds=rnd.randrange(days * 86400))
    region_id, path = rnd.choice(tree["leaves"])
    age = (end - created).days
    dispatched = created + timedelta(minutes=rnd.randint(5, 120)) if rnd.random() < 0.7 else None
    row = {"number": f"BX{i:012d}", "channel": rnd.choice(CHANNELS), "type": rnd.choice(TYPES),
           "category_id": rnd.choice(tree["categories"]), "priority": "normal",
           "status": "open", "address": "", "region_id": region_id, "region_path": path,
           "description": "基准数据", "escalation_level": 0, "created_at": created,
           "updated_at": created, "version": 1, "dispatched_at": dispatched,
           "target_department_id": rnd.choice(tree["departments"]) if dispatched else None,
           "accept_deadline": dispatched + timedelta(hours=2) if dispatched else None,
           "accepted_at": None, "resolved_at": None, "closed_at": None, "satisfaction": None,
           "complete_deadline": created + timedelta(days=3 if rnd.random() < 0.7 else 15)}
    if age > 20 or rnd.random() < 0.5:
        if dispatched:
            row["accepted_at"] = dispatched + timedelta(minutes=rnd.randint(5, 200))
        row["resolved_at"] = created + timedelta(hours=rnd.randint(1, 24 * 10))
        row["status"] = "resolved"
        if rnd.random() < 0.8:
            row["satisfaction"] = rnd.choice((5, 5, 5, 4, 4, 3, 2, 1))
            row["status"] = "closed" if rnd.random() < 0.9 else "revisited"
            row["closed_at"] = row["resolved_at"] + timedelta(days=1) if row["status"] == "closed" else None
    elif dispatched:
        row["status"] = rnd.choice(("dispatched", "accepted", "returned"))
        if row["status"] == "accepted":
            row["accepted_at"] = dispatched + timedelta(minutes=rnd.randint(5, 200))
    if rnd.random() < 0.01:
        row["status"], row["resolved_at"], row["satisfaction"] = "cancelled", None, None
    if row["status"] in ("open", "dispatched", "accepted", "returned") and rnd.random() < 0.05:
        row["escalation_level"] = 1
    return row


def _call(i: int, rnd: random.Random, end: datetime, days: int) -> dict:
    started = end - timedelta(seconds=rnd.randrange(days * 86400))
    disp = rnd.choice(DISPOSITIONS)
    wait = 0 if disp == "ivr_only" else int(rnd.expovariate(1 / 25))
    talk = int(rnd.expovariate(1 / 180)) if disp == "answered" else 0
    return {"linkedid": f"bench-{i}", "direction": "inbound",
            "queue": None if disp == "ivr_only" else rnd.choice(QUEUES),
            "ivr_vars": "{}", "agents_rung": "[]", "transfers": "[]", "disposition": disp,
            "wait_seconds": wait, "talk_seconds": talk,
            "answered_by": f"8{rnd.randint(0, 59):03d}" if disp == "answered" else None,
            "started_at": started, "ended_at": started + timedelta(seconds=wait + talk + 30),
            "resynced": False, "adopted": False, "created_at": started, "updated_at": started}


def _aware(v):
    return v.replace(tzinfo=timezone.utc) if isinstance(v, datetime) else v


def _copy(conn: Connection, table: str, rows: list[dict]) -> None:
    """COPY on PostgreSQL (text format), multi-row INSERT elsewhere. Rows hold naive UTC
    times: str() of a naive datetime is what COPY reads, and the generator saves a
    time zone conversion per value (it is most of the generation time at 15 M rows)."""
    if not rows:
        return
    cols = list(rows[0])
    if conn.dialect.name != "postgresql":
        model = {"tickets": Ticket, "ticket_events": TicketEvent, "call_records": CallRecord}[table]
        conn.execute(insert(model.__table__), [{k: (json.loads(v) if k in ("ivr_vars", "agents_rung",
                     "transfers", "data") else _aware(v)) for k, v in r.items()} for r in rows])
        return
    text_rows = ["\t".join(["\\N" if v is None else str(v) for v in r.values()]) for r in rows]
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        copy.write("\n".join(text_rows) + "\n")


LOADED = ("tickets", "ticket_events", "call_records")


def _drop_secondary_indexes(conn: Connection) -> list[str]:
    """Drop the loaded tables' indexes that back no constraint and return their definitions:
    building an index once after the load is several times faster than updating it for every
    COPY row. Same transaction as the load, so a failed load puts them back."""
    if conn.dialect.name != "postgresql":
        return []
    rows = conn.execute(text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(:tables) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"),
        {"tables": list(LOADED)}).all()
    for name, _ in rows:
        conn.execute(text(f"DROP INDEX {name}"))
    return [definition for _, definition in rows]


def seed(engine: Engine, shape: Shape, end: datetime, progress=print) -> dict:
    """Load the data set and rebuild the summaries; returns what was made."""
    rnd = random.Random(shape.seed)
    end = end.astimezone(timezone.utc).replace(tzinfo=None)
    clock = time.perf_counter()
    with Session(engine) as s, s.begin():
        tree = build_tree(s, shape)
    with engine.begin() as conn:
        indexes = _drop_secondary_indexes(conn)
        first = (conn.scalar(select(func.max(Ticket.id))) or 0) + 1
        first_event = (conn.scalar(select(func.max(TicketEvent.id))) or 0) + 1
        events = 0
        for lo in range(0, shape.tickets, CHUNK):
            rows = [_ticket(first + i, rnd, tree, end, shape.days)
                    for i in range(lo, min(lo + CHUNK, shape.tickets))]
            for i, r in enumerate(rows):
                r["id"] = first + lo + i
            evs = _events(rows, rnd, first_event + events)
            events += len(evs)
            _copy(conn, "tickets", rows)
            _copy(conn, "ticket_events", evs)
            progress(f"tickets {min(lo + CHUNK, shape.tickets)}/{shape.tickets}")
        call0 = (conn.scalar(select(func.max(CallRecord.id))) or 0) + 1
        for lo in range(0, shape.calls, CHUNK):
            _copy(conn, "call_records", [_call(call0 + i, rnd, end, shape.days)
                                         for i in range(lo, min(lo + CHUNK, shape.calls))])
            progress(f"calls {min(lo + CHUNK, shape.calls)}/{shape.calls}")
        progress(f"loaded in {time.perf_counter() - clock:.0f}s; building {len(indexes)} indexes")
        for definition in indexes:
            conn.execute(text(definition))
        if conn.dialect.name == "postgresql":
            for table in ("tickets", "ticket_events"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    progress(f"indexes built at {time.perf_counter() - clock:.0f}s; rebuilding the summaries")
    with engine.begin() as conn:
        written = rebuild.rebuild(conn)
        written["calls"] = call_sql.rebuild(conn)
    progress(f"summaries rebuilt at {time.perf_counter() - clock:.0f}s; VACUUM ANALYZE")
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return {"tree": tree, "events": events, "summary_rows": written}


def _events(rows: list[dict], rnd: random.Random, next_id: int) -> list[dict]:
    """Return (退单) and reopen entries for some tickets: what the action counts read."""
    out = []
    for r in rows:
        for action, p in (("return", 0.03), ("reopen", 0.02)):
            if r["dispatched_at"] is not None and rnd.random() < p:
                at = r["dispatched_at"] + timedelta(minutes=rnd.randint(10, 600))
                out.append({"id": next_id + len(out), "ticket_id": r["id"], "at": at,
                            "actor_role": "system", "action": action, "from_status": "dispatched",
                            "to_status": "returned" if action == "return" else "open",
                            "note": "", "data": "{}"})
    return out

