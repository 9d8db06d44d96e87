"""Commands for the public channels: Open311 keys, and the fax inbox (FAX_INBOX)."""
from __future__ import annotations

from pathlib import Path

import click

from callcenter.bootstrap import build_for_command
from callcenter.config import Settings


@click.group("open311-key")
def open311_key() -> None:
    """Open311 API keys for third-party apps."""


@open311_key.command("issue")
@click.argument("name")
@click.option("--contact", default="")
@click.option("--rate-limit", default="60/hour", show_default=True)
def issue(name: str, contact: str, rate_limit: str) -> None:
    """Issue a key for client NAME; the key is printed once and stored only as a hash."""
    from callcenter.domain.tickets import ValidationError
    from callcenter.services.open311_keys import issue_key
    container = build_for_command(Settings.from_env())
    try:
        with container.sessions.begin() as s:
            client, key = issue_key(s, None, name, contact=contact, rate_limit=rate_limit)
            click.echo(f"client {client.id} ({client.name}), limit {client.rate_limit}")
    except ValidationError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(key)


@open311_key.command("revoke")
@click.argument("client_id", type=int)
def revoke(client_id: int) -> None:
    """Revoke a client's key at once."""
    from callcenter.domain.tickets import NotFoundError
    from callcenter.services.open311_keys import revoke_key
    container = build_for_command(Settings.from_env())
    try:
        with container.sessions.begin() as s:
            revoke_key(s, None, client_id)
    except NotFoundError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"revoked client {client_id}")


@open311_key.command("list")
def list_keys() -> None:
    from callcenter.services.open311_keys import list_clients
    container = build_for_command(Settings.from_env())
    with container.sessions() as s:
        for c in list_clients(s):
            state = "revoked" if c.revoked_at else "active"
            click.echo(f"{c.id}\t{c.key_prefix}…\t{state}\t{c.rate_limit}\t{c.name}")


@click.command("fax-inbox")
@click.option("--once", is_flag=True, help="Scan once and exit (cron); default: keep watching.")
@click.option("--interval", default=5.0, show_default=True)
def fax_inbox(once: bool, interval: float) -> None:
    """File faxes a fax server (e.g. HylaFAX) drops into FAX_INBOX as tickets."""
    from integrations import fax_in
    settings = Settings.from_env()
    if not settings.fax_inbox:
        raise click.ClickException("set FAX_INBOX to the folder the fax server writes to")
    container = build_for_command(settings)
    Path(settings.fax_inbox).mkdir(parents=True, exist_ok=True)
    if once:
        click.echo(f"filed {len(fax_in.scan_inbox(container, settings.fax_inbox))} faxes")
        return
    fax_in.watch_inbox(container, settings.fax_inbox, interval)


commands: list[click.Command] = [open311_key, fax_inbox]
