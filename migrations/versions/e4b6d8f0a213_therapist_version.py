"""a therapist's details carry a version: two admins editing them at once no longer overwrite
each other unseen (the later save is told, as a service's and a salon's are)

Revision ID: e4b6d8f0a213
Revises: d7a1c3e5b920
Create Date: 2026-12-06 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b6d8f0a213'
down_revision = 'd7a1c3e5b920'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (SQLite takes one with a constant default): batch mode would copy the
    # table and reflect its foreign key's users table, whose expression index SQLite can't reflect.
    op.add_column('therapists', sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    op.drop_column('therapists', 'version')  # SQLite 3.35 and later drop a plain column in place
