"""Region-tree queries: subtree filters and ancestry, all on the materialized path."""
from __future__ import annotations

from sqlalchemy import and_
from sqlalchemy.orm import Session

from callcenter.models import Region


def subtree_clause(column, path: str):
    """`column` lies under `path`: a range scan ('/1/4/' ≤ p < '/1/40'), index-friendly on both DBs."""
    upper = path[:-1] + chr(ord(path[-1]) + 1)
    return and_(column >= path, column < upper)


def add_region(session: Session, code: str, name: str, level: str, parent: Region | None) -> Region:
    region = Region(code=code, name=name, level=level, parent=parent, path="")
    session.add(region)
    session.flush()
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    return region


def ancestors(session: Session, region: Region) -> list[Region]:
    ids = [int(p) for p in region.path.strip("/").split("/") if p]
    by_id = {r.id: r for r in session.query(Region).filter(Region.id.in_(ids))}
    return [by_id[i] for i in ids if i in by_id]
