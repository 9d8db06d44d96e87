"""`callcenter ami-bridge`, `callcenter ami-replay`, `callcenter pbx-sim`."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys

import click

from integrations.ami.replay import TraceError, replay_file

log = logging.getLogger(__name__)


def _wrapup(values: tuple[str, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in values:
        queue, sep, seconds = item.partition("=")
        if not sep or not seconds.isdigit():
            raise click.BadParameter(f"expected QUEUE=SECONDS, got {item!r}", param_hint="--wrapup")
        out[queue] = int(seconds)
    return out


def _secs(value) -> str:
    return "-" if value is None else f"{value}s"


def _table(records: list[dict]) -> str:
    lines = []
    for r in records:
        lines.append(
            f"{r['linkedid']}  {r['disposition']:<9} {r['caller_number'] or '-':<14} "
            f"{r['caller_name'] or '-':<8} 队列={r['queue'] or '-'} "
            f"振铃={','.join(r['agents_rung']) or '-'} "
            f"接听={r['answered_by'] or '-'} 等待={_secs(r['wait_seconds'])} "
            f"通话={_secs(r['talk_seconds'])} "
            f"挂机={r['hangup_by']}"
        )
    return "\n".join(lines) or "(no calls)"


@click.command("ami-replay")
@click.argument("trace", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per call.")
@click.option("--wrapup", multiple=True, help="Wrap-up seconds per queue, e.g. --wrapup hotline=15")
@click.option("--agents", is_flag=True, help="Also print the agents' state timeline.")
def ami_replay(trace: str, as_json: bool, wrapup: tuple[str, ...], agents: bool) -> None:
    """Fold a recorded AMI trace (raw .ami.txt or JSON array of events) into call records."""
    try:
        result = replay_file(trace, wrapup_seconds=_wrapup(wrapup))
    except TraceError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        payload = (
            result.records
            if not agents
            else {"calls": result.records, "agent_timeline": result.agent_timeline}
        )
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        click.echo(_table(result.records))
        if agents:
            for c in result.agent_timeline:
                click.echo(
                    f"{c['at']}  {c['agent']}  {c['state']}  {c['reason'] or ''}  ({c['source']})"
                )
    if result.in_progress:
        click.echo(
            f"{len(result.in_progress)} call(s) still in progress at the end of the trace", err=True
        )
    if result.odd:
        click.echo(f"odd frames: {result.odd}", err=True)


@click.command("ami-bridge")
@click.option("--wrapup", multiple=True, help="Wrap-up seconds per queue (match queues.conf).")
def ami_bridge(wrapup: tuple[str, ...]) -> None:
    """Follow the PBX at AMI_URL: fold calls, track agents, publish events, store records."""
    from callcenter.bootstrap import build
    from callcenter.config import Settings
    from callcenter.services.calls import make_call_stores
    from integrations.ami.bridge import AMIBridge
    from integrations.ami.client import parse_ami_url

    settings = Settings.from_env()
    if not settings.ami_url:
        raise click.ClickException(
            "AMI_URL is not set, e.g. AMI_URL=ami://callcenter:SECRET@127.0.0.1:5038"
        )
    from callcenter.config import ConfigError
    from integrations.push import hand_over_quickly
    try:
        hand_over_quickly()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    container = build(settings, events=_bridge_events(settings))
    from integrations.ami.bridge_process import node_file, node_name, run_bridge
    node = node_name(os.environ.get("AMI_NODE"))
    from integrations.intake_jobs import wire_bridge  # faxes, voicemails, call-backs, surveys
    stop_intake = wire_bridge(container, node_file(settings, node, "intake-held"))
    store_calls, store_agents = make_call_stores(container.sessions)
    bridge = AMIBridge(
        parse_ami_url(settings.ami_url),
        container.events,
        store_calls=store_calls,
        store_agents=store_agents,
        wrapup=_wrapup(wrapup),
        spill_path=node_file(settings, node, "ami-spill"),
    )
    from integrations.ami.remote_control import parse_extensions
    try:
        extensions = parse_extensions(os.environ.get("AMI_NODE_EXTENSIONS"))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    main = run_bridge(bridge, settings.redis_url, node,  # + heartbeat, commands
                      extensions=extensions)
    from integrations.push import freeze_startup_heap
    freeze_startup_heap()  # start-up's objects leave the collector's scans: no long pauses
    try:
        asyncio.run(_run_until_signal(main, bridge.stop))
    finally:
        stop_intake()
        close = getattr(container.events, "close", None)
        if close is not None:
            close()  # send what the outbox still holds before the process ends
        container.close()


@click.command("ami-spill-replay")
@click.argument("spill", type=click.Path(dir_okay=False))
def ami_spill_replay(spill: str) -> None:
    """Store a bridge's spill file into DATABASE_URL: each call once (by linkedid); lines
    that are not records go to SPILL.rejected. The bridge does this itself at start-up and
    once the database is back: this is for a file a retired node left behind."""
    from callcenter.bootstrap import build
    from callcenter.config import Settings
    from callcenter.services.calls import make_call_stores
    from integrations.ami.spill import pending, replay_spill

    if not pending(spill):
        raise click.ClickException(f"no spill file at {spill}")
    container = build(Settings.from_env())
    try:
        store_calls, store_agents = make_call_stores(container.sessions)
        done = replay_spill(spill, {"calls": store_calls, "agents": store_agents})
    finally:
        container.close()
    click.echo(f"stored: {done.stored.get('calls', 0)} call records, "
               f"{done.stored.get('agents', 0)} agent changes; rejected lines: {done.rejected}")
    if done.rejected:
        click.echo(f"see {spill}.rejected", err=True)


def _bridge_events(settings):
    """With REDIS_URL, events reach every web worker's consoles through Redis; without it
    they stay in this process (a console gets them from `callcenter serve`'s own bridge)."""
    if not settings.redis_url:
        log.warning("REDIS_URL is not set: no console will see this bridge's events")
        return None
    from callcenter.services.queue_directory import QueueConfigError
    from integrations.push import bridge_publisher
    try:
        return bridge_publisher(settings.redis_url)
    except QueueConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("pbx-sim")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5038, show_default=True, type=int)
