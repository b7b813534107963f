"""Set-based writes: a batch's rows in a handful of statements, whatever its size.

A table's bulk row is described once, as a `TableRows` (its model and the columns a
row carries, in order); a batch writes plain tuples in that order. On PostgreSQL they go
in by one COPY, elsewhere (SQLite) by one `bulk_create`: both take their columns from the
one description. Ids a batch needs before writing (to give lines and events their
order's id) come from `new_ids`, in one statement.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models

from orders import db


class TableRows:
    """One table's rows as a bulk write takes them: `columns` are the model's attribute
    names (`order_id`, not `order`), a row a tuple of their values in that order. A
    column left out takes the database's default (an id from the sequence) on PostgreSQL
    and the field's default on SQLite; so leave out only ids and columns whose default
    is the same on both (give times and strings explicitly)."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        self.model = model
        self.columns = tuple(columns)
        fields = {field.attname: field for field in model._meta.concrete_fields}
        unknown = [name for name in self.columns if name not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
        self.db_columns = [fields[name].column for name in self.columns]
        # JSON columns are the one type whose COPY text is not the value's str()
        self._json = [i for i, name in enumerate(self.columns)
                      if isinstance(fields[name], models.JSONField)]

    def copy_text(self, rows: Iterable[Sequence]) -> str:
        """The rows in COPY's text format (see orders.db.copy_row)."""
        if self._json:
            rows = (self._with_json(row) for row in rows)
        return "".join([db.copy_row(row) for row in rows])

    def _with_json(self, row: Sequence) -> list:
        row = list(row)
        for i in self._json:
            if row[i] is not None:
                row[i] = json.dumps(row[i], ensure_ascii=False)
        return row

    def write(self, rows: Sequence[Sequence]) -> None:
        """Insert the rows: one COPY on PostgreSQL, one bulk_create elsewhere."""
        if not rows:
            return
        if connection.vendor == "postgresql":
            self.write_copy_text(self.copy_text(rows))
            return
        model, columns = self.model, self.columns
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows],
            batch_size=max(1, 900 // len(columns)))  # SQLite: at most 999 parameters

    def write_copy_text(self, text: str) -> None:
        """PostgreSQL only: insert rows already in COPY text (for a writer that formats
        its rows itself, in this description's column order)."""
        if text:
            db.copy_into(self.model, self.db_columns, text)


def new_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for `count` new rows of `model`, taken before they are written.

    PostgreSQL: drawn from the table's sequence in one statement (safe beside concurrent
    writers). Elsewhere (SQLite, which serialises writers): the next ones after both the
    largest id and the largest ever given (AUTOINCREMENT's record), so an id of a deleted
    row, which old history may still name, is never given again. Call it inside the
    batch's transaction: SQLite's transactions begin IMMEDIATE here (settings), holding
    the write lock until the batch commits.
    """
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # (the sequence named by a constant: a name looked up per row costs 9 times more)
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                           [db.id_sequence(model), count])
            return [row[0] for row in cursor.fetchall()]
        table = model._meta.db_table
        cursor.execute(f"SELECT COALESCE(MAX({model._meta.pk.column}), 0) FROM "  # noqa: S608
                       f"{connection.ops.quote_name(table)}")
        start = cursor.fetchone()[0]
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
        if cursor.fetchone():
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(start, row[0] if row else 0)
    return list(range(start + 1, start + 1 + count))

