"""What one ticket, timeline entry or call adds to the summary tables (pure).

Calls are summarised differently: an hour row is recounted from the calls table whenever
a call in that hour changes (calls.py), which keeps "longest wait" exact too.

A ticket summary row is a sum of contributions. When a ticket changes, the store subtracts the
contribution of its old state and adds that of its new state, so a row always equals the
recount from the base tables (docs/stats.md; checked by tests after random transitions).
The same rules are written once more as SQL in `rebuild.py`, which tests compare with these.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from callcenter.models.stats import NEVER, OPEN_STATUSES
from callcenter.services.stats.periods import local_date, month_start

GRAINS = ("d", "m", "D", "M")
SHORT_ABANDON_SECONDS = 5
SERVICE_LEVEL_SECONDS = 15

Key = tuple
Rows = dict[Key, dict[str, int]]


@dataclass(frozen=True)
class TicketFacts:
    """The fields of a ticket that statistics read, at one moment."""

    rollup_path: str
    area_path: str
    type: str
    status: str
    channel: str
    category_id: int | None
    target: str
    created_at: datetime
    dispatched_at: datetime | None
    accept_deadline: datetime | None
    accepted_at: datetime | None
    complete_deadline: datetime | None
    resolved_at: datetime | None
    satisfaction: int | None
    escalation_level: int


def target_value(department_id: int | None, provider_id: int | None) -> str:
    if department_id is not None:
        return f"d:{department_id}"
    if provider_id is not None:
        return f"p:{provider_id}"
    return "-"


def epoch(moment: datetime) -> int:
    """Whole seconds since 1970, truncated: the databases' own epoch functions agree."""
    return int(moment.timestamp() // 1)


def ticket_measures(f: TicketFacts) -> dict[str, int]:
    accepted_on_time = f.accepted_at is not None and f.accept_deadline is not None \
        and f.accepted_at <= f.accept_deadline
    resolved = f.resolved_at is not None
    direct = resolved and f.dispatched_at is None
    return {
        "n": 1,
        "responded_on_time": int(direct or accepted_on_time),
        "accepted": int(f.accepted_at is not None),
        "accepted_on_time": int(accepted_on_time),
        "resolved": int(resolved),
        "resolved_on_time": int(resolved and (f.complete_deadline is None
                                              or f.resolved_at <= f.complete_deadline)),
        "handle_seconds": epoch(f.resolved_at) - epoch(f.created_at) if resolved else 0,
        "rated": int(f.satisfaction is not None),
        "satisfied": int(f.satisfaction is not None and f.satisfaction >= 4),
        "escalated": int(f.escalation_level > 0),
    }


def _grains(day, rollup_path: str, area_path: str):
    """(grain, period, path): street rows by day and month, area rows by day and month."""
    month = month_start(day)
    return (("d", day, rollup_path), ("m", month, rollup_path),
            ("D", day, area_path), ("M", month, area_path))


def deadline_days(f: TicketFacts) -> tuple:
    """(accept day, complete day): the local days of the deadlines that can make an open
    ticket overdue (signing for counts only while dispatched); NEVER when there is none."""
    accept = f.accept_deadline if f.status == "dispatched" else None
    return tuple(local_date(d) if d is not None else NEVER for d in (accept, f.complete_deadline))


def ticket_rows(f: TicketFacts) -> Rows:
    measures = ticket_measures(f)
    dims = (("channel", f.channel), ("category", str(f.category_id or "-")), ("target", f.target))
    rows: Rows = {}
    if f.status in OPEN_STATUSES:
        day = local_date(f.created_at)
        for grain, path in (("d", f.rollup_path), ("D", f.area_path)):
            rows[("open", grain, day, path, *deadline_days(f), int(f.escalation_level > 0))] = {"n": 1}
    for grain, period, path in _grains(local_date(f.created_at), f.rollup_path, f.area_path):
        rows[("periods", grain, period, path, f.type, f.status)] = measures
        for dim, value in dims:
            rows[("dimensions", grain, period, path, dim, value)] = {"n": 1}
    return rows


def action_rows(paths: tuple[str, str], action: str, at: datetime) -> Rows:
    """`paths`: the ticket region's (rollup path, area path)."""
    return {("actions", grain, period, path, action): {"n": 1}
            for grain, period, path in _grains(local_date(at), *paths)}


def delta(old: Rows | None, new: Rows | None) -> Rows:
    """new − old, key by key, dropping rows that do not move."""
    out: dict[Key, dict[str, int]] = defaultdict(dict)
    for sign, rows in ((-1, old or {}), (1, new or {})):
        for key, measures in rows.items():
            acc = out[key]
            for name, value in measures.items():
                acc[name] = acc.get(name, 0) + sign * value
    return {k: v for k, v in out.items() if any(v.values())}


def merge(into: Rows, more: Rows) -> None:
    for key, measures in more.items():
        acc = into.setdefault(key, {})
        for name, value in measures.items():
            acc[name] = acc.get(name, 0) + value
