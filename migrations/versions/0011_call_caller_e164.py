"""calls: the caller's number in E.164, indexed with the start time (a resident's call history)

Revision ID: 0011_call_caller_e164
Revises: 0010_security
"""
from alembic import op
import sqlalchemy as sa

from callcenter.domain.phones import try_normalize


revision = '0011_call_caller_e164'
down_revision = '0010_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call_records') as batch:
        batch.add_column(sa.Column('caller_e164', sa.String(length=20), nullable=True))
        batch.create_index('ix_call_records_caller_e164_started_at',
                           ['caller_e164', 'started_at'], unique=False)
    _backfill()


def _backfill() -> None:
    """One UPDATE per distinct raw number (on its index), not one per call."""
    conn = op.get_bind()
    calls = sa.table('call_records', sa.column('caller_number', sa.String),
                     sa.column('caller_e164', sa.String))
    raws = conn.execute(sa.select(calls.c.caller_number).where(
        calls.c.caller_number.is_not(None)).distinct()).scalars().all()
    for raw in raws:
        e164 = try_normalize(raw)
        if e164 is not None:
            conn.execute(calls.update().where(calls.c.caller_number == raw).values(caller_e164=e164))


def downgrade() -> None:
    with op.batch_alter_table('call_records') as batch:
        batch.drop_index('ix_call_records_caller_e164_started_at')
        batch.drop_column('caller_e164')
