"""stats: region-first indexes on the summaries, open-ticket index covering the stock figures

Revision ID: 0012_stats_region_indexes
Revises: 0011_call_caller_e164

Measured at 5 M tickets (docs/stats.md): a district's 30-day rows lie scattered through the
period-first primary keys (every street's and every dimension's rows of each day); with
the rollup path before the period a district reads only its streets' ranges. The open
tickets' index carries the columns the stock figures test, so PostgreSQL answers them
from the index alone (INCLUDE; SQLite keeps the plain partial index).
"""
from alembic import op
import sqlalchemy as sa

revision = '0012_stats_region_indexes'
down_revision = '0011_call_caller_e164'
branch_labels = None
depends_on = None

OPEN = "status IN ('open', 'dispatched', 'accepted', 'returned')"


def upgrade() -> None:
    op.create_index('ix_stats_ticket_periods_region', 'stats_ticket_periods',
                    ['grain', 'rollup_path', 'period', 'type', 'status'], unique=False)
    op.create_index('ix_stats_ticket_dimensions_region', 'stats_ticket_dimensions',
                    ['grain', 'dim', 'rollup_path', 'period', 'value'], unique=False)
    op.drop_index('ix_tickets_open_region_deadline', table_name='tickets')
    op.create_index('ix_tickets_open_region_deadline', 'tickets', ['region_path', 'complete_deadline'],
                    unique=False, postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN),
                    postgresql_include=['status', 'accept_deadline', 'escalation_level', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_tickets_open_region_deadline', table_name='tickets')
    op.create_index('ix_tickets_open_region_deadline', 'tickets', ['region_path', 'complete_deadline'],
                    unique=False, postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    op.drop_index('ix_stats_ticket_dimensions_region', table_name='stats_ticket_dimensions')
    op.drop_index('ix_stats_ticket_periods_region', table_name='stats_ticket_periods')
