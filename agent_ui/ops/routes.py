"""/healthz and /metrics: for load balancers, monitoring and Prometheus (private networks:
nginx answers them only for private addresses, docs/deploy.md)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest

from agent_ui.ops.health import health, queue_depth

bp = Blueprint("ops", __name__)

QUEUE_DEPTH = Gauge("callcenter_queue_depth", "Jobs waiting, by queue (outbox: not yet "
                    "handed to a worker).", ["queue"])
QUEUE_FAILED = Gauge("callcenter_queue_failed", "Jobs in RQ's failed registry, by queue.",
                     ["queue"])


@bp.get("/healthz")
def healthz():
    body, code = health(current_app.extensions["callcenter"])
    return jsonify(body), code


@bp.get("/metrics")
def metrics():
    depth = queue_depth(current_app.extensions["callcenter"])
    if "outbox_pending" in depth:
        QUEUE_DEPTH.labels("outbox").set(depth["outbox_pending"])
    for name, value in depth.items():
        if isinstance(value, dict):
            QUEUE_DEPTH.labels(name).set(value["queued"])
            QUEUE_FAILED.labels(name).set(value["failed"])
    return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)
