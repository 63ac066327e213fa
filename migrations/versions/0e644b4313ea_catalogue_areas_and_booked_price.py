"""catalogue: services' body areas as vocabulary keys; appointments keep the price they were booked at

Revision ID: 0e644b4313ea
Revises: e9ab7d03b3d5
Create Date: 2026-11-25 17:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0e644b4313ea'
down_revision = 'e9ab7d03b3d5'
branch_labels = None
depends_on = None

# portal/vocabulary.py's keys as of this revision (a migration must not change when the app's
# vocabulary grows later).
BODY_AREAS = ("head", "neck", "shoulders", "upper_back", "lower_back", "arms", "hands", "legs", "feet")
# The free text services held before, as the demo and the salon's text wrote it.
SYNONYMS = {
    "back": ("upper_back", "lower_back"),
    "whole_body": BODY_AREAS,
    "full_body": BODY_AREAS,
    "shoulder": ("shoulders",),
    "arm": ("arms",),
    "hand": ("hands",),
    "leg": ("legs",),
    "foot": ("feet",),
}


def vocabulary_keys(text: str) -> str:
    """"whole body,back" -> every key; "head,neck,shoulders,upper back" -> "head,...,upper_back".

    Anything else stops the migration, naming it: guessing would decide silently whether the
    booking gate treats a service as working on the back."""
    wanted = set()
    for word in (w.strip().lower().replace(" ", "_").replace("-", "_") for w in text.split(",")):
        if not word:
            continue
        if word in SYNONYMS:
            wanted.update(SYNONYMS[word])
        elif word in BODY_AREAS:
            wanted.add(word)
        else:
            raise RuntimeError(f"services.body_areas: unknown body area {word!r} in {text!r}; "
                               f"use one of {', '.join(BODY_AREAS)} and run the migration again")
    return ",".join(key for key in BODY_AREAS if key in wanted)


def upgrade():
    connection = op.get_bind()
    services = sa.table('services', sa.column('id', sa.Integer()), sa.column('body_areas', sa.String()),
                        sa.column('price_pence', sa.Integer()))
    for service_id, text in connection.execute(sa.select(services.c.id, services.c.body_areas)).all():
        keys = vocabulary_keys(text or "")
        if keys != text:
            connection.execute(services.update().where(services.c.id == service_id).values(body_areas=keys))

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('price_pence', sa.Integer(), nullable=True))
    # Existing appointments were booked at the service's price of today: the best we know.
    appointments = sa.table('appointments', sa.column('service_id', sa.Integer()),
                            sa.column('price_pence', sa.Integer()))
    connection.execute(appointments.update().values(price_pence=(
        sa.select(services.c.price_pence).where(services.c.id == appointments.c.service_id).scalar_subquery()
    )))
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.alter_column('price_pence', existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(op.f('ck_appointments_price_not_negative'), 'price_pence >= 0')


def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_appointments_price_not_negative'), type_='check')
        batch_op.drop_column('price_pence')
    # body_areas keeps the vocabulary keys: the older code searched them for "back", which
    # "upper_back" and "lower_back" contain, so its gate gives the same answers.
