"""stats: area rows (grains D/M) — the ticket summaries summed per district

Revision ID: 0013_stats_area_rows
Revises: 0012_stats_region_indexes

Measured at 5 M tickets (docs/stats.md): the whole city for a year summed ~427 k street
rows (365 days × 100 streets × type × status) for its daily trend. The same summaries per
district ancestor ("area path") are a tenth of that; the store keeps them in the same
flush as the street rows. Existing area rows are summed here from the street rows (each
rollup path lies in exactly one area), which takes seconds even at 5 M tickets; a
database whose tickets predate the summaries gets the full recount (0006 left it to here).
"""
from alembic import op
import sqlalchemy as sa

revision = '0013_stats_area_rows'
down_revision = '0012_stats_region_indexes'
branch_labels = None
depends_on = None

TABLES = {
    "stats_ticket_periods": (["type", "status"], ["n", "responded_on_time", "accepted", "accepted_on_time",
                                                  "resolved", "resolved_on_time", "handle_seconds", "rated",
                                                  "satisfied", "escalated"]),
    "stats_ticket_dimensions": (["dim", "value"], ["n"]),
    "stats_ticket_actions": (["action"], ["n"]),
}


def _area(path: str, levels: dict[int, str]) -> str:
    ids = [p for p in path.strip("/").split("/") if p]
    for i, region_id in enumerate(ids):
        if levels.get(int(region_id)) == "district":
            return "/" + "/".join(ids[: i + 1]) + "/"
    return path


def upgrade() -> None:
    with op.batch_alter_table('stats_region_rollups') as batch:
        batch.add_column(sa.Column('area_path', sa.String(255).with_variant(
            sa.String(255, collation="C"), "postgresql"), nullable=True))
    conn = op.get_bind()
    levels = dict(conn.execute(sa.text("SELECT id, level FROM regions")).all())
    paths = conn.execute(sa.text("SELECT region_path FROM stats_region_rollups")).scalars().all()
    if paths:
        conn.execute(sa.text("UPDATE stats_region_rollups SET area_path = :area WHERE region_path = :path"),
                     [{"area": _area(p, levels), "path": p} for p in paths])
    with op.batch_alter_table('stats_region_rollups') as batch:
        batch.alter_column('area_path', nullable=False)
    if conn.execute(sa.text("SELECT count(*) FROM stats_ticket_periods")).scalar() == 0:
        # tickets stored before 0006 (which no longer recounts them): the full recount
        from callcenter.services.stats import rebuild
        rebuild.rebuild(conn, names=("periods", "dimensions", "actions"))  # 0014 makes "open"
        return
    areas = "(SELECT DISTINCT rollup_path, area_path FROM stats_region_rollups)"
    for table, (keys, measures) in TABLES.items():
        cols = ", ".join(keys)
        sums = ", ".join(f"sum(s.{m})" for m in measures)
        for street, area in (("d", "D"), ("m", "M")):
            conn.execute(sa.text(
                f"INSERT INTO {table} (grain, period, rollup_path, {cols}, {', '.join(measures)}) "
                f"SELECT '{area}', s.period, r.area_path, {', '.join('s.' + k for k in keys)}, {sums} "
                f"FROM {table} s JOIN {areas} r ON r.rollup_path = s.rollup_path "
                f"WHERE s.grain = '{street}' "
                f"GROUP BY s.period, r.area_path, {', '.join('s.' + k for k in keys)}"))


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DELETE FROM {table} WHERE grain IN ('D', 'M')")
    with op.batch_alter_table('stats_region_rollups') as batch:
        batch.drop_column('area_path')
