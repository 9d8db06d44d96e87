"""Statistics commands: bench data, summary rebuild and audit, scheduled reports."""
from __future__ import annotations

import time

import click

from callcenter import migrate
from callcenter.bootstrap import build_for_command
from callcenter.config import Settings
from callcenter.models.base import utcnow


@click.command("seed-bench")
@click.option("--tickets", default=100_000, show_default=True, type=click.IntRange(0))
@click.option("--calls", default=200_000, show_default=True, type=click.IntRange(0))
@click.option("--days", default=730, show_default=True, type=click.IntRange(1, 3650))
@click.option("--seed", default=12345, show_default=True, help="Also names the regions: vary it to load twice.")
def seed_bench(tickets: int, calls: int, days: int, seed: int) -> None:
    """Load a large synthetic data set (COPY on PostgreSQL) and rebuild the summaries."""
    from callcenter.services.stats.bench_seed import Shape, seed as load
    settings = Settings.from_env()
    migrate.upgrade(settings.database_url)
    container = build_for_command(settings)
    started = time.perf_counter()
    result = load(container.engine, Shape(tickets=tickets, calls=calls, days=days, seed=seed),
                  utcnow(), progress=lambda m: click.echo(m, err=True))
    container.close()
    click.echo(f"loaded {tickets} tickets, {result['events']} timeline entries, {calls} calls "
               f"under region {result['tree']['city']} in {time.perf_counter() - started:.1f}s; "
               f"summary rows: {result['summary_rows']}")


@click.command("stats-rebuild")
def stats_rebuild() -> None:
    """Recount every summary table from the base tables (after a bulk load or a repair)."""
    from callcenter.services.stats import call_sql, rebuild
    container = build_for_command(Settings.from_env())
    with container.engine.begin() as conn:
        written = rebuild.rebuild(conn)
        written["calls"] = call_sql.rebuild(conn)
    container.close()
    click.echo(f"summary rows written: {written}")


@click.command("stats-check")
def stats_check() -> None:
    """Compare the ticket summaries with a recount; exit 1 and list rows that differ."""
    from callcenter.services.stats import rebuild
    container = build_for_command(Settings.from_env())
    with container.engine.connect() as conn:
        diffs = rebuild.differences(conn)
    container.close()
    for key, want, have in diffs[:50]:
        click.echo(f"{key}: recount {want} stored {have}")
    if diffs:
        raise click.ClickException(f"{len(diffs)} summary rows differ from the recount")
    click.echo("summaries equal the recount")


@click.command("send-reports")
def send_reports() -> None:
    """Mail every scheduled report whose last complete period has not been sent (SMTP_*)."""
    from callcenter.services.stats.mailer import SmtpReportMailer
    from callcenter.services.stats.reports import run_due
    try:
        mailer = SmtpReportMailer.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    container = build_for_command(Settings.from_env())
    counts = run_due(container.sessions, mailer, utcnow())
    container.close()
    click.echo(f"reports: {counts}")


commands: list[click.Command] = [seed_bench, stats_rebuild, stats_check, send_reports]
