"""stress and sleep quality (optional, 0-10) in pain check-ins and session feedback

Revision ID: 4a5b7ccacd15
Revises: 6db03bdf9cff
Create Date: 2026-11-25 19:14:14.960912

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4a5b7ccacd15'
down_revision = '6db03bdf9cff'
branch_labels = None
depends_on = None

TABLES = ('appointment_feedback', 'pain_checkins')
COLUMNS = ('stress', 'sleep_quality')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in COLUMNS:
                batch_op.add_column(sa.Column(column, sa.SmallInteger(), nullable=True))
                batch_op.create_check_constraint(
                    op.f(f'ck_{table}_{column}_range'), f'{column} IS NULL OR ({column} BETWEEN 0 AND 10)')


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(COLUMNS):
                batch_op.drop_constraint(op.f(f'ck_{table}_{column}_range'), type_='check')
                batch_op.drop_column(column)
