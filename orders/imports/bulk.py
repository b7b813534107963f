"""Set-based writes: a batch's rows in a handful of statements, whatever its size.

A table's bulk row is described once, as a `TableRows` (its model and the columns a
row carries, in order); a batch writes plain tuples in that order. On PostgreSQL they go
in by one COPY, elsewhere (SQLite) by one executemany: both take their columns from the
one description. Ids a batch needs before writing (to give lines and events their
order's id) come from `new_ids`, in one statement.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, models

from orders import db

# Fields whose stored value is not the Python value as the database driver takes it.
STORED_CONVERTED = (models.DateTimeField, models.DateField, models.TimeField,
                    models.DecimalField, models.JSONField, models.UUIDField,
                    models.DurationField)


class TableRows:
    """One table's rows as a bulk write takes them: `columns` are the model's attribute
    names (`order_id`, not `order`), a row a tuple of their values in that order. A
    column left out takes the database's default: leave out only ids (from the sequence,
    or SQLite's rowid) and give every other column explicitly."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        self.model = model
        self.columns = tuple(columns)
        fields = {field.attname: field for field in model._meta.concrete_fields}
        unknown = [name for name in self.columns if name not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
        self.db_columns = [fields[name].column for name in self.columns]
        self._fields = [fields[name] for name in self.columns]
        self._formatters: dict[int, Callable[[Sequence], str]] = {}

    def copy_text(self, rows: Iterable[Sequence]) -> str:
        """The rows in COPY's text format (as orders.db.copy_row writes them)."""
        line = self.formatter()
        return "".join([line(row) for row in rows])

    def formatter(self, start: int = 0) -> Callable[[Sequence], str]:
        """A function giving one row in COPY's text format, compiled once from the
        columns' types: an f-string per row instead of a type test per value, which for
        an import's millions of values was most of its writer's time. A row's values
        must have their column's type (a str for text, a datetime for a time, a bool,
        a number, JSON data). `start`: the text from that column on, a tab before it,
        for a row whose first columns (ids) are given when it is written."""
        if start not in self._formatters:
            parts = []
            for index, field in enumerate(self._fields[start:], start):
                value = f"r[{index}]"
                if isinstance(field, models.JSONField):
                    text = f"dumps({value}, ensure_ascii=False).translate(ESCAPES)"
                elif isinstance(field, models.BooleanField):
                    text = f"('t' if {value} else 'f')"
                elif isinstance(field, models.DateTimeField):
                    text = f"{value}.isoformat()"
                elif isinstance(field, models.CharField | models.TextField):
                    text = f"{value}.translate(ESCAPES)"
                else:  # numbers, dates, times: their str()
                    text = value
                parts.append(f"{{NULL if {value} is None else {text}}}")
            source = 'lambda r: f"' + ("\\t" if start else "") + "\\t".join(parts) + '\\n"'
            self._formatters[start] = eval(  # noqa: S307 - built from our own model fields
                source, {"NULL": db.COPY_NULL, "ESCAPES": db.COPY_ESCAPES, "dumps": json.dumps})
        return self._formatters[start]

    def write(self, rows: Sequence[Sequence]) -> None:
        """Insert the rows: one COPY on PostgreSQL; elsewhere (SQLite) one executemany of
        the tuples, each value as Django would store it (what bulk_create does, without
        a model instance per row, which cost five times as much)."""
        if not rows:
            return
        if connection.vendor == "postgresql":
            self.write_copy_text(self.copy_text(rows))
            return
        adapters = [(lambda value, field=field: field.get_db_prep_save(value, connection))
                    if isinstance(field, STORED_CONVERTED) else None for field in self._fields]
        if any(adapters):
            rows = [tuple([value if adapt is None or value is None else adapt(value)
                           for value, adapt in zip(row, adapters, strict=True)])
                    for row in rows]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {quote(self.model._meta.db_table)} "  # noqa: S608
                f"({', '.join(map(quote, self.db_columns))}) "
                f"VALUES ({', '.join(['%s'] * len(self.columns))})", rows)

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

