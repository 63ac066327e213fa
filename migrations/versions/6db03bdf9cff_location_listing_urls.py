"""location listing urls: each salon's own page on Treatwell, Fresha and Booksy (nullable)

Revision ID: 6db03bdf9cff
Revises: 2848260714b4
Create Date: 2026-11-25 18:51:28.108982

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6db03bdf9cff'
down_revision = '2848260714b4'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns only: SQLite adds them in place, no table rebuild.
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('treatwell_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('fresha_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('booksy_url', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_column('booksy_url')
        batch_op.drop_column('fresha_url')
        batch_op.drop_column('treatwell_url')
