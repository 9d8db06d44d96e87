"""Ticket figures for a region node: the node, its children side by side, trends, breakdowns
and the periods to compare with — all computed in the database."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.models import Category, Region
from callcenter.models.stats import TICKET_MEASURES
from callcenter.services.stats import ticket_source as src
from callcenter.services.stats.periods import DateRange, bucket_of, buckets


@dataclass(frozen=True)
class Node:
    id: int
    path: str
    level: str
    name: str

    @classmethod
    def of(cls, region: Region) -> "Node":
        return cls(region.id, region.path, region.level, region.name)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def derive(m: dict, stock: dict, acts: dict) -> dict:
    """Turn summed measures into the figures (docs/stats.md, definitions.py)."""
    cancelled = m.get("cancelled", 0)
    valid = m.get("n", 0) - cancelled
    resolved = m.get("resolved", 0)
    return {
        "received": m.get("n", 0), "valid": valid, "cancelled": cancelled,
        "resolved": resolved, "rated": m.get("rated", 0), "satisfied": m.get("satisfied", 0),
        "response_rate": _ratio(m.get("responded_on_time", 0), valid),
        "resolution_rate": _ratio(resolved, valid),
        "satisfaction_rate": _ratio(m.get("satisfied", 0), m.get("rated", 0)),
        "rating_coverage": _ratio(m.get("rated", 0), resolved),
        "on_time_accept_rate": _ratio(m.get("accepted_on_time", 0),
                                      m.get("accepted", 0) + stock.get("accept_overdue_now", 0)),
        "on_time_complete_rate": _ratio(m.get("resolved_on_time", 0),
                                        resolved + stock.get("complete_overdue_now", 0)),
        "avg_handle_hours": round(m.get("handle_seconds", 0) / resolved / 3600, 2) if resolved else None,
        "escalated": m.get("escalated", 0),
        "returns": acts.get("return", 0), "reopens": acts.get("reopen", 0),
    }


def _totals(rows: dict) -> dict:
    out = defaultdict(int)
    for key, measures in rows.items():
        for name in TICKET_MEASURES:
            out[name] += measures.get(name, 0)
        if key and key[-1] == "cancelled":
            out["cancelled"] += measures.get("n", 0)
    return dict(out)


def summary(session: Session, node: Node, rng: DateRange, now: datetime) -> dict:
    """The node's figures for tickets received in `rng`, plus stocks now."""
    rows = src.measures(session, node.path, node.level, rng, ["status"])
    return _figures(rows, src.stocks_by_path(session, node.path, now, rng, node.level, split=False),
                    src.actions(session, node.path, node.level, rng))


def children(session: Session, node: Node, rng: DateRange, now: datetime) -> list[dict]:
    """Each child region's figures side by side; tickets filed at the node itself come
    first as 本级, so the rows add up to the node's own numbers."""
    rows = src.measures(session, node.path, node.level, rng, ["rollup_path", "status"])
    return _children(session, node, rows, src.stocks_by_path(session, node.path, now, rng, node.level))


def overview(session: Session, node: Node, rng: DateRange, now: datetime) -> tuple[dict, list[dict]]:
    """summary() and children() together, from one measures query and one stock query: the
    node's figures are the sum of its children's rows (what a dashboard shows first)."""
    rows = src.measures(session, node.path, node.level, rng, ["rollup_path", "status"])
    stocks = src.stocks_by_path(session, node.path, now, rng, node.level)
    return (_figures(rows, stocks, src.actions(session, node.path, node.level, rng)),
            _children(session, node, rows, stocks))


def _figures(rows: dict, stocks: dict, acts: dict) -> dict:
    """Figures from measure rows keyed (…, status), per-path stock rows and action counts."""
    stock = src.fold(stocks, lambda p: "all").get("all", {})
    cohort = {k: stock.get("cohort_" + k, 0) for k in src.RATE_KEYS}
    figures = derive(_totals(rows), cohort, acts)
    by_status: dict = defaultdict(int)
    for key, v in rows.items():
        by_status[key[-1]] += v["n"]
    figures["by_status"] = {k: n for k, n in by_status.items() if n}
    figures.update({k: stock.get(k, 0) for k in ("open_now", "overdue_now", "escalated_now")})
    return figures


