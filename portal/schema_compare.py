"""What Alembic's autogenerate compares between the models and a database: used by
migrations/env.py (`flask db migrate`) and tests/test_migrations.py (the models match a database
migrated from nothing), so both see the same schema.

Two kinds of index are left out of the comparison:
- one made on a single database (`only_on`): the other never has it;
- one on an expression: Alembic cannot compare expressions (it reports the database's as one to
  drop); tests/test_migrations.py compares each with the model's as the database reads both.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData

ONLY_ON = "only_on"  # Index.info key: the one database the index is made on


def only_on(dialect: str, index: Index) -> Index:
    """`index`, created (by create_all) only on `dialect`; migrations make it there themselves."""
    index.info[ONLY_ON] = dialect
    return index.ddl_if(dialect=dialect)


def model_index(metadata: MetaData, name: str) -> Index | None:
    return next((index for table in metadata.tables.values() for index in table.indexes if index.name == name), None)


def _is_expression(index: Index) -> bool:
    return any(not isinstance(element, Column) for element in index.expressions)


def expression_indexes(metadata: MetaData, dialect: str) -> set[str]:
    """The names of the models' expression indexes made on `dialect`."""
    return {index.name for table in metadata.tables.values() for index in table.indexes
            if index.info.get(ONLY_ON, dialect) == dialect and _is_expression(index)}


def include_object_for(dialect: str, metadata: MetaData):
    """Alembic's `include_object` for a database of `dialect`."""
    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        if type_ != "index":
            return True
        model = model_index(metadata, name)
        return model is None or (model.info.get(ONLY_ON, dialect) == dialect and not _is_expression(model))
    return include_object
