"""Caller-ID lookup at scale: `lookup_caller` vs a bare indexed SELECT on the phone table.

    python bench/caller_lookup.py                      # 1,000,000 residents, SQLite and PostgreSQL
    python bench/caller_lookup.py --residents 100000   # smaller and quicker
    python bench/caller_lookup.py --only sqlite

Generates residents (1.3 phones each, 5% tagged, tickets for 5%) with multi-row inserts on
SQLite and COPY on PostgreSQL (a throwaway cluster from tests/servers.py), then times
`lookup_caller` (resident + grid + tags + last 5 tickets, one query) and, as the baseline,
`SELECT resident_id FROM resident_phones WHERE e164 = :n` on the same connection. Prints
p50/p99 of both and their ratio. Bounded: --lookups calls per database (default 2000).
"""
from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from callcenter import migrate  # noqa: E402
from callcenter.models import Region, Resident, ResidentPhone, ResidentTag, Ticket  # noqa: E402
from callcenter.services.residents import lookup_caller  # noqa: E402
from callcenter.store import make_engine, make_session_factory  # noqa: E402

CHUNK = 20_000
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def phone(i: int) -> str:
    return f"+86138{i:08d}"


def landline(i: int) -> str:
    return f"+86553{3000000 + i % 1_000_000:07d}"


def resident_rows(start: int, stop: int, region_id: int):
    for i in range(start, stop):
        yield {"id": i, "name": f"居民{i}", "name_pinyin": f"jumin{i}", "name_initials": "jm",
               "address": f"幸福路{i % 500}号", "household_key": f"幸福路{i % 500}号",
               "region_id": region_id, "language": "zh", "notes": "", "created_at": NOW,
               "updated_at": NOW, "id_last4": f"{i % 10000:04d}"}


def phone_rows(start: int, stop: int):
    """Every resident has a mobile; every third also shares a landline with its neighbour."""
    for i in range(start, stop):
        yield {"resident_id": i, "e164": phone(i), "last4": phone(i)[-4:]}
        if i % 3 == 0:
            yield {"resident_id": i, "e164": landline(i // 2), "last4": landline(i // 2)[-4:]}


def setup_region(sessions) -> tuple[int, str]:
    with sessions.begin() as s:
        region = Region(code="B1", name="网格", level="grid", path="")
        s.add(region)
        s.flush()
        region.path = f"/{region.id}/"
        return region.id, region.path


def load(engine, sessions, n: int, copy: bool) -> None:
    region_id, path = setup_region(sessions)
    t0 = time.perf_counter()
    for start in range(1, n + 1, CHUNK):
        stop = min(start + CHUNK, n + 1)
        rows, phones = list(resident_rows(start, stop, region_id)), list(phone_rows(start, stop))
        if copy:
            _copy(engine, Resident.__table__, rows)
            _copy(engine, ResidentPhone.__table__, phones)
        else:
            with engine.begin() as conn:
                conn.execute(insert(Resident.__table__), rows)
                conn.execute(insert(ResidentPhone.__table__), phones)
    rng = random.Random(1)
    tagged = rng.sample(range(1, n + 1), n // 20)
    with engine.begin() as conn:
        conn.execute(insert(ResidentTag.__table__), [{"resident_id": i, "tag": "独居老人"}
                                                     for i in tagged])
        conn.execute(insert(Ticket.__table__), list(_tickets(rng, n, region_id, path)))
    if copy:
        with engine.begin() as conn:
            conn.execute(text("SELECT setval('residents_id_seq', :n)"), {"n": n})
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(f"  loaded {n:,} residents in {time.perf_counter() - t0:.1f}s", flush=True)


def _tickets(rng, n, region_id, path):
    for k, i in enumerate(rng.sample(range(1, n + 1), n // 20)):
        for j in range(rng.randint(1, 8)):
            yield {"number": f"B{k:07d}{j}", "channel": "phone", "type": "help",
                   "priority": "normal", "status": "closed", "resident_id": i, "address": "",
                   "region_id": region_id, "region_path": path, "description": "bench",
                   "created_at": NOW - timedelta(days=j), "updated_at": NOW}


def _copy(engine, table, rows) -> None:
    cols = list(rows[0])
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join(_copy_value(row[c]) for c in cols) + "\n")
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                copy.write(buf.getvalue())
        raw.commit()
    finally:
        raw.close()


def _copy_value(v) -> str:
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    return str(v)


def measure(sessions, n: int, lookups: int) -> tuple[list[float], list[float]]:
    rng = random.Random(2)
    numbers = [phone(rng.randint(1, n)) if rng.random() < 0.8
               else landline(3 * rng.randint(1, n // 3) // 2) for _ in range(lookups)]
    base, full = [], []
    bare = text("SELECT resident_id FROM resident_phones WHERE e164 = :n")
    with sessions() as s:
        for number in numbers[:50]:  # warm caches and statement caches
            lookup_caller(s, number)
            s.execute(bare, {"n": number}).all()
        for number in numbers:
            t = time.perf_counter()
            s.execute(bare, {"n": number}).all()
            base.append(time.perf_counter() - t)
            t = time.perf_counter()
            found = lookup_caller(s, number)
            full.append(time.perf_counter() - t)
            assert found, number
    return base, full


def report(label: str, base: list[float], full: list[float]) -> None:
    def pct(xs, q):
        return statistics.quantiles(xs, n=100)[q - 1] * 1000
    b50, b99, f50, f99 = pct(base, 50), pct(base, 99), pct(full, 50), pct(full, 99)
    print(f"  {label} baseline SELECT on resident_phones: p50 {b50:.3f} ms  p99 {b99:.3f} ms")
    print(f"  {label} lookup_caller:                     p50 {f50:.3f} ms  p99 {f99:.3f} ms")
    print(f"  {label} ratio lookup/baseline:             p50 {f50 / b50:.1f}x  p99 {f99 / b99:.1f}x")


def run(label: str, url: str, n: int, lookups: int, copy: bool) -> None:
    print(f"{label}: {url.split('@')[-1]}", flush=True)
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        load(engine, sessions, n, copy)
        report(label, *measure(sessions, n, lookups))
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cc-bench-") as tmp:
        if args.only != "postgresql":
            run("sqlite", f"sqlite:///{tmp}/bench.sqlite", args.residents, args.lookups, False)
        if args.only != "sqlite":
            from servers import PostgresServer
            server = PostgresServer().start()
            try:
                run("postgresql", server.create_database("bench"), args.residents, args.lookups,
                    True)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
