"""Prometheus metrics of the hotline, with a tiny API for the code that counts.

Each process keeps its own counters (prometheus-client's default registry); the web workers
serve them at /metrics, other long-running processes (bridge, FastAGI, RQ workers) can serve
theirs with `serve_metrics(port)`. Prometheus scrapes each process, not nginx.

    from integrations import metrics
    metrics.count_call("answered")
    metrics.count_ami_events(len(batch))
    metrics.count_job_failure("dispatch", "deliver")
    metrics.observe_dispatch_latency(0.8, channel="webhook")
    metrics.socketio_connected("/agent"); metrics.socketio_disconnected("/agent")
"""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DISPOSITIONS = ("answered", "abandoned", "ivr_only", "missed", "transferred", "failed", "other")

CALLS = Counter("callcenter_calls", "Calls stored, by disposition.", ["disposition"])
AMI_EVENTS = Counter("callcenter_ami_events", "AMI events folded by the bridge.")
JOB_FAILURES = Counter("callcenter_job_failures", "Background job attempts that failed.",
                       ["queue", "job"])
DISPATCH_LATENCY = Histogram(
    "callcenter_dispatch_latency_seconds",
    "Time from a dispatch's commit to its delivery by a channel.", ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600))
SOCKETIO_CLIENTS = Gauge("callcenter_socketio_clients",
                         "Socket.IO clients connected to this web worker.", ["namespace"])
SCREEN_POP = Histogram("callcenter_screen_pop_seconds",
                       "Time from the AMI event to the screen-pop emit.",
                       buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))


def count_call(disposition: str) -> None:
    """Count one stored call; unknown dispositions go under "other" (bounded label set)."""
    CALLS.labels(disposition if disposition in DISPOSITIONS else "other").inc()


def count_ami_events(n: int = 1) -> None:
    AMI_EVENTS.inc(n)


def count_job_failure(queue: str, job: str) -> None:
    JOB_FAILURES.labels(queue, job).inc()


def observe_dispatch_latency(seconds: float, channel: str = "unknown") -> None:
    DISPATCH_LATENCY.labels(channel).observe(max(0.0, seconds))


def observe_screen_pop(seconds: float) -> None:
    SCREEN_POP.observe(max(0.0, seconds))


def socketio_connected(namespace: str) -> None:
    SOCKETIO_CLIENTS.labels(namespace).inc()


def socketio_disconnected(namespace: str) -> None:
    SOCKETIO_CLIENTS.labels(namespace).dec()


def serve_metrics(port: int, host: str = "127.0.0.1"):
    """Serve this process's metrics over HTTP (for processes without a web app)."""
    from prometheus_client import start_http_server
    return start_http_server(port, addr=host)
