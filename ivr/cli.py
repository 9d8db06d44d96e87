"""`callcenter ivr validate`, `callcenter fastagi`, `callcenter prompts build`."""
from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

import click

from callcenter.config import Settings
from ivr.loader import MENUS_DIR, load_builtin, load_menu
from ivr.model import MenuInvalidError

log = logging.getLogger(__name__)


@click.group("ivr")
def ivr_group() -> None:
    """IVR menus."""


@ivr_group.command("validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False), required=True)
def validate(files: tuple[str, ...]) -> None:
    """Check menu files; print FILE:LINE: reason for every problem."""
    failed = False
    for file in files:
        try:
            menu = load_menu(file)
        except MenuInvalidError as exc:
            failed = True
            for error in exc.errors:
                click.echo(str(error), err=True)
        else:
            click.echo(f"{file}: ok ({len(menu.nodes)} nodes, {len(menu.prompts)} prompts)")
    if failed:
        sys.exit(1)


@click.command("fastagi")
@click.option("--bind", default=None, help="HOST:PORT (default FASTAGI_BIND or 127.0.0.1:4573)")
@click.option("--demo", is_flag=True, help="Use the built-in demo directory, no database.")
def fastagi(bind: str | None, demo: bool) -> None:
    """Serve the hotline and survey menus to Asterisk over FastAGI."""
    from ivr.fastagi import start_server, stop_server
    from ivr.wiring import make_service

    settings = Settings.from_env()
    settings = settings.with_(demo=True) if demo else settings
    bind = bind or settings.fastagi_bind
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    service = make_service(settings)

    async def serve() -> None:
        server, app = await start_server(service, bind)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        click.echo(f"FastAGI listening on {bind} (routes /hotline, /survey)")
        await stop.wait()
        await stop_server(server, app)
        await service.close()  # the lookup processes

    try:
        asyncio.run(serve())
    finally:
        service.executor.shutdown(wait=False, cancel_futures=True)


@click.group("prompts")
def prompts_group() -> None:
    """IVR prompt audio."""


@prompts_group.command("build")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Asterisk sounds folder (default <instance>/sounds).")
@click.option("--recorded", type=click.Path(file_okay=False), default=None,
              help="Recordings that override synthesis: <dir>/<lang>/<menu>/<prompt>.wav")
@click.option("--menu", "menu_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Menu file(s); default: the shipped hotline and survey menus.")
def build(out: str | None, recorded: str | None, menu_files: tuple[str, ...]) -> None:
    """Synthesise every prompt (espeak-ng) into 8 kHz mono 16-bit WAV files."""
    from ivr.prompts import PromptToolError, build_prompts

    settings = Settings.from_env()
    target = Path(out) if out else Path(settings.instance_path) / "sounds"
    menus = [load_menu(f) for f in menu_files] or \
        [load_builtin(p.stem) for p in sorted(MENUS_DIR.glob("*.yaml"))]
    try:
        report = build_prompts(menus, target, Path(recorded) if recorded else None)
    except PromptToolError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{target}: {len(report.synthesised)} synthesised, {len(report.recorded)} "
               f"from recordings, {len(report.unchanged)} unchanged")
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if report.errors:
        sys.exit(1)


commands: list[click.Command] = [ivr_group, fastagi, prompts_group]
