"""Commands for the job side: `worker`, `scheduler` and `outbox-relay`."""
from __future__ import annotations

import logging
import signal
import threading

import click

from callcenter.bootstrap import build_for_command
from callcenter.config import ConfigError, Settings
from integrations.intake_jobs import INTAKE_QUEUE
from integrations.queue import QUEUES

log = logging.getLogger(__name__)


def _container(need_redis: bool = True):
    settings = Settings.from_env()
    if need_redis and not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set. Without Redis, deliveries and deadline "
                                   "checks run inside `callcenter serve`.")
    try:
        settings.effective_secret_key()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    return build_for_command(settings)


def _stop_event() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


@click.command()
@click.option("--queues", default=",".join((*QUEUES, INTAKE_QUEUE)), show_default=True)
@click.option("--burst", is_flag=True, help="Quit when the queues are empty.")
@click.option("--simple", is_flag=True, help="Run jobs in the worker process (no fork per job).")
def worker(queues: str, burst: bool, simple: bool) -> None:
    """Run an RQ worker on the dispatch, notifications and intake queues (with RQ's scheduler,
    which moves retries whose back-off has passed back onto their queue)."""
    from redis import Redis
    from rq import Queue, SimpleWorker, Worker
    from integrations import email, jobs, sms, webhook  # noqa: F401 - work-horses fork with these loaded
    container = _container()
    redis = Redis.from_url(container.settings.redis_url)
    names = [q.strip() for q in queues.split(",") if q.strip()]
    jobs.warm_up()
    cls = SimpleWorker if simple else Worker
    w = cls([Queue(n, connection=redis) for n in names], connection=redis)
    w.work(burst=burst, with_scheduler=True, logging_level="INFO")


@click.command()
@click.option("--interval", default=60.0, show_default=True, help="Seconds between deadline checks.")
@click.option("--once", is_flag=True, help="Run one pass and exit.")
def scheduler(interval: float, once: bool) -> None:
    """Check deadlines (reminders, escalation) periodically and clean RQ's registries, so a
    job whose worker was killed is requeued by its Retry."""
    from callcenter.services.deadlines_job import check_deadlines
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    container = _container()
    dispatcher = container.extras["dispatcher"]
    stop = _stop_event()
    while True:
        try:
            report = check_deadlines(container.sessions, dispatcher.messaging,
                                     events=container.events)
            dispatcher.queue.maintain()
            log.info("deadline check: %d reminded, %d escalated", len(report.reminded),
                     len(report.escalated))
        except Exception:
            log.exception("scheduler pass failed; next in %ss", interval)
        if once or stop.wait(interval):
            break
    container.close()


@click.command("outbox-relay")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between passes.")
@click.option("--once", is_flag=True, help="Run one pass and exit.")
def outbox_relay(interval: float, once: bool) -> None:
    """Move committed outbox rows to Redis; rows wait while Redis is down, and jobs lost
    with a Redis restart are enqueued again."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    container = _container()
    relay = container.extras["dispatcher"].relay
    if once:
        drained, recovered = relay.run_once()
        click.echo(f"enqueued {drained}, re-enqueued {recovered}")
    else:
        relay.run_forever(_stop_event(), interval)
    container.close()


commands: list[click.Command] = [worker, scheduler, outbox_relay]
