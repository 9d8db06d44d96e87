"""calls: call records folded by the AMI bridge, agent state changes and sessions

Revision ID: 0002_calls
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa
import callcenter.models.base


revision = '0002_calls'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agent_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('extension', sa.String(length=16), nullable=False),
    sa.Column('started_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('ended_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_sessions'))
    )
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_agent_sessions_extension_started_at', ['extension', 'started_at'], unique=False)

    op.create_table('agent_state_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('extension', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('queues', sa.JSON(), nullable=False),
    sa.Column('at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_state_changes'))
    )
    with op.batch_alter_table('agent_state_changes', schema=None) as batch_op:
        batch_op.create_index('ix_agent_state_changes_extension_at', ['extension', 'at'], unique=False)

    op.create_table('call_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('linkedid', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('caller_number', sa.String(length=32), nullable=True),
    sa.Column('caller_name', sa.String(length=100), nullable=True),
    sa.Column('dialled', sa.String(length=32), nullable=True),
    sa.Column('queue', sa.String(length=64), nullable=True),
    sa.Column('ivr_vars', sa.JSON(), nullable=False),
    sa.Column('resident_id', sa.String(length=40), nullable=True),
    sa.Column('agents_rung', sa.JSON(), nullable=False),
    sa.Column('answered_by', sa.String(length=32), nullable=True),
    sa.Column('disposition', sa.String(length=16), nullable=False),
    sa.Column('wait_seconds', sa.Integer(), nullable=True),
    sa.Column('talk_seconds', sa.Integer(), nullable=True),
    sa.Column('hangup_by', sa.String(length=8), nullable=True),
    sa.Column('hangup_cause', sa.String(length=8), nullable=True),
    sa.Column('fax', sa.JSON(), nullable=True),
    sa.Column('transfers', sa.JSON(), nullable=False),
    sa.Column('started_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('queued_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('answered_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('ended_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('resynced', sa.Boolean(), nullable=False),
    sa.Column('adopted', sa.Boolean(), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_records')),
    sa.UniqueConstraint('linkedid', name=op.f('uq_call_records_linkedid'))
    )
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_records_answered_by'), ['answered_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_records_caller_number'), ['caller_number'], unique=False)
        batch_op.create_index('ix_call_records_disposition_started_at', ['disposition', 'started_at'], unique=False)
        batch_op.create_index('ix_call_records_queue_started_at', ['queue', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_records_resident_id'), ['resident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_records_resident_id'))
        batch_op.drop_index('ix_call_records_queue_started_at')
        batch_op.drop_index('ix_call_records_disposition_started_at')
        batch_op.drop_index(batch_op.f('ix_call_records_caller_number'))
        batch_op.drop_index(batch_op.f('ix_call_records_answered_by'))

    op.drop_table('call_records')
    with op.batch_alter_table('agent_state_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_agent_state_changes_extension_at')

    op.drop_table('agent_state_changes')
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_agent_sessions_extension_started_at')

    op.drop_table('agent_sessions')
