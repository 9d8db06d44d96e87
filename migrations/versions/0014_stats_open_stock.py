"""stats: open-stock rows — open tickets now per received day × path × deadline days × escalated

Revision ID: 0014_stats_open_stock
Revises: 0013_stats_area_rows

Measured at 5 M tickets (docs/stats.md): "open / overdue / escalated now" for the whole city
read every open ticket in the city through the covering partial index (65–80 ms of a 198 ms
dashboard). The store now keeps open tickets counted per local day received × street (d) or
district (D) path × the local day of each deadline that can make them overdue × escalated,
in the same flush as the other summaries. A deadline on a day before today is overdue, one
after today is not; the open tickets whose deadline falls today are counted from the
tickets through the two deadline indexes made here, so the figure is exact at any instant.
The rows are filled here by the same recount `callcenter stats-rebuild` runs.
"""
from alembic import op
import sqlalchemy as sa

revision = '0014_stats_open_stock'
down_revision = '0013_stats_area_rows'
branch_labels = None
depends_on = None

OPEN = "status IN ('open', 'dispatched', 'accepted', 'returned')"
DISPATCHED = "status = 'dispatched'"
PATH = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        'stats_ticket_open_stock',
        sa.Column('grain', sa.String(1), nullable=False),
        sa.Column('period', sa.Date(), nullable=False),
        sa.Column('rollup_path', PATH, nullable=False),
        sa.Column('accept_day', sa.Date(), nullable=False),
        sa.Column('complete_day', sa.Date(), nullable=False),
        sa.Column('escalated', sa.SmallInteger(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('grain', 'period', 'rollup_path', 'accept_day', 'complete_day',
                                'escalated', name=op.f('pk_stats_ticket_open_stock')))
    op.create_index('ix_tickets_open_complete_deadline', 'tickets', ['complete_deadline'], unique=False,
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    op.create_index('ix_tickets_dispatched_accept_deadline', 'tickets', ['accept_deadline'], unique=False,
                    postgresql_where=sa.text(DISPATCHED), sqlite_where=sa.text(DISPATCHED))
    from callcenter.services.stats import rebuild, rollups
    conn = op.get_bind()
    rollups.ensure_all(conn)
    for stmt in rebuild.recount_selects()["open"]:
        cols = [c.name for c in stmt.selected_columns]
        conn.execute(sa.insert(sa.table('stats_ticket_open_stock', *map(sa.column, cols)))
                     .from_select(cols, stmt))


def downgrade() -> None:
    op.drop_index('ix_tickets_dispatched_accept_deadline', table_name='tickets')
    op.drop_index('ix_tickets_open_complete_deadline', table_name='tickets')
    op.drop_table('stats_ticket_open_stock')
