"""Turn request arguments into service calls and page models for the statistics pages."""
from __future__ import annotations

from flask import abort, request
from sqlalchemy.orm import Session

from callcenter.domain.tickets import in_region
from callcenter.models import Region, User
from callcenter.models.base import utcnow
from callcenter.services.exports import Column, Table
from callcenter.services.stats import calls as call_stats, drill, residents, tickets as st
from callcenter.services.stats.call_scope import CallScope, call_scope
from callcenter.services.stats.definitions import FIGURES, definition, label
from callcenter.services.stats.periods import BUCKETS, SHANGHAI, DateRange, PeriodError, parse_range

SUMMARY_KEYS = ("received", "response_rate", "resolution_rate", "satisfaction_rate", "rating_coverage",
                "on_time_accept_rate", "on_time_complete_rate", "avg_handle_hours", "returns",
                "reopens", "open_now", "overdue_now", "escalated_now")
RATES = {k for k in FIGURES if k.endswith("_rate") or k in ("rating_coverage", "service_level")}
DRILLABLE = {"received": "received", "returns": "returns", "reopens": "reopens", "open_now": "open_now",
             "overdue_now": "overdue_now", "escalated_now": "escalated_now"}


def node_for(session: Session, user: User) -> st.Node:
    """The region asked for, which must lie in the user's own subtree (else 404)."""
    region_id = request.args.get("region_id", type=int) or user.region_id
    region = session.get(Region, region_id)
    if region is None or not in_region(user.region.path, region.path):
        abort(404)
    return st.Node.of(region)


def range_arg() -> DateRange:
    try:
        return parse_range(request.args.get("start"), request.args.get("end"), utcnow())
    except PeriodError as exc:
        abort(400, exc.args[0])


def bucket_arg() -> str:
    bucket = request.args.get("bucket", "day")
    return bucket if bucket in BUCKETS else "day"


def figure_rows(current: dict, previous: dict, last_year: dict, lang: str) -> list[dict]:
    return [{"key": k, "label": label(k, lang), "definition": definition(k, lang),
             "value": current.get(k), "previous": previous.get(k), "last_year": last_year.get(k),
             "rate": k in RATES, "drill": DRILLABLE.get(k)} for k in SUMMARY_KEYS]


def dashboard(session: Session, user: User, lang: str) -> dict:
    node, rng, bucket = node_for(session, user), range_arg(), bucket_arg()
    now = utcnow()
    current, kids = st.overview(session, node, rng, now)
    cmp = st.compare(session, node, rng, now, current)
    page = {"node": node, "rng": rng, "bucket": bucket,
            "figures": figure_rows(cmp["current"], cmp["previous"], cmp["last_year"], lang),
            "by_status": cmp["current"]["by_status"],
            "children": kids,
            "trend": st.trend(session, node, rng, bucket),
            "categories": st.by_category(session, node, rng),
            "channels": st.by_dimension(session, node, rng, "channel"),
            "types": st.by_dimension(session, node, rng, "type")}
    if user.role in ("supervisor", "admin"):
        page["calls"] = call_stats.queue_figures(session, rng, scope=scope_for(session, node))
    return page


def scope_for(session: Session, node: st.Node) -> CallScope:
    """The calls of the node's queues (queues.yaml, as the wallboard maps them)."""
    from agent_ui.console.common import queue_directory
    return call_scope(session, node.path, queue_directory())


def drill_page(session: Session, user: User) -> dict:
    node, rng = node_for(session, user), range_arg()
    figure = request.args.get("figure", "received")
    filters = {k: request.args.get(k) for k in drill.FILTERS if request.args.get(k)}
    page, own = max(request.args.get("page", 1, type=int), 1), request.args.get("own") == "1"
    try:
        rows, total = drill.drill(session, node.path, figure, rng, utcnow(), filters, page, own=own)
    except drill.DrillError as exc:
        abort(400, exc.args[0])
    return {"node": node, "rng": rng, "figure": figure, "rows": rows, "total": total,
            "page": page, "filters": filters, "own": own, "pages": max((total + 49) // 50, 1),
            "tz": SHANGHAI}


def calls_page(session: Session, user: User) -> dict:
    node, rng = node_for(session, user), range_arg()
    scope = scope_for(session, node)
    queue = request.args.get("queue") or None
    if queue is not None and not scope.allows_queue(queue):
        abort(404)
    sl = request.args.get("sl", 15, type=int)
    if not 1 <= sl <= 600:
        abort(400, "the service-level threshold must be 1–600 seconds")
    return {"node": node, "rng": rng, "queue": queue, "sl": sl,
            "totals": call_stats.queue_figures(session, rng, queue, sl, scope=scope),
            "queues": call_stats.by_queue(session, rng, sl, scope=scope),
            "hours": call_stats.by_hour(session, rng, queue, scope=scope),
            "heatmap": call_stats.heatmap(session, rng, queue, scope=scope),
            "agents": call_stats.agent_figures(session, rng, utcnow(), scope=scope)}


def residents_page(session: Session, user: User) -> dict:
    node, rng = node_for(session, user), range_arg()
    return {"node": node, "rng": rng, "profile": residents.profile(session, node, rng.end),
            "children": residents.children_by_tag(session, node),
            "contacts": residents.vulnerable_contacts(session, node, rng)}


def export_table(session: Session, user: User, which: str, lang: str) -> Table:
    """The table behind an export button, built from the same services as the page."""
    node, rng, now = node_for(session, user), range_arg(), utcnow()
    if which == "summary":
        cmp = st.compare(session, node, rng, now)
        rows = figure_rows(cmp["current"], cmp["previous"], cmp["last_year"], lang)
        return Table(f"{node.name} 工单概况", [Column("label", "指标", "Figure"),
                     Column("value", "本期", "This period"), Column("previous", "上期", "Previous"),
                     Column("last_year", "去年同期", "Last year"), Column("definition", "定义", "Definition")], rows)
    if which == "children":
        return Table(f"{node.name} 下级区域", [Column("name", "区域", "Region")] + [
            Column(k, label(k, "zh"), label(k, "en"), "rate" if k in RATES else "int")
            for k in ("received", "response_rate", "resolution_rate", "satisfaction_rate",
                      "on_time_complete_rate", "returns")], st.children(session, node, rng, now))
    if which == "drill":
        page = drill_page(session, user)
        rows, _ = drill.drill(session, node.path, page["figure"], rng, now, page["filters"], 1,
                              100_000, own=page["own"])
        return Table(f"{node.name} 明细", [Column("number", "工单号", "Number"),
                     Column("type", "类型", "Type"), Column("status", "状态", "Status"),
                     Column("created_at", "受理时间", "Received", "datetime"),
                     Column("resolved_at", "办结时间", "Resolved", "datetime")],
                     [{c: getattr(t, c) for c in ("number", "type", "status", "created_at", "resolved_at")}
                      for t in rows])
    if which == "categories":
        return Table(f"{node.name} 分类", [Column("name", "分类", "Category"),
                     Column("received", "受理量", "Received", "int")], st.by_category(session, node, rng))
    abort(404)
