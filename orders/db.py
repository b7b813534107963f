"""Database helpers the domains share."""

from collections.abc import Iterable

from django.db import connection
from django.db.models.expressions import RawSQL


def in_values(values: Iterable, sql_type: str = "text"):
    """The right-hand side of a `__in` filter for a batch's many keys.

    On PostgreSQL one array parameter (`IN (SELECT unnest(%s::text[]))`) instead of a
    placeholder per value: the client-side parsing of thousands of placeholders costs
    more than the query. Elsewhere the plain list.
    """
    values = list(values)
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest(%s::{sql_type}[])", [values])
    return values
