"""stats: summary tables kept current by the store, saved queries, report schedules

Revision ID: 0006_stats
Revises: 0005_public

Also two indexes on base tables: open tickets by region path and deadline (partial), and
calls by start time (the hour recount). Existing tickets and calls are summarised here, so
upgrading a database with data leaves the summaries equal to a recount (docs/stats.md).
"""
from alembic import op
import sqlalchemy as sa
import callcenter.models.base

revision = '0006_stats'
down_revision = '0005_public'
branch_labels = None
depends_on = None

OPEN = "status IN ('open', 'dispatched', 'accepted', 'returned')"


def _path():
    return sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql')


def _counts(*names):
    return [sa.Column(n, sa.Integer(), nullable=False) for n in names]


def upgrade() -> None:
    op.create_table('stats_region_rollups',
    sa.Column('region_path', _path(), nullable=False),
    sa.Column('rollup_path', _path(), nullable=False),
    sa.PrimaryKeyConstraint('region_path', name=op.f('pk_stats_region_rollups'))
    )
    op.create_table('stats_ticket_periods',
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('rollup_path', _path(), nullable=False),
    sa.Column('type', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    *_counts('n', 'responded_on_time', 'accepted', 'accepted_on_time', 'resolved', 'resolved_on_time'),
    sa.Column('handle_seconds', sa.BigInteger(), nullable=False),
    *_counts('rated', 'satisfied', 'escalated'),
    sa.PrimaryKeyConstraint('grain', 'period', 'rollup_path', 'type', 'status',
                            name=op.f('pk_stats_ticket_periods'))
    )
    op.create_table('stats_ticket_dimensions',
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('rollup_path', _path(), nullable=False),
    sa.Column('dim', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('grain', 'period', 'rollup_path', 'dim', 'value',
                            name=op.f('pk_stats_ticket_dimensions'))
    )
    op.create_table('stats_ticket_actions',
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('rollup_path', _path(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('grain', 'period', 'rollup_path', 'action',
                            name=op.f('pk_stats_ticket_actions'))
    )
    op.create_table('stats_call_hours',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hour', sa.SmallInteger(), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=False),
    *_counts('offered', 'answered', 'abandoned', 'abandoned_short', 'ivr_only', 'other',
             'answered_in_sl'),
    sa.Column('wait_answered_seconds', sa.BigInteger(), nullable=False),
    sa.Column('talk_seconds', sa.BigInteger(), nullable=False),
    sa.Column('max_wait_seconds', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'hour', 'queue', name=op.f('pk_stats_call_hours'))
    )
    op.create_table('stats_saved_queries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('shared_roles', sa.JSON(), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_stats_saved_queries_owner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_saved_queries')),
    sa.UniqueConstraint('owner_id', 'name', name='uq_stats_saved_queries_owner_name')
    )
    with op.batch_alter_table('stats_saved_queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_saved_queries_owner_id'), ['owner_id'], unique=False)
    op.create_table('stats_report_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=8), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_period', sa.Date(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_stats_report_schedules_owner_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_stats_report_schedules_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_report_schedules'))
    )
    with op.batch_alter_table('stats_report_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_report_schedules_owner_id'), ['owner_id'], unique=False)
    op.create_index('ix_tickets_open_region_deadline', 'tickets', ['region_path', 'complete_deadline'],
                    unique=False, postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    op.create_index('ix_call_records_started_at', 'call_records', ['started_at'], unique=False)
    _summarise_existing()


def _summarise_existing() -> None:
    # The ticket summaries are recounted by 0013 (the current code's rebuild needs the
    # area paths that migration adds).
    from callcenter.services.stats import call_sql
    call_sql.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_call_records_started_at', table_name='call_records')
    op.drop_index('ix_tickets_open_region_deadline', table_name='tickets')
    with op.batch_alter_table('stats_report_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stats_report_schedules_owner_id'))
    op.drop_table('stats_report_schedules')
    with op.batch_alter_table('stats_saved_queries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stats_saved_queries_owner_id'))
    op.drop_table('stats_saved_queries')
    op.drop_table('stats_call_hours')
    op.drop_table('stats_ticket_actions')
    op.drop_table('stats_ticket_dimensions')
    op.drop_table('stats_ticket_periods')
    op.drop_table('stats_region_rollups')
