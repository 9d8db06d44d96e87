"""dispatch: dispatches, deliveries, outbox, notification templates, extension requests, revisits

Revision ID: 0004_dispatch
Revises: 0003_records
"""
from alembic import op
import sqlalchemy as sa
import callcenter.models.base


revision = '0004_dispatch'
down_revision = '0003_records'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_notification_templates_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_templates')),
    sa.UniqueConstraint('key', 'language', name='uq_notification_templates_key_lang')
    )

    op.create_table('dispatches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sa.String(length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('auto', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('closed_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('return_basis', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_dispatches_created_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_dispatches_department_id_departments')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_dispatches_provider_id_providers')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_dispatches_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatches'))
    )

    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatches_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatches_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('revisits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_revisits_department_id_departments')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_revisits_provider_id_providers')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_revisits_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_revisits_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisits'))
    )

    with op.batch_alter_table('revisits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisits_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisits_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('recipient', sa.JSON(), nullable=False),
    sa.Column('target_kind', sa.String(length=12), nullable=True),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('lease_until', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('next_attempt_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('sent_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('provider_ref', sa.String(length=80), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'], name=op.f('fk_deliveries_dispatch_id_dispatches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_deliveries_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_deliveries_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_deliveries_idempotency_key'))
    )

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_dispatch_id'), ['dispatch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_state'), ['state'], unique=False)
        batch_op.create_index('ix_deliveries_target', ['target_kind', 'target_id', 'channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_user_id'), ['user_id'], unique=False)

    op.create_table('extension_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('current_deadline', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('requested_deadline', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_extension_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'], name=op.f('fk_extension_requests_dispatch_id_dispatches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_extension_requests_requested_by_id_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_extension_requests_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extension_requests'))
    )

    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extension_requests_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_extension_requests_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('queue', sa.String(length=20), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('enqueued_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('enqueue_count', sa.Integer(), nullable=False),
    sa.Column('completed_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_outbox_delivery_id_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_outbox_open', ['completed_at', 'enqueued_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_open')
        batch_op.drop_index(batch_op.f('ix_outbox_delivery_id'))

    op.drop_table('outbox')

    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extension_requests_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_extension_requests_state'))

    op.drop_table('extension_requests')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_user_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_ticket_id'))
        batch_op.drop_index('ix_deliveries_target')
        batch_op.drop_index(batch_op.f('ix_deliveries_state'))
        batch_op.drop_index(batch_op.f('ix_deliveries_dispatch_id'))

    op.drop_table('deliveries')

    with op.batch_alter_table('revisits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisits_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_revisits_provider_id'))

    op.drop_table('revisits')

    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatches_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_dispatches_state'))

    op.drop_table('dispatches')

    op.drop_table('notification_templates')
