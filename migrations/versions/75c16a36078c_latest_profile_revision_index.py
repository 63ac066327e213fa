"""latest profile revision index: (profile_id, id) on health_profile_revisions

The profile is read with its latest revision (max(id) for the profile) on every client page;
with only the profile_id index PostgreSQL walked the primary key backwards through every later
client's revisions.

Revision ID: 75c16a36078c
Revises: cdee94a2afd5
Create Date: 2026-12-04 20:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '75c16a36078c'
down_revision = 'cdee94a2afd5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('health_profile_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_health_profile_revisions_profile_id_id', ['profile_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('health_profile_revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_health_profile_revisions_profile_id_id')
