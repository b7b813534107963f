"""Database helpers the domains share."""

import functools
import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import datetime

from django.core.management.color import no_style
from django.db import connection
from django.db.models import CharField, Field
from django.db.models.lookups import In


@Field.register_lookup
class AnyOf(In):
    """`field__any_of=values`: on PostgreSQL `field IN (SELECT unnest('{...}'::<type>[]))`.

    For a batch's thousands of keys: one parameter, an array literal, instead of a
    placeholder per value (quoting thousands costs the client more than the query). The
    planner knows a constant array's length and probes the index once per value on a big
    table; `= ANY(array)` was planned as a scan of the whole table once the table had
    some hundred thousand rows, and a subquery of unknown size as a scan of every row
    against every value. Strings holding NUL are left out: no PostgreSQL text can equal
    them. Elsewhere, a plain IN.
    """

    lookup_name = "any_of"

    def get_prep_lookup(self):
        """The values as given: the column's own type already (keys a batch read from its
        rows or records). Django would prepare each through the field, which for
        thousands costs more than the query."""
        return self.rhs

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        array_type = "text" if isinstance(field, CharField) else field.cast_db_type(connection)
        return (f"{lhs} IN (SELECT unnest(%s::{array_type}[]))",
                [*lhs_params, array_literal(self.rhs)])




def array_literal(values: Iterable) -> str:
    """A PostgreSQL array literal of these strings or integers ('{"a","b"}', '{1,2}')."""
    items = (
        str(value) if type(value) is int
        else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for value in values if not (type(value) is str and "\x00" in value)
    )
    return "{" + ",".join(items) + "}"


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


# --- bulk writes on PostgreSQL ----------------------------------------------------------

COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_row(values, end: str = "\n") -> str:
    """One row in COPY's text format."""
    return "\t".join(
        "\\N" if v is None else ("t" if v else "f") if v is True or v is False
        else v.translate(COPY_ESCAPES) if type(v) is str
        else v.isoformat() if isinstance(v, datetime) else str(v)
        for v in values
    ) + end


COPY_NULL = "\\N"
COPY_SPECIALS = re.compile(r"[\\\t\n\r]")


def copy_texts(*values: str) -> str:
    """Strings as consecutive fields of a COPY row: tab-separated, escaped where needed."""
    if COPY_SPECIALS.search("".join(values)) is None:  # the usual case: nothing to escape
        return "\t".join(values)
    return "\t".join(value.translate(COPY_ESCAPES) for value in values)


def copy_value(value) -> str:
    """One field of a COPY row (see copy_row)."""
    if value is None:
        return COPY_NULL
    return value.translate(COPY_ESCAPES) if type(value) is str else copy_row((value,), end="")


COPY_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
COPY_ESCAPE = re.compile(r"\\(.)")


def copy_fields(row: str) -> list[str | None]:
    """A row in COPY's text format (as copy_row writes it) back as its fields: strings,
    None for NULL."""
    return [
        None if field == COPY_NULL
        else COPY_ESCAPE.sub(lambda match: COPY_UNESCAPES[match[1]], field) if "\\" in field
        else field
        for field in row.rstrip("\n").split("\t")
    ]


@functools.cache
def id_sequence(model) -> str:
    """The name of the PostgreSQL sequence behind the model's id column."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)",
                       [model._meta.db_table, model._meta.pk.column])
        return cursor.fetchone()[0]


def copy_into(model, columns: list[str], text: str) -> None:
    """PostgreSQL COPY of ready-made text rows (see copy_row) into the model's table."""
    quote = connection.ops.quote_name
    # (wrap_database_errors: psycopg's errors surface as Django's, e.g. IntegrityError)
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    ) as copy:
        copy.write(text)


def key_share_locked(model, ids: Iterable[int]) -> set[int]:
    """Which of these rows exist, each locked FOR KEY SHARE until the transaction ends.

    That lock is what PostgreSQL's foreign key check takes on the row a new row refers
    to: the row can be neither deleted nor given another key before the referring rows
    commit (a concurrent delete waits, then fails on the committed reference). Here it is
    one query for a batch instead of one per referring row.
    """
    ids = list(set(ids))
    if not ids:
        return set()
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk} FROM {table} WHERE {pk} = ANY(%s::bigint[]) "  # noqa: S608
                       f"FOR KEY SHARE", [array_literal(ids)])
        return {row[0] for row in cursor.fetchall()}


def foreign_key_triggers_skippable() -> bool:
    """Whether this PostgreSQL session may set session_replication_role: a superuser, or
    (PostgreSQL 15+) a role granted SET ON PARAMETER session_replication_role."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        if connection.pg_version >= 150000:
            cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        else:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


@contextmanager
def foreign_key_triggers_skipped():
    """Writes in this block (inside a transaction) skip PostgreSQL's foreign key triggers.

    Those triggers check every inserted row with a query of its own, at commit: for a bulk
    load, most of the database's time. Use only for rows whose every reference the caller
    has checked and locked set-based (`key_share_locked`) or written in the same
    transaction. Unique, NOT NULL and CHECK constraints still apply; the setting is local
    to the transaction, and a rollback undoes it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('session_replication_role', 'replica', true)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('session_replication_role', 'origin', true)")


