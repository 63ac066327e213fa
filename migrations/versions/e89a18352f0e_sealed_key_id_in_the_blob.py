"""sealed health data: the key id travels inside each sealed column

Every sealed column now holds `len(key_id) | key_id | nonce + ciphertext + tag`
(portal/sealing.py); the separate key id columns go. Existing rows are converted as they are,
without opening them, so no key is needed to migrate.

Revision ID: e89a18352f0e
Revises: acdb7daa5c01
Create Date: 2026-11-25 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e89a18352f0e'
down_revision = 'acdb7daa5c01'
branch_labels = None
depends_on = None

# (table, key id column, sealed column, may the sealed column be empty)
SEALED = [
    ('health_profile_revisions', 'key_id', 'sealed', False),
    ('appointment_feedback', 'note_key_id', 'note_sealed', True),
    ('treatment_notes', 'key_id', 'sealed', False),
]


# The layout is written out here rather than imported from portal.sealing: a migration must
# keep doing what it did when it was written, whatever the code does later.
def _pack(key_id, blob):
    key = key_id.encode()
    return bytes([len(key)]) + key + bytes(blob)


def _unpack(raw):
    raw = bytes(raw)
    return raw[1:1 + raw[0]].decode(), raw[1 + raw[0]:]


def _rows(table, *columns):
    return op.get_bind().execute(
        sa.select(*(sa.column(c) for c in ('id', *columns))).select_from(sa.table(table))
        .where(sa.column(columns[-1]).is_not(None))
    ).all()


def _update(table, row_id, **values):
    target = sa.table(table, sa.column('id'), *(sa.column(c) for c in values))
    op.get_bind().execute(sa.update(target).where(target.c.id == row_id).values(**values))


def upgrade():
    for table, key_column, sealed_column, _nullable in SEALED:
        for row_id, key_id, blob in _rows(table, key_column, sealed_column):
            _update(table, row_id, **{sealed_column: _pack(key_id, blob)})
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(key_column)


def downgrade():
    for table, key_column, sealed_column, nullable in SEALED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(key_column, sa.String(length=32), nullable=True))
        for row_id, raw in _rows(table, sealed_column):
            key_id, blob = _unpack(raw)
            _update(table, row_id, **{key_column: key_id, sealed_column: blob})
        if not nullable:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.alter_column(key_column, existing_type=sa.String(length=32), nullable=False)