def compare(session: Session, node: Node, rng: DateRange, now: datetime,
            current: dict | None = None) -> dict:
    """This period (`current` if already computed), the one before (环比) and the same dates
    last year (同比)."""
    return {"current": current or summary(session, node, rng, now),
            "previous": summary(session, node, rng.previous(), now),
            "last_year": summary(session, node, rng.last_year(), now)}


def _children(session: Session, node: Node, rows: dict, stocks: dict) -> list[dict]:
    kids = session.execute(select(Region.id, Region.path, Region.name, Region.level)
                           .where(Region.parent_id == node.id).order_by(Region.code)).all()
    by_child: dict = defaultdict(lambda: defaultdict(int))
    for (path, status), measures in rows.items():
        acc = by_child[_child_path(node.path, path)]
        for name in TICKET_MEASURES:
            acc[name] += measures.get(name, 0)
        if status == "cancelled":
            acc["cancelled"] += measures.get("n", 0)
    folded = src.fold(stocks, lambda p: _child_path(node.path, p))
    stock = {p: {k: v.get("cohort_" + k, 0) for k in src.RATE_KEYS} for p, v in folded.items()}
    out = []
    for path, rid, name in [(node.path, node.id, "本级")] + [(k.path, k.id, k.name) for k in kids]:
        if path == node.path and path not in by_child:
            continue
        figures = derive(dict(by_child.get(path, {})), stock.get(path, {}), {})
        out.append({"region_id": rid, "path": path, "name": name, **figures})
    return out


def _child_path(node_path: str, path: str) -> str:
    """The child of `node_path` that `path` lies under (or the node itself)."""
    rest = path[len(node_path):]
    if not rest:
        return node_path
    return node_path + rest.split("/", 1)[0] + "/"


def trend(session: Session, node: Node, rng: DateRange, bucket: str) -> list[dict]:
    """Received and resolved per day, week or month, with empty buckets as zero."""
    rows = src.measures(session, node.path, node.level, rng, ["period"],
                        ("n", "resolved", "rated", "satisfied"))
    acc: dict = {b: defaultdict(int) for b in buckets(rng, bucket)}
    for (period,), measures in rows.items():
        b = bucket_of(period, bucket) if bucket != "month" else period.replace(day=1)
        for name in ("n", "resolved", "rated", "satisfied"):
            acc[b][name] += measures.get(name, 0)
    return [{"period": b.isoformat(), "received": v["n"], "resolved": v["resolved"],
             "satisfaction_rate": _ratio(v["satisfied"], v["rated"])} for b, v in acc.items()]


def by_category(session: Session, node: Node, rng: DateRange, parent_id: int | None = None) -> list[dict]:
    """Received tickets per category one level under `parent_id` (the top when None), each
    counting its whole subtree; tickets filed on the parent itself (本级) or without any
    category (未分类, top level only) come last, so the rows add up."""
    counts = src.dimension(session, node.path, node.level, rng, "category")
    cats = session.execute(select(Category.id, Category.name, Category.path, Category.parent_id)
                           .order_by(Category.id)).all()
    path_of = {c.id: c.path for c in cats}
    shown = [c for c in cats if c.parent_id == parent_id]
    out = {c.id: {"category_id": c.id, "name": c.name, "received": 0} for c in shown}
    own = 0
    for (value,), m in counts.items():
        cid = None if value == "-" else int(value)
        if cid is None or cid == parent_id:
            own += m["n"] if cid == parent_id else 0
            continue
        for c in shown:
            if path_of.get(cid, "").startswith(c.path):
                out[c.id]["received"] += m["n"]
                break
    rows = sorted(out.values(), key=lambda r: -r["received"])
    if own:
        rows.append({"category_id": parent_id, "name": "本级" if parent_id else "未分类", "received": own})
    return rows


def by_dimension(session: Session, node: Node, rng: DateRange, dim: str) -> list[dict]:
    """Received tickets by channel, type or target, most first (ties by value, so the
    order does not depend on which rows the database read)."""
    if dim == "type":
        rows = src.measures(session, node.path, node.level, rng, ["type"])
        return sorted(({"value": k[0], "received": v["n"]} for k, v in rows.items() if v["n"]),
                      key=lambda r: (-r["received"], r["value"]))
    rows = src.dimension(session, node.path, node.level, rng, dim)
    return sorted(({"value": k[0], "received": v["n"]} for k, v in rows.items() if v["n"]),
                  key=lambda r: (-r["received"], r["value"]))
