"""Statistics benchmark: the dashboards through callcenter.services.stats against hand-written
SQL for the same figures, on the base tables (B-tree indexes) and on the summary tables.

    python bench/stats.py                                  # small: finishes in minutes
    python bench/stats.py --tickets 5000000 --calls 10000000
    DATABASE_URL=… python bench/stats.py --seeded   # data from `callcenter seed-bench`

Uses DATABASE_URL when it points at an empty PostgreSQL database, else starts a throwaway
PostgreSQL cluster; with --seeded it measures what `callcenter seed-bench` already loaded
there (seeding 5 M / 10 M takes long; do it once). Prints the warm median of each, and
ours ÷ the best hand-written SQL.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from callcenter import migrate  # noqa: E402
from callcenter.models import Region  # noqa: E402
from callcenter.models.base import utcnow  # noqa: E402
from callcenter.services.stats import calls as call_stats, drill, tickets as st  # noqa: E402
from callcenter.services.stats.bench_seed import Shape, find_tree, seed  # noqa: E402
from callcenter.services.stats.periods import DateRange, local_date  # noqa: E402
from callcenter.store import make_engine  # noqa: E402

FLAGS = """count(*) n,
  count(*) FILTER (WHERE (resolved_at IS NOT NULL AND dispatched_at IS NULL)
                      OR accepted_at <= accept_deadline) responded,
  count(resolved_at) resolved,
  count(*) FILTER (WHERE resolved_at <= complete_deadline OR (resolved_at IS NOT NULL AND complete_deadline IS NULL)) resolved_on_time,
  count(*) FILTER (WHERE accepted_at <= accept_deadline) accepted_on_time, count(accepted_at) accepted,
  count(satisfaction) rated, count(*) FILTER (WHERE satisfaction >= 4) satisfied,
  coalesce(sum(extract(epoch FROM resolved_at - created_at)), 0) handle"""
SUMS = """sum(n) n, sum(responded_on_time) responded, sum(resolved) resolved,
  sum(resolved_on_time) resolved_on_time, sum(accepted_on_time) accepted_on_time, sum(accepted) accepted,
  sum(rated) rated, sum(satisfied) satisfied, sum(handle_seconds) handle"""
LOCAL = "(created_at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai')::date"
# Open / overdue / escalated now, and per child the cohort's unsettled overdue tickets
# (the denominators of the children's on-time rates): what the dashboard shows.
STOCK = """SELECT split_part(region_path, '/', {child}) child, count(*),
  count(*) FILTER (WHERE complete_deadline < :now OR (status = 'dispatched' AND accept_deadline < :now)),
  count(*) FILTER (WHERE escalation_level > 0),
  count(*) FILTER (WHERE status = 'dispatched' AND accept_deadline < :now
                   AND created_at >= :lo AND created_at < :hi),
  count(*) FILTER (WHERE complete_deadline < :now AND created_at >= :lo AND created_at < :hi)
  FROM tickets WHERE region_path >= :lo_path AND region_path < :hi_path
  AND status IN ('open', 'dispatched', 'accepted', 'returned') GROUP BY 1"""

# The same figures from the open-stock rows (migration 0014): rows whose deadlines fall on
# other days than today, plus the open tickets with a deadline today, counted one by one.
STOCK_ROWS = """SELECT child, sum(a), sum(b), sum(c), sum(d), sum(e) FROM (
  SELECT split_part(rollup_path, '/', {child}) child, sum(n) a,
    sum(n) FILTER (WHERE complete_day < :today OR accept_day < :today) b,
    sum(n) FILTER (WHERE escalated = 1) c,
    sum(n) FILTER (WHERE accept_day < :today AND period BETWEEN :d0 AND :d1) d,
    sum(n) FILTER (WHERE complete_day < :today AND period BETWEEN :d0 AND :d1) e
  FROM stats_ticket_open_stock WHERE grain = '{grain}' AND rollup_path >= :lo_path AND rollup_path < :hi_path
  AND accept_day <> :today AND complete_day <> :today GROUP BY 1
  UNION ALL
  SELECT split_part(region_path, '/', {child}), count(*),
    count(*) FILTER (WHERE complete_deadline < :now OR (status = 'dispatched' AND accept_deadline < :now)),
    count(*) FILTER (WHERE escalation_level > 0),
    count(*) FILTER (WHERE status = 'dispatched' AND accept_deadline < :now
                     AND created_at >= :lo AND created_at < :hi),
    count(*) FILTER (WHERE complete_deadline < :now AND created_at >= :lo AND created_at < :hi)
  FROM tickets WHERE region_path >= :lo_path AND region_path < :hi_path
  AND ((status = 'dispatched' AND accept_deadline >= :t0 AND accept_deadline < :t1)
       OR (status IN ('open', 'dispatched', 'accepted', 'returned')
           AND complete_deadline >= :t0 AND complete_deadline < :t1)) GROUP BY 1) x GROUP BY child"""


def base_dashboard(depth: int) -> list[str]:
    where = "region_path >= :lo_path AND region_path < :hi_path AND created_at >= :lo AND created_at < :hi"
    return [
        f"SELECT status, {FLAGS} FROM tickets WHERE {where} GROUP BY status",
        f"SELECT split_part(region_path, '/', {depth + 2}) child, {FLAGS} FROM tickets WHERE {where} GROUP BY 1",
        f"SELECT {LOCAL} d, count(*), count(resolved_at), count(satisfaction), "
        f"count(*) FILTER (WHERE satisfaction >= 4) FROM tickets WHERE {where} GROUP BY 1",
        f"SELECT category_id, count(*) FROM tickets WHERE {where} GROUP BY 1",
        f"SELECT channel, count(*) FROM tickets WHERE {where} GROUP BY 1",
        "SELECT e.action, count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
        "WHERE e.at >= :lo AND e.at < :hi AND e.action IN ('return', 'reopen') "
        "AND t.region_path >= :lo_path AND t.region_path < :hi_path GROUP BY 1",
        STOCK.format(child=depth + 2),
    ]


def summary_dashboard(depth: int) -> list[str]:
    """The best summary rows for each query: a city's or district's own figures from the
    area rows (per district; migration 0013), whole months from the monthly rows and the
    edges from the daily rows, in one statement each; a district's streets side by side
    from the street rows, naming its rollup paths (the region-first index, 0012)."""
    region = "rollup_path >= :lo_path AND rollup_path < :hi_path"
    area = (f"((grain = 'M' AND period BETWEEN :m0 AND :m1) OR (grain = 'D' AND "
            f"(period BETWEEN :d0 AND :e0 OR period BETWEEN :e1 AND :d1))) AND {region}")
    if depth <= 3:
        child = f"SELECT split_part(rollup_path, '/', {depth + 2}) child, {SUMS} FROM stats_ticket_periods " \
                f"WHERE {area} GROUP BY 1"
    else:
        child = f"SELECT split_part(rollup_path, '/', {depth + 2}) child, {SUMS} FROM stats_ticket_periods " \
                "WHERE grain = 'd' AND period BETWEEN :d0 AND :d1 AND rollup_path IN (SELECT rollup_path " \
                f"FROM stats_region_rollups WHERE {region}) GROUP BY 1"
    return [
        f"SELECT status, {SUMS} FROM stats_ticket_periods WHERE {area} GROUP BY status",
        child,
        f"SELECT period, sum(n), sum(resolved), sum(rated), sum(satisfied) FROM stats_ticket_periods "
        f"WHERE grain = 'D' AND period BETWEEN :d0 AND :d1 AND {region} GROUP BY 1",
        f"SELECT value, sum(n) FROM stats_ticket_dimensions WHERE {area} AND dim = 'category' GROUP BY 1",
        f"SELECT value, sum(n) FROM stats_ticket_dimensions WHERE {area} AND dim = 'channel' GROUP BY 1",
        f"SELECT action, sum(n) FROM stats_ticket_actions WHERE {area} AND action IN ('return', 'reopen') GROUP BY 1",
        STOCK_ROWS.format(child=depth + 2, grain="D" if depth <= 3 else "d"),
    ]


QUEUE_BASE = ["""SELECT count(*), count(*) FILTER (WHERE disposition = 'answered'),
  count(*) FILTER (WHERE disposition = 'abandoned'),
  count(*) FILTER (WHERE disposition = 'abandoned' AND coalesce(wait_seconds, 0) <= 5),
  count(*) FILTER (WHERE disposition = 'answered' AND coalesce(wait_seconds, 0) <= 15),
  sum(wait_seconds) FILTER (WHERE disposition = 'answered'), sum(talk_seconds) FILTER (WHERE disposition = 'answered'),
  max(wait_seconds) FROM call_records
  WHERE queue = :queue AND direction = 'inbound' AND started_at >= :lo AND started_at < :hi"""]
QUEUE_SUMMARY = ["""SELECT sum(offered), sum(answered), sum(abandoned), sum(abandoned_short), sum(answered_in_sl),
  sum(wait_answered_seconds), sum(talk_seconds), max(max_wait_seconds) FROM stats_call_hours
  WHERE queue = :queue AND day BETWEEN :d0 AND :d1"""]
DRILL = ["SELECT count(*) FROM tickets WHERE region_path >= :lo_path AND region_path < :hi_path "
         "AND created_at >= :lo AND created_at < :hi",
         "SELECT id, number, type, status, created_at, resolved_at FROM tickets WHERE region_path >= :lo_path AND region_path < :hi_path "
         "AND created_at >= :lo AND created_at < :hi ORDER BY created_at DESC, id DESC LIMIT 50"]


def timed(fns: list, repeat: int, budget: float = 10.0) -> list[float]:
    """Warm median of each, in rounds that run every one once: on a shared machine the
    load then falls on ours and the baselines alike. At least `repeat` rounds, more (up
    to 41) while they fit in `budget` seconds: a 2 ms case's median over 7 rounds moved
    by half between runs on the shared machine."""
    t = time.perf_counter()
    for fn in fns:
        fn()  # warm
    one_round = time.perf_counter() - t
    runs: list[list[float]] = [[] for _ in fns]
    for _ in range(max(repeat, min(41, int(budget / max(one_round, 1e-6))))):
        for fn, out in zip(fns, runs):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return [statistics.median(r) * 1000 for r in runs]


def run_sql(engine, statements, params):
    def go():
        with engine.connect() as conn:
            for sql in statements:
                conn.execute(text(sql), params).all()
    return go


def params_for(node, rng, now, queue="hotline"):
    lo, hi = rng.utc_bounds()
    t0, t1 = DateRange(local_date(now), local_date(now)).utc_bounds()
    months, _edges = rng.split_months()
    if months:   # whole months m0..m1 from the monthly rows, d0..e0 and e1..d1 from the daily
        m0, m1 = months[0], months[-1]
        e0, e1 = m0 - timedelta(days=1), (m1 + timedelta(days=31)).replace(day=1)
    else:        # no whole month: every day from the daily rows
        m0, m1, e0, e1 = rng.end + timedelta(days=1), rng.start, rng.end, rng.end + timedelta(days=1)
    return {"m0": m0, "m1": m1, "e0": e0, "e1": e1, "lo_path": node.path, "hi_path": node.path[:-1] + "0", "lo": lo.replace(tzinfo=None),
            "hi": hi.replace(tzinfo=None), "d0": rng.start, "d1": rng.end, "now": now.replace(tzinfo=None),
            "queue": queue, "today": local_date(now), "t0": t0.replace(tzinfo=None), "t1": t1.replace(tzinfo=None)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=200_000)
    ap.add_argument("--calls", type=int, default=400_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--seeded", action="store_true",
                    help="measure the data `callcenter seed-bench` loaded at DATABASE_URL")
    args = ap.parse_args()
    server, url = None, os.environ.get("DATABASE_URL", "")
    if args.seeded and not url.startswith("postgresql"):
        ap.error("--seeded needs DATABASE_URL pointing at a seeded PostgreSQL database")
    if not url.startswith("postgresql"):
        from servers import PostgresServer
        server = PostgresServer().start()
        url = server.create_database("bench_stats")
    try:
        bench(url, args)
    finally:
        if server:
            server.stop()


def bench(url: str, args) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    now = utcnow()
    if args.seeded:
        with Session(engine) as s:
            tree = find_tree(s, Shape(0, 0).seed)
        if tree is None:
            sys.exit("no seed-bench data at DATABASE_URL: run `callcenter seed-bench` first")
    else:
        t = time.perf_counter()
        tree = seed(engine, Shape(tickets=args.tickets, calls=args.calls, days=730), now,
                    progress=lambda m: None)["tree"]
        print(f"seeded {args.tickets} tickets, {args.calls} calls in {time.perf_counter() - t:.1f}s")
    with engine.connect() as conn:
        sizes = conn.execute(text(
            "SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid)) "
            "FROM pg_stat_user_tables WHERE relname IN ('tickets', 'ticket_events', 'call_records', "
            "'stats_ticket_periods', 'stats_ticket_dimensions', 'stats_ticket_actions', "
            "'stats_ticket_open_stock', 'stats_call_hours') ORDER BY relname")).all()
    print("tables: " + "; ".join(f"{name} {rows} rows {size}" for name, rows, size in sizes))
    with Session(engine) as s:
        city = st.Node.of(s.get(Region, tree["city"]))
        district = st.Node.of(s.get(Region, tree["districts"][0]))
        street = st.Node.of(s.get(Region, tree["streets"][0]))
    today = local_date(now)
    month, year = DateRange(today - timedelta(days=29), today), DateRange(today - timedelta(days=364), today)
    cases = [
        ("district 30-day dashboard", district, month, lambda s, n, r: _dashboard(s, n, r, now),
         base_dashboard, summary_dashboard),
        ("whole city, one year", city, year, lambda s, n, r: _dashboard(s, n, r, now),
         base_dashboard, summary_dashboard),
        ("queue KPIs, 30 days", city, month, lambda s, n, r: call_stats.queue_figures(s, r, "hotline"),
         lambda d: QUEUE_BASE, lambda d: QUEUE_SUMMARY),
        ("street drill-down, 30 days", street, month,
         lambda s, n, r: drill.drill(s, n.path, "received", r, now), lambda d: DRILL, None),
    ]
    print(f"{'case':30} {'ours ms':>9} {'SQL base':>9} {'SQL summ':>9} {'ours/best':>9}")
    for name, node, rng, ours, base_sql, summ_sql in cases:
        depth = node.path.count("/") - 1
        params = params_for(node, rng, now)

        def ours_fn():
            with Session(engine) as s:
                ours(s, node, rng)
        fns = [ours_fn, run_sql(engine, base_sql(depth), params)]
        if summ_sql:
            fns.append(run_sql(engine, summ_sql(depth), params))
        o, b, *m = timed(fns, args.repeat)
        m = m[0] if m else None
        best = min(x for x in (b, m) if x is not None)
        print(f"{name:30} {o:9.1f} {b:9.1f} {(m if m is not None else float('nan')):9.1f} {o / best:9.2f}")
    engine.dispose()


def _dashboard(s, node, rng, now):
    st.overview(s, node, rng, now)
    st.trend(s, node, rng, "day")
    st.by_category(s, node, rng)
    st.by_dimension(s, node, rng, "channel")


if __name__ == "__main__":
    main()
