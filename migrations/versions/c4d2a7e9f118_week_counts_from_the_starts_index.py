"""the admin's week counts from the index alone: ix_appointments_starts_at carries status,
location_id and health_hold

The week's counts per salon and day (and per hour of the day shown) read those three columns of
every appointment that week. With the index on starts_at alone PostgreSQL fetched a heap page per
appointment (the large salon's week: 2,112 appointments, 1,072 pages, 1.0 ms); with the columns
in the index it is an index-only scan (0.64 ms), as it is on SQLite (a covering index).

Revision ID: c4d2a7e9f118
Revises: b81d5e0c2f37
Create Date: 2026-12-05 13:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4d2a7e9f118'
down_revision = 'b81d5e0c2f37'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_starts_at')
        batch_op.create_index('ix_appointments_starts_at', ['starts_at', 'status', 'location_id', 'health_hold'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_starts_at')
        batch_op.create_index('ix_appointments_starts_at', ['starts_at'], unique=False)