def keys_found(model, columns: list[str], keys, *, found: str = "id") -> dict[tuple, object]:
    """Which of these keys (tuples of `columns`' values: `("account_id",
    "customer_order_no")`) name a row of `model`, and that row's `found` column: one
    row a key (see rows_by_key)."""
    return {tuple(row[:-1]): row[-1]
            for row in rows_by_key(model, columns, keys, [found], limit=1)}


def rows_by_key(model, columns: list[str], keys, fields: list[str], *,
                order_by: Sequence[str] = (), limit: int | None = None) -> list[tuple]:
    """Every row of `model` each of these keys (tuples of `columns`' values) names (at
    most `limit` a key), as (key..., `fields`' values...), a key's rows in `order_by`'s
    order.

    The query runs in time linear in the batch whatever the table's statistics say. On
    PostgreSQL each key is looked up by its own subquery (a LATERAL join over the batch's
    keys, an array per column): a nested loop with the batch outside by construction,
    probing the index on `columns`, which the planner has no join order or join method
    to choose (OFFSET 0 keeps it from flattening the subquery into a join of its
    choosing). Left to choose, with statistics taken when the table was small, it
    compared every row with every key, per batch (an import of 100,000 orders ran at 841
    lines/s). Elsewhere (SQLite), row values in one IN list. Keys holding NULL or a
    string with NUL are left out: they equal no stored key.
    """
    keys = [key for key in {tuple(key) for key in keys}
            if not any(value is None or (type(value) is str and "\x00" in value)
                       for value in key)]
    if not keys:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(*rows_by_key_query(model, columns, keys, fields,
                                              order_by=order_by, limit=limit))
            return cursor.fetchall()
        quote = connection.ops.quote_name
        meta = model._meta
        key_fields = [meta.get_field(name) for name in columns]
        column_list = ", ".join(f"t.{quote(f.column)}" for f in key_fields)
        wanted = ", ".join(f"t.{quote(meta.get_field(name).column)}" for name in fields)
        ordering = "".join(f", t.{quote(meta.get_field(name).column)}" for name in order_by)
        rows = []
        chunk = max(1, 900 // len(key_fields))  # SQLite: at most 999 parameters
        for start in range(0, len(keys), chunk):
            part = keys[start:start + chunk]
            row = "(" + ", ".join(["%s"] * len(key_fields)) + ")"
            cursor.execute(
                f"SELECT {column_list}, {wanted} FROM {quote(meta.db_table)} t "  # noqa: S608
                f"WHERE ({column_list}) IN (VALUES {', '.join([row] * len(part))})"
                f" ORDER BY {column_list}{ordering}",
                [value for key in part for value in key])
            rows.extend(cursor.fetchall())
    if limit is not None:  # (the first `limit` rows of each key)
        kept, counts, width = [], {}, len(columns)
        for row in rows:
            key = row[:width]
            counts[key] = counts.get(key, 0) + 1
            if counts[key] <= limit:
                kept.append(row)
        rows = kept
    return rows


def rows_by_key_query(model, columns: list[str], keys, fields: list[str], *,
                      order_by: Sequence[str] = (), limit: int | None = None):
    """PostgreSQL: rows_by_key's query and its parameters (one array per key column)."""
    quote = connection.ops.quote_name
    meta = model._meta
    key_fields = [meta.get_field(name) for name in columns]
    arrays = ", ".join(
        f"%s::{'text' if isinstance(f, CharField) else f.cast_db_type(connection)}[]"
        for f in key_fields)
    names = [f"k{i}" for i in range(len(key_fields))]
    matches = " AND ".join(f"t.{quote(f.column)} = k.{name}"
                           for f, name in zip(key_fields, names, strict=True))
    wanted = ", ".join(f"t.{quote(meta.get_field(name).column)}" for name in fields)
    ordering = ", ".join(f"t.{quote(meta.get_field(name).column)}" for name in order_by)
    keys = list(keys)
    sql = (f"SELECT {', '.join(f'k.{n}' for n in names)}, found.* "  # noqa: S608
           f"FROM unnest({arrays}) AS k({', '.join(names)}) "
           f"CROSS JOIN LATERAL (SELECT {wanted} FROM {quote(meta.db_table)} t "
           f"WHERE {matches}{f' ORDER BY {ordering}' if ordering else ''}"
           f"{f' LIMIT {int(limit)}' if limit is not None else ''} OFFSET 0) found")
    return sql, [array_literal([key[i] for key in keys]) for i in range(len(key_fields))]
