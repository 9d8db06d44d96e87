"""Local-time SQL functions compiled per dialect, so figures are computed inside the database.

Timestamps are stored as UTC without zone. PostgreSQL converts with its zone database;
SQLite adds eight hours, which is exact for Asia/Shanghai (no daylight saving since 1991).
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Date, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

TZ = "Asia/Shanghai"


class local_day(FunctionElement):
    """The Asia/Shanghai calendar date of a UTC timestamp."""

    type = Date()
    inherit_cache = True
    name = "local_day"


class local_month(FunctionElement):
    """The first day of the Asia/Shanghai month of a UTC timestamp."""

    type = Date()
    inherit_cache = True
    name = "local_month"


class local_hour(FunctionElement):
    type = Integer()
    inherit_cache = True
    name = "local_hour"


class local_weekday(FunctionElement):
    """0 = Monday … 6 = Sunday, as Python's date.weekday()."""

    type = Integer()
    inherit_cache = True
    name = "local_weekday"


class epoch_seconds(FunctionElement):
    """Whole seconds since 1970 (truncated), as contributions.epoch()."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


def _arg(compiler, element, **kw) -> str:
    return compiler.process(list(element.clauses)[0], **kw)


def _pg_local(compiler, element, **kw) -> str:
    return f"(({_arg(compiler, element, **kw)} AT TIME ZONE 'UTC') AT TIME ZONE '{TZ}')"


@compiles(local_day, "postgresql")
def _pg_day(element, compiler, **kw):
    return f"CAST({_pg_local(compiler, element, **kw)} AS DATE)"


@compiles(local_month, "postgresql")
def _pg_month(element, compiler, **kw):
    return f"CAST(date_trunc('month', {_pg_local(compiler, element, **kw)}) AS DATE)"


@compiles(local_hour, "postgresql")
def _pg_hour(element, compiler, **kw):
    return f"CAST(EXTRACT(HOUR FROM {_pg_local(compiler, element, **kw)}) AS INTEGER)"


@compiles(local_weekday, "postgresql")
def _pg_weekday(element, compiler, **kw):
    return f"(CAST(EXTRACT(ISODOW FROM {_pg_local(compiler, element, **kw)}) AS INTEGER) - 1)"


@compiles(epoch_seconds, "postgresql")
def _pg_epoch(element, compiler, **kw):
    return f"CAST(floor(EXTRACT(EPOCH FROM {_arg(compiler, element, **kw)})) AS BIGINT)"


@compiles(local_day, "sqlite")
def _lite_day(element, compiler, **kw):
    return f"date({_arg(compiler, element, **kw)}, '+8 hours')"


@compiles(local_month, "sqlite")
def _lite_month(element, compiler, **kw):
    return f"date({_arg(compiler, element, **kw)}, '+8 hours', 'start of month')"


@compiles(local_hour, "sqlite")
def _lite_hour(element, compiler, **kw):
    return f"CAST(strftime('%H', {_arg(compiler, element, **kw)}, '+8 hours') AS INTEGER)"


@compiles(local_weekday, "sqlite")
def _lite_weekday(element, compiler, **kw):
    # strftime %w counts from Sunday = 0; shift to Monday = 0.
    return f"((CAST(strftime('%w', {_arg(compiler, element, **kw)}, '+8 hours') AS INTEGER) + 6) % 7)"


@compiles(epoch_seconds, "sqlite")
def _lite_epoch(element, compiler, **kw):
    return f"CAST(strftime('%s', {_arg(compiler, element, **kw)}) AS INTEGER)"
