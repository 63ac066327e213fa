"""`one_of(column, name)`: the column's value is in the list bound as `name`, written for each
database the way it reads a list best.

SQLAlchemy's expanding IN (`column.in_(bindparam(name, expanding=True))`) writes one parameter
per item, so each length of list is another statement text. On PostgreSQL that costs three
times over for the long lists the booking pages send (a chain's fifty therapists): psycopg
keeps its parsed form of a query only up to 50 parameters, SQLAlchemy renders the list's
placeholders on every call, and the server plans each length apart. PostgreSQL takes the whole
list as one array parameter instead (`column = ANY(%(name)s::INTEGER[])`): one text and one
prepared plan whatever the length. SQLite has no arrays, so there it stays an expanding IN.

Bind the list under `name` at execution, as any other parameter (`{"ids": [3, 5, 8]}`).
"""

from __future__ import annotations

from sqlalchemy import Boolean, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class OneOf(ColumnElement[bool]):
    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a comparison: no "= 1" after it where booleans are integers (SQLite)
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("values", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, name: str) -> None:
        self.column = column
        self.values = bindparam(name, expanding=True, type_=column.type)


def one_of(column, name: str) -> OneOf:
    return OneOf(column, name)


@compiles(OneOf)
def _expanding_in(element: OneOf, compiler, **kw) -> str:
    return compiler.process(element.column.in_(element.values), **kw)


@compiles(OneOf, "postgresql")
def _any_of_an_array(element: OneOf, compiler, **kw) -> str:
    array = bindparam(element.values.key, type_=ARRAY(element.column.type))
    return compiler.process(element.column == any_(array), **kw)
