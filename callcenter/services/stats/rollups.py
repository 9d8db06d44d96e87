"""Region path → rollup path: the street (街道) ancestor's path, or the region's own above it."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from callcenter.models import Region
from callcenter.models.regions import LEVELS
from callcenter.models.stats import RegionRollup

ROLLUP_LEVEL = "street"


def summary_covers(level: str) -> bool:
    """Summaries answer for a node at or above street level; deeper nodes read base tables."""
    return LEVELS.index(level) <= LEVELS.index(ROLLUP_LEVEL)


def compute_rollup(path: str, levels: dict[int, str]) -> str:
    """The prefix of `path` ending at its street-level id, else `path` itself."""
    ids = [p for p in path.strip("/").split("/") if p]
    for i, region_id in enumerate(ids):
        if levels.get(int(region_id)) == ROLLUP_LEVEL:
            return "/" + "/".join(ids[: i + 1]) + "/"
    return path


def rollup_of(conn: Connection, path: str, cache: dict[str, str]) -> str:
    """Look the rollup up (cache, then table), computing and storing it the first time."""
    if path in cache:
        return cache[path]
    found = conn.execute(select(RegionRollup.rollup_path)
                         .where(RegionRollup.region_path == path)).scalar()
    if found is None:
        ids = [int(p) for p in path.strip("/").split("/") if p]
        levels = dict(conn.execute(select(Region.id, Region.level).where(Region.id.in_(ids))).all())
        found = compute_rollup(path, levels)
        conn.execute(insert(RegionRollup).values(region_path=path, rollup_path=found))
    cache[path] = found
    return found


def ensure_all(conn: Connection) -> int:
    """Store the rollup of every region that has none yet (before a rebuild); return how many."""
    levels = dict(conn.execute(select(Region.id, Region.level)).all())
    known = set(conn.execute(select(RegionRollup.region_path)).scalars())
    rows = [{"region_path": path, "rollup_path": compute_rollup(path, levels)}
            for path in conn.execute(select(Region.path)).scalars() if path not in known]
    if rows:
        conn.execute(insert(RegionRollup), rows)
    return len(rows)