@click.option("--username", default="callcenter", show_default=True)
@click.option("--secret", envvar="PBX_SIM_SECRET", default="sim-secret", show_default=True)
@click.option("--rate", default=0.1, show_default=True, help="New calls per second (0 = none).")
@click.option("--speed", default=1.0, show_default=True, help="Virtual seconds per real second.")
@click.option(
    "--replay", "trace", type=click.Path(exists=True, dir_okay=False), help="Play a recorded trace."
)
def pbx_sim(
    host: str, port: int, username: str, secret: str, rate: float, speed: float, trace: str | None
) -> None:
    """Run the PBX simulator standalone: an AMI server with simulated calls."""
    from integrations.ami.simulator import PBXSimulator

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    sim = PBXSimulator(username=username, secret=secret, host=host, port=port, speed=speed)

    async def main() -> None:
        await sim.start()
        click.echo(f"PBX simulator: AMI_URL=ami://{username}:***@{host}:{sim.port}")
        if trace:
            sim.replay(trace)
        if rate > 0:
            sim.run_mix(rate)
        await asyncio.Event().wait()

    asyncio.run(_run_until_signal(main(), sim.stop))


async def _run_until_signal(main, stop) -> None:
    task = asyncio.ensure_future(main)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(_stop(task, stop)))
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-main thread / Windows
            pass
    try:
        await task
    except asyncio.CancelledError:
        pass
    sys.stdout.flush()


async def _stop(task, stop) -> None:
    await stop()
    task.cancel()


commands = [ami_replay, ami_bridge, ami_spill_replay, pbx_sim]
