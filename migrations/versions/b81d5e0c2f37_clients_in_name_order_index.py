"""clients in name order: index (lower(name), id) on users

Reception's client list (and each search's page) is ordered by lower(name), id: without an
index PostgreSQL sorted all 20,000 clients of the large salon for every page of 20 (about 20 ms).

Revision ID: b81d5e0c2f37
Revises: a7f3c2e91b04
Create Date: 2026-12-05 09:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b81d5e0c2f37'
down_revision = 'a7f3c2e91b04'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_users_lower_name_id', 'users', [sa.text('lower(name)'), 'id'], unique=False)


def downgrade():
    op.drop_index('ix_users_lower_name_id', table_name='users')
