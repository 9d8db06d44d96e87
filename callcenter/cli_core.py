"""Core commands: serve, db, users, tokens, demo data."""
from __future__ import annotations



import click
from sqlalchemy import select

from callcenter import migrate
from callcenter.bootstrap import build_for_command
from callcenter.config import ConfigError, Settings


def _settings(**overrides) -> Settings:
    return Settings.from_env(**overrides)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Seed demo data and simulate calls (embedded mode).")
def serve(host: str, port: int, demo: bool) -> None:
    """Run the web app (and, in demo mode, the simulated telephony)."""
    from callcenter.serving import run_server
    settings = _settings(demo=demo) if demo else _settings()
    from integrations.push import hand_over_quickly
    try:
        settings.effective_secret_key()
        hand_over_quickly()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    run_server(settings, host=host, port=port)


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema (Alembic migrations)."""
    settings = _settings()
    migrate.upgrade(settings.database_url, revision)
    click.echo(f"schema at {revision}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["agent", "supervisor", "merchant", "department", "admin"]))
@click.option("--region", "region_code", required=True, help="Region code the user is scoped to.")
@click.option("--name", "display_name", default=None)
@click.option("--extension", default=None)
@click.password_option()
def create_user_cmd(username, role, region_code, display_name, extension, password) -> None:
    """Create a staff or partner account."""
    from callcenter.models import Region
    from callcenter.services.accounts import AccountError, create_user
    container = build_for_command(_settings())
    with container.sessions.begin() as session:
        region = session.scalars(select(Region).where(Region.code == region_code)).first()
        if region is None:
            raise click.ClickException(f"no region with code {region_code}")
        try:
            create_user(session, username=username, password=password, role=role, region=region,
                        display_name=display_name, extension=extension)
        except AccountError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"created {role} {username}")


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
def create_token(username: str, name: str) -> None:
    """Print a new API token for `Authorization: Bearer …` (shown once)."""
    from callcenter.models import User
    from callcenter.services.accounts import issue_token
    container = build_for_command(_settings())
    with container.sessions.begin() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise click.ClickException(f"no user {username}")
        click.echo(issue_token(session, user, name))


@click.command("seed-demo")
@click.option("--tickets", default=500, show_default=True)
def seed_demo_cmd(tickets: int) -> None:
    """Load the demo data set (idempotent) and print the demo log-ins."""
    from callcenter.demo.seed import seed_demo
    settings = _settings()
    migrate.upgrade(settings.database_url)
    container = build_for_command(settings)
    with container.sessions.begin() as session:
        logins = seed_demo(session, tickets=tickets)
    click.echo("demo log-ins (username / role / password):")
    for username, role, password in logins:
        click.echo(f"  {username:<14} {role:<11} {password}")


commands: list[click.Command] = [serve, db, create_user_cmd, create_token, seed_demo_cmd]


