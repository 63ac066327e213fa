"""therapist services and optional client email

Which services each therapist gives (booking offers a therapist only for those): every existing
therapist is recorded as giving every existing service, so nothing bookable today stops being
bookable. users.email becomes optional for clients reception adds by phone; its unique
constraint stays (many NULLs are allowed by both SQLite and PostgreSQL).

Revision ID: 0c8beb83a230
Revises: 4a5b7ccacd15
Create Date: 2026-11-25 18:51:09.327066

"""
from alembic import op
import sqlalchemy as sa

import portal.db_types


# revision identifiers, used by Alembic.
revision = '0c8beb83a230'
down_revision = '4a5b7ccacd15'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('therapist_services',
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_therapist_services_service_id_services'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_therapist_services_therapist_id_therapists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('therapist_id', 'service_id', name=op.f('pk_therapist_services'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email',
               existing_type=sa.VARCHAR(length=254),
               nullable=True)
    op.execute("INSERT INTO therapist_services (therapist_id, service_id) "
               "SELECT therapists.id, services.id FROM therapists CROSS JOIN services")


def downgrade():
    # Clients without an email cannot go back to a schema that needs one: refuse, keep them.
    missing = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM users WHERE email IS NULL")).scalar()
    if missing:
        raise RuntimeError(f"{missing} account(s) have no email address; give them one before downgrading.")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email',
               existing_type=sa.VARCHAR(length=254),
               nullable=False)

    op.drop_table('therapist_services')
