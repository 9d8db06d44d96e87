"""Commands for the records: `callcenter residents import|export|template`, `catalog search`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from sqlalchemy import select

from callcenter.bootstrap import build_for_command
from callcenter.config import Settings
from callcenter.domain.tickets import Actor, TicketError
from callcenter.models import Region

# The command line is an operator's tool: it acts as an administrator at the tree's root
# (or at --region), and the audit log records the role "cli".
CLI_ROLE = "admin"


def _container():
    return build_for_command(Settings.from_env())


def _actor(container, region_code: str | None) -> Actor:
    with container.sessions() as s:
        stmt = select(Region).where(Region.code == region_code) if region_code else \
            select(Region).where(Region.parent_id.is_(None)).order_by(Region.id)
        region = s.scalars(stmt).first()
    if region is None:
        raise click.ClickException(f"no region {region_code or '(the tree is empty)'}")
    return Actor(user_id=None, role=CLI_ROLE, region_path=region.path)


@click.group()
def residents() -> None:
    """Resident records (社区居民信息)."""


@residents.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--region", "region_code", default=None, help="Only accept grids under this region.")
def import_cmd(file: Path, dry_run: bool, as_json: bool, region_code: str | None) -> None:
    """Import residents from CSV (UTF-8/GB18030) or XLSX; exit 1 if any row is rejected."""
    from callcenter.services.resident_files import FileFormatError
    from callcenter.services.resident_import import import_residents
    container = _container()
    actor = _actor(container, region_code)
    progress = None if as_json else _progress
    try:
        report = import_residents(container.sessions, actor, file.read_bytes(), file.name,
                                  dry_run=dry_run, progress=progress)
    except FileFormatError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({k: v for k, v in report.as_dict().items()
                               if k in ("imported", "unchanged", "rejected")},
                              ensure_ascii=False))
    else:
        _print_report(report)
    container.close()
    sys.exit(1 if report.rejected else 0)


def _progress(done: int, total: int) -> None:
    click.echo(f"\r{done}/{total} 行", nl=False, err=True)
    if done >= total:
        click.echo("", err=True)


def _print_report(report) -> None:
    mode = "（预览，未写入）" if report.dry_run else ""
    click.echo(f"{report.filename}{mode}: 共 {report.rows} 行，新增 {report.created}，"
               f"更新 {report.updated}，未变 {report.unchanged}，拒绝 {len(report.rejected)}")
    for e in report.rejected:
        click.echo(f"  第 {e.row} 行  {e.field}: {e.reason}")
    if report.import_id:
        click.echo(f"导入批次 #{report.import_id}（可用 `callcenter residents undo "
                   f"{report.import_id}` 撤销）")


@residents.command("undo")
@click.argument("import_id", type=int)
def undo_cmd(import_id: int) -> None:
    """Undo an import: delete the residents it created, restore those it updated."""
    from callcenter.services.resident_import import undo_import
    container = _container()
    actor = _actor(container, None)
    try:
        with container.sessions.begin() as s:
            counts = undo_import(s, actor, import_id)
    except TicketError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"已撤销导入 #{import_id}: 删除 {counts['deleted']}，恢复 {counts['restored']}，"
               f"保留 {counts['kept']}")


@residents.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--region", "region_code", default=None, help="Only residents under this region.")
def export_cmd(output: Path, region_code: str | None) -> None:
    """Export residents (CSV or XLSX by the file's extension) in the import format."""
    from callcenter.services.resident_export import export_residents
    container = _container()
    actor = _actor(container, region_code)
    fmt = "xlsx" if output.suffix.lower() == ".xlsx" else "csv"
    with container.sessions.begin() as s:
        output.write_bytes(export_residents(s, actor, fmt))
    click.echo(f"wrote {output}")


@residents.command("template")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("居民导入模板.xlsx"), show_default=True)
def template_cmd(output: Path) -> None:
    """Write an empty import template (XLSX or CSV by the file's extension)."""
    from callcenter.services.resident_files import write_rows
    output.write_bytes(write_rows([], "xlsx" if output.suffix.lower() == ".xlsx" else "csv"))
    click.echo(f"wrote {output}")


@click.group()
def catalog() -> None:
    """The service catalog (服务指南)."""


@catalog.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def search_cmd(query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Search the catalog the way an agent does: `低保`, `dibao`, `老人 助餐`."""
    from callcenter.services.catalog import search_catalog
    container = _container()
    with container.sessions() as s:
        hits = search_catalog(s, " ".join(query), limit)
    if as_json:
        click.echo(json.dumps([h.__dict__ for h in hits], ensure_ascii=False))
    for h in [] if as_json else hits:
        click.echo(f"{h.code:<10} {h.name}（{h.category}） {h.score}")
    container.close()


commands: list[click.Command] = [residents, catalog]
