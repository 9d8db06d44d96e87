"""public channels: verification codes, hall drafts, Open311 clients and requests,
announcements, office info, fax messages

Revision ID: 0005_public
Revises: 0004_dispatch
"""
from alembic import op
import sqlalchemy as sa
import callcenter.models.base


revision = '0005_public'
down_revision = '0004_dispatch'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hall_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('ticket_number', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall_drafts')),
    sa.UniqueConstraint('token', name=op.f('uq_hall_drafts_token'))
    )
    op.create_table('verification_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('used_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_codes'))
    )
    with op.batch_alter_table('verification_codes', schema=None) as batch_op:
        batch_op.create_index('ix_verification_codes_phone_created', ['phone', 'created_at'], unique=False)

    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_announcements_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_announcements_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_region_id'), ['region_id'], unique=False)

    op.create_table('office_info',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('hours', sa.String(length=255), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('intro', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_office_info_region_id_regions')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_office_info_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_info')),
    sa.UniqueConstraint('region_id', name=op.f('uq_office_info_region_id'))
    )
    op.create_table('open311_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('key_sha256', sa.String(length=64), nullable=False),
    sa.Column('key_prefix', sa.String(length=8), nullable=False),
    sa.Column('rate_limit', sa.String(length=40), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_open311_clients_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_clients')),
    sa.UniqueConstraint('key_sha256', name=op.f('uq_open311_clients_key_sha256'))
    )
    op.create_table('fax_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('source_key', sa.String(length=255), nullable=False),
    sa.Column('caller_id', sa.String(length=40), nullable=False),
    sa.Column('caller_e164', sa.String(length=20), nullable=True),
    sa.Column('remote_station_id', sa.String(length=40), nullable=False),
    sa.Column('pages_reported', sa.Integer(), nullable=True),
    sa.Column('pages_read', sa.Integer(), nullable=False),
    sa.Column('resolution', sa.String(length=20), nullable=False),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('received_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('converted', sa.Boolean(), nullable=False),
    sa.Column('converted_by_id', sa.Integer(), nullable=True),
    sa.Column('converted_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['converted_by_id'], ['users.id'], name=op.f('fk_fax_messages_converted_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_fax_messages_department_id_departments')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_fax_messages_resident_id_residents')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_fax_messages_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fax_messages')),
    sa.UniqueConstraint('source_key', name=op.f('uq_fax_messages_source_key')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_fax_messages_ticket_id'))
    )
    with op.batch_alter_table('fax_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fax_messages_converted'), ['converted'], unique=False)

    op.create_table('open311_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('service_code', sa.String(length=40), nullable=False),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('long', sa.Double(), nullable=True),
    sa.Column('address_id', sa.String(length=100), nullable=True),
    sa.Column('media_url', sa.String(length=500), nullable=True),
    sa.Column('submitted', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['open311_clients.id'], name=op.f('fk_open311_requests_client_id_open311_clients')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_open311_requests_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_requests')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_open311_requests_ticket_id')),
    sa.UniqueConstraint('token', name=op.f('uq_open311_requests_token'))
    )
    with op.batch_alter_table('open311_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_requests_client_id'), ['client_id'], unique=False)



def downgrade() -> None:
    op.drop_table('open311_requests')
    op.drop_table('fax_messages')
    op.drop_table('office_info')
    op.drop_table('announcements')
    op.drop_table('open311_clients')
    op.drop_table('hall_drafts')
    op.drop_table('verification_codes')
