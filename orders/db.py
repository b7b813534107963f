"""Database helpers the domains share."""

from collections.abc import Iterable

from django.core.management.color import no_style
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


def reset_sequences(*models) -> None:
    """After inserting rows with explicit ids (the seeds' ids, a catalog's ids), move
    PostgreSQL's sequences past them so the next generated id does not collide. No-op on
    SQLite."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def row_upsert(model, *, lookup: dict, values: dict):
    """Create or update the one row `lookup` finds (a natural key, or {"pk": id}).

    Returns (row, "created" | "updated" | "unchanged"); only changed fields are written.
    A row created with an explicit id moves PostgreSQL's sequence past it.
    """
    row = model.objects.filter(**lookup).first()
    if row is None:
        row = model.objects.create(**lookup, **values)
        if "pk" in lookup or "id" in lookup:
            reset_sequences(model)
        return row, "created"
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    if not changed:
        return row, "unchanged"
    for name, value in changed.items():
        setattr(row, name, value)
    row.save(update_fields=list(changed))
    return row, "updated"
