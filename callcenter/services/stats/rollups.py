"""Region path → the summary paths its tickets count under.

*Rollup path*: the street (街道) ancestor's path, or the region's own above street level —
the street rows (grains d/m). *Area path*: the district (区) ancestor's path, or the
region's own above district level — the narrower area rows (grains D/M) a city or a
district reads, a tenth of the street rows (docs/stats.md).
"""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from callcenter.models import Region
from callcenter.models.regions import LEVELS
from callcenter.models.stats import RegionRollup

ROLLUP_LEVEL = "street"
AREA_LEVEL = "district"


def summary_covers(level: str) -> bool:
    """Summaries answer for a node at or above street level; deeper nodes read base tables."""
    return LEVELS.index(level) <= LEVELS.index(ROLLUP_LEVEL)


def area_covers(level: str, splits: bool) -> bool:
    """The area rows answer for a node at or above district level, unless the caller splits
    the node's tickets by rollup path and the node is the district itself (its children
    are streets, which only the street rows tell apart)."""
    limit = LEVELS.index(AREA_LEVEL) - (1 if splits else 0)
    return LEVELS.index(level) <= limit


def compute_rollup(path: str, levels: dict[int, str], level: str = ROLLUP_LEVEL) -> str:
    """The prefix of `path` ending at its id of `level`, else `path` itself."""
    ids = [p for p in path.strip("/").split("/") if p]
    for i, region_id in enumerate(ids):
        if levels.get(int(region_id)) == level:
            return "/" + "/".join(ids[: i + 1]) + "/"
    return path


def rollup_of(conn: Connection, path: str, cache: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """(rollup path, area path) of a region path: cache, then table, computing and storing
    them the first time."""
    if path in cache:
        return cache[path]
    found = conn.execute(select(RegionRollup.rollup_path, RegionRollup.area_path)
                         .where(RegionRollup.region_path == path)).first()
    if found is None:
        ids = [int(p) for p in path.strip("/").split("/") if p]
        levels = dict(conn.execute(select(Region.id, Region.level).where(Region.id.in_(ids))).all())
        found = (compute_rollup(path, levels), compute_rollup(path, levels, AREA_LEVEL))
        conn.execute(insert(RegionRollup).values(region_path=path, rollup_path=found[0],
                                                 area_path=found[1]))
    cache[path] = (found[0], found[1])
    return cache[path]


def ensure_all(conn: Connection) -> int:
    """Store the paths of every region that has none yet (before a rebuild); return how many."""
    levels = dict(conn.execute(select(Region.id, Region.level)).all())
    known = dict(conn.execute(select(RegionRollup.region_path, RegionRollup.area_path)).all())
    rows = [{"region_path": path, "rollup_path": compute_rollup(path, levels),
             "area_path": compute_rollup(path, levels, AREA_LEVEL)}
            for path in conn.execute(select(Region.path)).scalars() if path not in known]
    if rows:
        conn.execute(insert(RegionRollup), rows)
    for path, area in known.items():
        if not area:
            conn.execute(update(RegionRollup).where(RegionRollup.region_path == path)
                         .values(area_path=compute_rollup(path, levels, AREA_LEVEL)))
    return len(rows)
