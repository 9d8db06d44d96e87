"""Operations commands: `callcenter backup` and `callcenter restore`."""
from __future__ import annotations

from pathlib import Path

import click

from callcenter.config import Settings


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--include-recordings", is_flag=True,
              help="Also copy call recordings kept under the instance folder (large).")
def backup_cmd(folder: Path, include_recordings: bool) -> None:
    """Back up the database and the attachment store into FOLDER (new or empty)."""
    from callcenter.ops.backup import backup
    from callcenter.ops.database_copy import BackupError
    try:
        report = backup(Settings.from_env(), folder, include_recordings=include_recordings)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    sizes = ", ".join(f"{name} {info['bytes']} bytes" for name, info in report.files.items())
    click.echo(f"backup of {report.dialect} at schema {report.revision} in {folder}: {sizes}")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already has tables.")
def restore_cmd(folder: Path, force: bool) -> None:
    """Restore a backup made by `callcenter backup`, then migrate to the current schema."""
    from callcenter.ops.backup import restore
    from callcenter.ops.database_copy import BackupError
    try:
        report = restore(Settings.from_env(), folder, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {report.dialect} backup (schema {report.revision}) from {folder}")


commands: list[click.Command] = [backup_cmd, restore_cmd]
