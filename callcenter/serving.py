"""Run the web process: migrations, optional demo data, then the Flask-SocketIO app with the
telephony embedded — the AMI bridge (to AMI_URL, or with --demo to the built-in PBX
simulator) and the FastAGI IVR, each on its own event-loop thread.

Threading mode: werkzeug's threaded server with simple-websocket carries Socket.IO's
WebSocket transport; production runs the same app under gunicorn (docs/console.md).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import threading
from dataclasses import dataclass, field

from sqlalchemy import select

from callcenter import migrate
from callcenter.bootstrap import Container, build
from callcenter.config import Settings

log = logging.getLogger(__name__)
DEMO_TALK_SECONDS = 240.0


@dataclass
class Embedded:
    """The threads `serve` runs beside the web server; `stop()` ends them all."""

    telephony: object | None = None
    ivr: object | None = None
    stoppers: list = field(default_factory=list)

    def stop(self) -> None:
        for stop in reversed(self.stoppers):
            try:
                stop()
            except Exception:  # noqa: BLE001 - stopping the rest matters more
                log.exception("stopping an embedded service failed")


def start_telephony(container: Container, *, demo: bool, speed: float = 1.0):
    """Bridge (+ simulator in demo mode) on a loop thread; installs the console's call control."""
    from callcenter.services.calls import make_call_stores
    from integrations.ami.runtime import TelephonyThread
    from integrations.ami.simulator import PBXSimulator
    from integrations.call_control import CallControl
    from integrations.ami.bridge_process import node_file, node_name
    from integrations.ami.client import parse_ami_url

    settings, directory = container.settings, container.extras["queues"]
    wrapup = {q.name: q.wrapup_seconds for q in directory.queues.values()}
    store_calls, store_agents = make_call_stores(container.sessions)
    # records the database refuses wait in this node's spill file, as with `ami-bridge`
    spill = node_file(settings, node_name(os.environ.get("AMI_NODE")), "ami-spill")
    if demo:
        sim = PBXSimulator(queues={name: [] for name in directory.queues}, wrapup=wrapup, speed=speed)
        sim.pbx.interactive = True  # a call rings until the agent clicks 接听 (or rings out)
        thread = TelephonyThread(None, container.events, store_calls=store_calls,
                                 store_agents=store_agents, wrapup=wrapup, simulator=sim,
                                 spill_path=spill)
    elif settings.ami_url:
        thread = TelephonyThread(parse_ami_url(settings.ami_url), container.events,
                                 store_calls=store_calls, store_agents=store_agents, wrapup=wrapup,
                                 spill_path=spill)
    else:
        return None
    thread.start()
    container.extras["call_control"] = CallControl(thread)
    return thread


def start_ivr(container: Container):
    """The FastAGI IVR on its own loop thread; a busy port is reported, not fatal."""
    from ivr.fastagi import IvrService, start_server, stop_server
    from ivr.store_directory import StoreDirectory
    from ivr.wiring import make_clock

    service = IvrService(directory=StoreDirectory(container.sessions), clock=make_clock())
    loop = asyncio.new_event_loop()
    started = threading.Event()
    state: dict = {}

    async def main():
        try:
            state["server"], state["app"] = await start_server(service, container.settings.fastagi_bind)
        except OSError as exc:
            log.warning("FastAGI not started on %s: %s", container.settings.fastagi_bind, exc)
            started.set()
            return
        started.set()
        state["stop"] = asyncio.Event()
        await state["stop"].wait()
        await stop_server(state["server"], state["app"])

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), name="fastagi", daemon=True)
    thread.start()
    started.wait(5)

    def stop():
        if "stop" in state:
            loop.call_soon_threadsafe(state["stop"].set)
        thread.join(5)
    return stop


def demo_callers(container: Container, limit: int = 40) -> list[tuple[str, str]]:
    """Seeded residents' numbers (national digits) so demo calls pop real records."""
    from callcenter.domain.phones import national
    from callcenter.models import Resident, ResidentPhone
    with container.sessions() as s:
        rows = s.execute(select(ResidentPhone.e164, Resident.name).join(Resident)
                         .order_by(ResidentPhone.id).limit(limit)).all()
    return [(national(e164), name) for e164, name in rows]


