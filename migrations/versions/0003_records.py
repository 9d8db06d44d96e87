"""records: service catalog and its search index, routing rules, audit log, resident imports

Revision ID: 0003_records
Revises: 0002_calls

The catalog search index is made here with raw SQL, per dialect: an FTS5 table with the
trigram tokenizer (kept in step with service_items by triggers) on SQLite, and pg_trgm GIN
indexes on PostgreSQL. Their names are in callcenter.models.catalog.SEARCH_INDEX_NAMES so
autogenerate leaves them alone.
"""
from alembic import op
import sqlalchemy as sa
import callcenter.models.base


revision = '0003_records'
down_revision = '0002_calls'
branch_labels = None
depends_on = None

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE service_items_fts USING fts5("
    "search_text, search_pinyin, content='service_items', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER service_items_fts_ai AFTER INSERT ON service_items BEGIN "
    "INSERT INTO service_items_fts(rowid, search_text, search_pinyin) "
    "VALUES (new.id, new.search_text, new.search_pinyin); END",
    "CREATE TRIGGER service_items_fts_ad AFTER DELETE ON service_items BEGIN "
    "INSERT INTO service_items_fts(service_items_fts, rowid, search_text, search_pinyin) "
    "VALUES ('delete', old.id, old.search_text, old.search_pinyin); END",
    "CREATE TRIGGER service_items_fts_au AFTER UPDATE ON service_items BEGIN "
    "INSERT INTO service_items_fts(service_items_fts, rowid, search_text, search_pinyin) "
    "VALUES ('delete', old.id, old.search_text, old.search_pinyin); "
    "INSERT INTO service_items_fts(rowid, search_text, search_pinyin) "
    "VALUES (new.id, new.search_text, new.search_pinyin); END",
]
SQLITE_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS service_items_fts_au",
    "DROP TRIGGER IF EXISTS service_items_fts_ad",
    "DROP TRIGGER IF EXISTS service_items_fts_ai",
    "DROP TABLE IF EXISTS service_items_fts",
]
POSTGRES_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_service_items_search_text_trgm ON service_items "
    "USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX ix_service_items_search_pinyin_trgm ON service_items "
    "USING gin (search_pinyin gin_trgm_ops)",
]
POSTGRES_SEARCH_DROP = [
    "DROP INDEX IF EXISTS ix_service_items_search_pinyin_trgm",
    "DROP INDEX IF EXISTS ix_service_items_search_text_trgm",
]


def _run(statements) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    op.create_table('routing_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('ticket_type', sa.String(length=12), nullable=True),
    sa.Column('target_kind', sa.String(length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_routing_rules_category_id_categories')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_routing_rules_department_id_departments')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_routing_rules_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules'))
    )

    op.create_table('service_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('eligibility', sa.Text(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('fees', sa.Text(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('hours', sa.String(length=200), nullable=False),
    sa.Column('ivr_text', sa.String(length=300), nullable=False),
    sa.Column('keywords', sa.String(length=500), nullable=False),
    sa.Column('deadline_policy', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('search_pinyin', sa.Text(), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_service_items_category_id_categories')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_service_items_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_items')),
    sa.UniqueConstraint('code', name=op.f('uq_service_items_code'))
    )
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_items_category_id'), ['category_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_log_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_record', ['record_type', 'record_id'], unique=False)
        batch_op.create_index('ix_audit_log_user_at', ['user_id', 'at'], unique=False)

    op.create_table('resident_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.Column('undone_at', callcenter.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_resident_imports_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_imports'))
    )

    op.create_table('service_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('mime_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', callcenter.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['service_items.id'], name=op.f('fk_service_forms_item_id_service_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_forms'))
    )
    with op.batch_alter_table('service_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_forms_item_id'), ['item_id'], unique=False)

    op.create_table('resident_import_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['resident_imports.id'], name=op.f('fk_resident_import_changes_import_id_resident_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_import_changes'))
    )
    with op.batch_alter_table('resident_import_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_import_changes_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_import_changes_resident_id'), ['resident_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_SEARCH)
    elif dialect == "postgresql":
        _run(POSTGRES_SEARCH)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_SEARCH_DROP)
    elif dialect == "postgresql":
        _run(POSTGRES_SEARCH_DROP)
    with op.batch_alter_table('resident_import_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_import_changes_resident_id'))
        batch_op.drop_index(batch_op.f('ix_resident_import_changes_import_id'))
    op.drop_table('resident_import_changes')
    with op.batch_alter_table('service_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_forms_item_id'))
    op.drop_table('service_forms')
    op.drop_table('resident_imports')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_user_at')
        batch_op.drop_index('ix_audit_log_record')
    op.drop_table('audit_log')
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_items_category_id'))
    op.drop_table('service_items')
    op.drop_table('routing_rules')
