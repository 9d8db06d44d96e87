"""security: TOTP second factor per staff user

Revision ID: 0010_security
Revises: 0006_stats
"""
from alembic import op
import sqlalchemy as sa
import callcenter.models.base


revision = '0010_security'
down_revision = '0006_stats'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_totp',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_step', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_totp_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_totp'))
    )


def downgrade() -> None:
    op.drop_table('user_totp')
