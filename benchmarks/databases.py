"""PostgreSQL plumbing for the import benchmark: databases made from a template (each
measured import starts from the same state), the ordinary role, what an import wrote and
the raw COPY of those rows. Plain psycopg, no Django: the measured work runs in children.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg
from psycopg import sql

CHUNK = 1 << 20  # bytes per COPY write


class Cluster:
    """The PostgreSQL server of a superuser URL; databases by name."""

    def __init__(self, url: str):
        self.parsed = urlparse(url)

    def url(self, database: str, *, user: str | None = None) -> str:
        netloc = self.parsed.netloc
        if user:
            netloc = f"{user}@{self.parsed.hostname}:{self.parsed.port or 5432}"
        return self.parsed._replace(netloc=netloc, path=f"/{database}").geturl()

    def connect(self, database: str, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.url(database), **kwargs)

    def admin(self, statement, *params) -> None:
        with self.connect("postgres", autocommit=True) as conn:
            conn.execute(statement, params or None)

    def drop(self, name: str) -> None:
        self.admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))

    def create(self, name: str, *, template: str | None = None) -> None:
        """(Re)create a database, as a file copy of `template` if given (which must have no
        sessions: a template's state, statistics included, is the copy's)."""
        self.drop(name)
        if template:
            self.admin(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(template)))
        else:
            self.admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def ordinary_role(self, role: str, database: str) -> str:
        """A login role that is no superuser and owns nothing: it may read and write the
        tables and use the sequences of `database` (granted there; a template's copies
        keep the grants), nothing more. Answers its URL for `database`."""
        with self.connect("postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB "
                                     "NOCREATEROLE").format(sql.Identifier(role)))
        with self.connect(database, autocommit=True) as conn:
            conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
                                 "public TO {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "
                                 "public TO {}").format(sql.Identifier(role)))
        return self.url(database, user=role)


def id_tables(conn) -> dict[str, tuple[int, int]]:
    """Every table of the public schema with an integer `id`: (its largest id, its rows);
    other tables with (-1, rows)."""
    tables = conn.execute(
        "SELECT c.relname, EXISTS (SELECT 1 FROM information_schema.columns i "
        "  WHERE i.table_schema = 'public' AND i.table_name = c.relname "
        "  AND i.column_name = 'id' AND i.data_type IN ('integer', 'bigint')) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1").fetchall()
    found = {}
    for table, has_id in tables:
        name = sql.Identifier(table)
        if has_id:
            found[table] = conn.execute(sql.SQL(
                "SELECT COALESCE(MAX(id), 0), COUNT(*) FROM {}").format(name)).fetchone()
        else:
            found[table] = (-1, conn.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(
                name)).fetchone()[0])
    return found


def rows_written(conn, before: dict[str, tuple[int, int]]) -> dict[str, int]:
    """The tables an import inserted into, each with its new rows (ids above the largest
    before); a table without an integer id that grew is reported, not copied."""
    written = {}
    for table, (max_id, count) in id_tables(conn).items():
        old_max, old_count = before.get(table, (0, 0))
        if max_id == -1:
            if count != old_count:
                print(f"  note: {table} (no integer id) went from {old_count} to {count} rows; "
                      "not part of the raw COPY")
            continue
        new = conn.execute(sql.SQL("SELECT COUNT(*) FROM {} WHERE id > %s").format(
            sql.Identifier(table)), [old_max]).fetchone()[0]
        if new:
            written[table] = new
    return written


def foreign_key_order(conn, tables: list[str]) -> list[str]:
    """The tables, each after those it references (so COPY with FK triggers succeeds)."""
    edges = conn.execute(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
        "WHERE c.contype = 'f' AND c.conrelid <> c.confrelid").fetchall()
    needs = {table: set() for table in tables}
    for child, parent in edges:
        child, parent = child.strip('"'), parent.strip('"')
        if child in needs and parent in needs:
            needs[child].add(parent)
    ordered: list[str] = []
    while needs:
        ready = sorted(table for table, parents in needs.items() if not parents - set(ordered))
        if not ready:  # a cycle: keep the rest as they are
            ready = sorted(needs)
        ordered.extend(ready)
        for table in ready:
            del needs[table]
    return ordered


def export_rows(conn, written: dict[str, int], before: dict, directory: Path) -> list[Path]:
    """COPY the new rows of each written table TO STDOUT into a file per table, in foreign
    key order; answers the files (named <table>.copy)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for table in foreign_key_order(conn, list(written)):
        path = directory / f"{table}.copy"
        query = sql.SQL("COPY (SELECT * FROM {} WHERE id > {} ORDER BY id) TO STDOUT").format(
            sql.Identifier(table), sql.Literal(before.get(table, (0, 0))[0]))
        with open(path, "wb") as f, conn.cursor().copy(query) as copy:
            for data in copy:
                f.write(data)
        files.append(path)
    return files


def copy_in(url: str, files: list[Path], *, skip_triggers: bool = False) -> float:
    """COPY FROM STDIN each file into its table, in one transaction; answers the seconds
    from the first COPY to the commit. `skip_triggers` (superuser only): with
    session_replication_role = replica, no foreign key trigger fires."""
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        if skip_triggers:
            conn.execute("SET LOCAL session_replication_role = replica")
        for path in files:
            query = sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(path.stem))
            with open(path, "rb") as f, conn.cursor().copy(query) as copy:
                while data := f.read(CHUNK):
                    copy.write(data)
        conn.commit()
        return time.perf_counter() - started