def start_demo_calls(thread, callers: list[tuple[str, str]], every: float = 30.0, seed: int = 7):
    """A call every `every` seconds or so, from a known resident or now and then a stranger."""
    from integrations.ami.simulator.scenarios import queued_call

    rng = random.Random(seed)

    async def loop():
        await asyncio.sleep(3)
        while True:
            number, name = rng.choice(callers) if callers and rng.random() < 0.8 else \
                (f"139{rng.randrange(10**8):08d}", "")
            queue = rng.choice(["hotline", "hotline", "complaint", "care"])
            thread.simulator.spawn(queued_call(thread.simulator.pbx, number=number, name=name,
                                               queue=queue, talk=DEMO_TALK_SECONDS, max_wait=120))
            await asyncio.sleep(rng.uniform(0.5, 1.5) * every)

    future = asyncio.run_coroutine_threadsafe(loop(), thread.loop)
    return functools.partial(future.cancel)


def run_server(settings: Settings, host: str, port: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    migrate.upgrade(settings.database_url)
    container = build(settings)
    if settings.demo:
        _seed(container)
    from agent_ui import create_app
    app = create_app(settings, container=container)
    embedded = start_embedded(container, demo=settings.demo)
    from integrations.push import freeze_startup_heap
    freeze_startup_heap()  # start-up's objects leave the collector's scans: no long pauses
    from werkzeug.serving import make_server
    server = make_server(host, port, app, threaded=True)
    print(f"serving on http://{host}:{port}/  (Ctrl-C to stop)")
    if settings.demo:
        print(f"agents: open http://{host}:{port}/console  ·  supervisors: http://{host}:{port}/wallboard")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        embedded.stop()
        container.close()


def start_embedded(container: Container, *, demo: bool, demo_calls: bool = True) -> Embedded:
    embedded = Embedded()
    embedded.telephony = start_telephony(container, demo=demo)
    if embedded.telephony is not None:
        embedded.stoppers.append(embedded.telephony.stop)
        if demo and demo_calls:
            embedded.stoppers.append(start_demo_calls(embedded.telephony, demo_callers(container)))
    embedded.stoppers.append(start_ivr(container))
    embedded.stoppers.append(start_retention(container))
    embedded.stoppers.append(start_fax_intake(container))
    from integrations import after_hours_in  # voicemails, call-back requests, survey scores
    embedded.stoppers.append(after_hours_in.start(container))
    # Deliveries: the outbox relay always runs here; deadline checks too when no RQ scheduler.
    dispatcher = container.extras["dispatcher"]
    dispatcher.start_background(deadlines_every=None if container.settings.redis_url else 60)
    return embedded


def start_fax_intake(container: Container, inbox_every: float = 10.0):
    """Faxes the bridge reports, and files dropped in FAX_INBOX, become tickets.

    Rendering takes a while, so it runs on its own thread, never on the bridge's.
    """
    from concurrent.futures import ThreadPoolExecutor

    from callcenter.ports import InProcessEvents
    from integrations import fax_in

    pool = ThreadPoolExecutor(1, thread_name_prefix="fax-intake")

    def file_fax(name, payload, room):
        try:
            fax_in.on_event(container, name, payload, room)
        except Exception:  # noqa: BLE001 - the TIFF stays in the spool for the inbox scan
            log.exception("fax of call %s could not be filed", payload.get("linkedid"))

    if isinstance(container.events, InProcessEvents):
        container.events.subscribe(lambda name, payload, room: (
            pool.submit(file_fax, name, payload, room)
            if name == "call.ended" and payload.get("fax") else None))
    stop = threading.Event()
    inbox = container.settings.fax_inbox
    if inbox:
        def scan():
            while not stop.wait(inbox_every):
                try:
                    fax_in.scan_inbox(container, inbox)
                except Exception:  # noqa: BLE001 - retried on the next pass
                    log.exception("fax inbox scan failed")
        threading.Thread(target=scan, name="fax-inbox", daemon=True).start()

    def stopper():
        stop.set()
        pool.shutdown(wait=True)
    return stopper


def start_retention(container: Container, every: float = 86400.0):
    """Delete recordings past RECORDINGS_RETENTION_DAYS once a day."""
    from callcenter.services import recordings
    stop = threading.Event()

    def run():
        if stop.wait(60):
            return
        while True:
            try:
                recordings.purge(container.settings.recordings_path, recordings.retention_days())
            except (OSError, ValueError) as exc:
                log.warning("recordings retention failed: %s", exc)
            if stop.wait(every):
                return

    thread = threading.Thread(target=run, name="recordings-retention", daemon=True)
    thread.start()
    return stop.set


def _seed(container: Container) -> None:
    from callcenter.demo.seed import seed_demo
    with container.sessions.begin() as session:
        logins = seed_demo(session)
    print("demo log-ins (username / role / password):")
    for username, role, password in logins:
        print(f"  {username:<14} {role:<11} {password}")
