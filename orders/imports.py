"""Streaming import framework behind `import_orders`, `import_catalog` and `export_orders`.

The framework reads a file (JSON Lines, or CSV whose rows are grouped into one record per
order), hands the records to the domain in batches, commits each batch in its own
transaction (so an interrupted run leaves only whole orders), reports every bad row and
shows progress. A domain supplies an `OrderImporter` in `<domain>/importers.py`:

- `import_batch(items, actor=...)`: validate a batch of records with the same rules as
  its API, write the good ones set-based, and say per record what happened. It runs
  inside the batch's transaction.
- optionally `prepare_batch(items)`: the part of that work that reads only the catalog
  and writes nothing (parsing, validating, pricing, formatting rows). On PostgreSQL the
  next batch is prepared while the previous one is written (see `run_import`).
- `csv_record(rows)`: the rows of one order in a CSV file as one JSON Lines record.
- `export_records(filters)` / `csv_rows(record)`: what `export_orders` writes, in the form
  `import_batch` reads back.

Records carry an optional `external_id`; a domain keys re-runs on it (and on its own
natural key where it has one), so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import ctypes
import gc
import json
import multiprocessing
import os
import pickle
import signal
import sys
import time
from abc import ABC, abstractmethod
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from queue import Empty
from typing import IO, Any

import orjson
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Q

from orders import db

ERRORS_KEY = "_errors"  # errors written back into a rejected record; ignored on re-import


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


OUTCOMES = {None: None, **{outcome.value: outcome for outcome in Outcome}}


@dataclass
class RowError:
    line: int
    key: str
    field: str
    message: str

    def as_text(self) -> str:
        key = f" [{self.key}]" if self.key else ""
        return f"line {self.line}{key} {self.field}: {self.message}"

    def as_dict(self) -> dict:
        return {"line": self.line, "key": self.key, "field": self.field,
                "message": self.message}


@dataclass
class SourceItem:
    """One order read from the file: its first line number and its record (or why not)."""

    line: int
    record: dict | None
    lines_read: int = 1
    raw: str = ""
    errors: list[RowError] = field(default_factory=list)
    outcome: Outcome | None = None
    prepared: Any = None  # what the importer's prepare_batch made of the record

    def reject(self, field_name: str, message: str, key: str = "") -> None:
        self.errors.append(RowError(self.line, key, field_name, message))
        self.outcome = Outcome.REJECTED


class ImportFileError(Exception):
    """The file cannot be read as the format says (exit status 2)."""


def errors_from_validation(exc) -> list[tuple[str, str]]:
    """(field, message) pairs, flattened as the APIs name fields, of a Django
    ValidationError or of a DRF serializer's `.errors`."""
    from orders.api.exceptions import NON_FIELD, flatten_errors

    if isinstance(exc, dict):
        detail = exc
    elif hasattr(exc, "error_dict"):
        detail = exc.message_dict
    else:
        detail = {NON_FIELD: exc.messages}
    return [
        (name, message)
        for name, messages in flatten_errors(detail).items()
        for message in messages
    ]


class Importer(ABC):
    """What a domain imports: its orders (OrderImporter) or its catalog."""

    domain: str = ""
    noun: str = "orders"  # what a record is, in the summary
    csv_supported: bool = True
    csv_key: str | None = "external_id"  # rows with the same value form one record;
    #                                        None: every CSV row is a record of its own
    csv_columns: list[str] = []  # the columns it reads (and export_orders writes)

    def record_key(self, record: dict) -> str:
        """How a bad row is named in the report: its external id, else the domain's key."""
        return str(record.get("external_id") or "")

    def csv_record(self, rows: list[dict[str, str]]) -> dict:
        """The CSV rows of one record as the record JSON Lines would carry."""
        return dict(rows[0])

    def prepare_batch(self, items: list[SourceItem]) -> None:  # noqa: B027 - optional
        """Work on a batch before its transaction: it may read the catalog and reject
        items, but writes nothing and must not depend on what earlier batches wrote (it
        can run while they are being written). Results go in each `item.prepared`."""

    @abstractmethod
    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        """Validate and write a batch; set each item's outcome (and errors when rejected)."""

    def order_lines(self, record: dict) -> int:
        """How many order lines a record holds, for the rate shown to the operator."""
        return 1


class OrderImporter(Importer):
    """A domain's orders: import, and the export that writes what the import reads."""

    @staticmethod
    def filter_exported(orders, filters: dict[str, Any], *, state_field: str = "status"):
        """export_orders' --status, --created-after and --created-before on a queryset."""
        if filters.get("status"):
            orders = orders.filter(**{state_field: filters["status"]})
        if filters.get("created_after"):
            orders = orders.filter(created_at__gte=filters["created_after"])
        if filters.get("created_before"):
            orders = orders.filter(created_at__lt=filters["created_before"])
        return orders

    def export_records(self, filters: dict[str, Any]) -> Iterator[dict]:
        raise NotImplementedError

    def csv_rows(self, record: dict) -> list[dict]:
        """One exported record as its CSV rows (one per order line)."""
        raise NotImplementedError


class CatalogImporter(Importer):
    """A catalog upserted by its natural key, a CSV row or JSON line per item.

    Each record is validated by `serializer_class` (a DRF serializer) and written by
    `upsert(**validated_data)`, a domain service answering (item, "created" | "updated"
    | "unchanged").
    """

    csv_key = None
    key_field: str = ""
    serializer_class = None

    def record_key(self, record: dict) -> str:
        return str(record.get(self.key_field) or "")

    def upsert(self, **values) -> tuple[Any, str]:
        raise NotImplementedError

    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        for item in items:
            payload = self.serializer_class(data=item.record)
            if not payload.is_valid():
                for name, message in errors_from_validation(payload.errors):
                    item.reject(name, message)
                continue
            _, outcome = self.upsert(**payload.validated_data)
            item.outcome = Outcome(outcome)


def own_orders_named(model, external_ids: set[str], prefix: str) -> set[str]:
    """Of these external ids, those naming one of our own orders: `<prefix><id>`, which
    export_orders writes for an order that has no external id, is order <id> itself when
    that order still has none. Only the exact form export writes counts (no leading
    zeros, an id a primary key can hold). One query."""
    ids = {}
    for external_id in external_ids:
        number = external_id.removeprefix(prefix)
        if (external_id.startswith(prefix) and number.isascii() and number.isdigit()
                and str(int(number)) == number and int(number) <= db.MAX_ID):
            ids[int(number)] = external_id
    if not ids:
        return set()
    own = model.objects.filter(Q(external_id__isnull=True) | Q(external_id=""), pk__in=ids)
    return {ids[pk] for pk in own.values_list("pk", flat=True)}


def external_ids_imported(model, records: Iterable[dict], prefix: str) -> set[str]:
    """Of the records' external ids, those imported before: an order of `model` has it,
    or it is the key export_orders wrote for one of our own orders. Two queries a batch."""
    external_ids = {r["external_id"] for r in records
                    if isinstance(r.get("external_id"), str) and r["external_id"]
                    and "\x00" not in r["external_id"]}
    taken = set(model.objects.filter(external_id__in=external_ids)
                .values_list("external_id", flat=True)) if external_ids else set()
    return taken | own_orders_named(model, external_ids - taken, prefix)


# --- reading -------------------------------------------------------------------------


class CountingReader:
    """Iterates a binary stream line by line, counting bytes for progress."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        while lines := self.stream.readlines(1 << 20):  # about a megabyte at a time
            self.bytes_read += sum(map(len, lines))
            yield from lines


def json_loads(text: bytes) -> Any:
    """Parse one JSON value as the APIs' parser does (DRF: the standard library, refusing
    NaN and Infinity). orjson, four times faster, where it agrees: not where a number has
    19 digits or more, which it would read as a float where the standard library reads an
    integer (such a line goes to the standard library)."""
    if text.translate(DIGITS_AS_ZEROS).find(NINETEEN_DIGITS) < 0:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # the standard library's message names the fault
    return json.loads(text, parse_constant=refuse_constant)


DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")  # (quicker than a regex)
NINETEEN_DIGITS = b"0" * 19


def refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read_jsonl(reader: CountingReader) -> Iterator[SourceItem]:
    for number, raw in enumerate(reader, start=1):
        text = raw.strip()
        if not text:
            continue
        try:
            record = json_loads(text)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            item = SourceItem(number, None, raw=raw.decode("utf-8", "replace").rstrip("\n"))
            item.reject("json", f"not valid JSON ({exc})")
            yield item
            continue
        if not isinstance(record, dict):
            item = SourceItem(number, None, raw=text.decode("utf-8", "replace"))
            item.reject("json", f"expected a JSON object, got {type(record).__name__}")
            yield item
            continue
        record.pop(ERRORS_KEY, None)
        yield SourceItem(number, record)


def read_csv(reader: CountingReader, importer: Importer) -> Iterator[SourceItem]:
    """Group consecutive rows with the same key into one record."""
    if not importer.csv_supported:
        raise ImportFileError(f"{importer.domain} is imported from JSON Lines only")
    text_lines = (raw.decode("utf-8-sig") for raw in reader)
    rows = csv.DictReader(text_lines)
    if rows.fieldnames is None:
        return
    if importer.csv_key and importer.csv_key not in rows.fieldnames:
        raise ImportFileError(
            f"the CSV header has no '{importer.csv_key}' column "
            f"(it groups the rows of one order); columns: {', '.join(rows.fieldnames)}"
        )
    group: list[dict] = []
    group_line = 0
    for row in rows:
        line = rows.line_num
        if None in row:  # more cells than header columns
            item = SourceItem(line, None, raw=json.dumps(row.get(None)))
            item.reject("csv", f"row has {len(row) - 1 + len(row[None])} cells, "
                               f"the header has {len(rows.fieldnames)}")
            yield item
            continue
        if group and (
            importer.csv_key is None or row[importer.csv_key] != group[0][importer.csv_key]
        ):
            yield csv_item(importer, group_line, group)
            group = []
        if not group:
            group_line = line
        group.append(row)
    if group:
        yield csv_item(importer, group_line, group)


def csv_item(importer: Importer, line: int, rows: list[dict]) -> SourceItem:
    from django.core.exceptions import ValidationError

    try:
        record = importer.csv_record(rows)
    except ValidationError as exc:
        item = SourceItem(line, None, lines_read=len(rows), raw=json.dumps(rows))
        for name, message in errors_from_validation(exc):
            item.reject(name, message, key=rows[0].get(importer.csv_key or "", ""))
        return item
    return SourceItem(line, record, lines_read=len(rows))


def detect_format(path: str, given: str | None) -> str:
    if given:
        return given
    name = path.lower()
    if name.endswith((".jsonl", ".ndjson", ".jsonl.gz")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    raise ImportFileError(
        f"cannot tell the format of {path!r} from its name: pass --format jsonl or csv"
    )


def open_source(path: str) -> tuple[IO[bytes], int | None]:
    """The file (or standard input for '-') as bytes, and its size when known."""
    if path == "-":
        return sys.stdin.buffer, None
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        size = os.fstat(stream.fileno()).st_size if os.path.isfile(path) else None
    except OSError:
        size = None
    return stream, size


# --- running -------------------------------------------------------------------------


@dataclass
class ImportStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    order_lines: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def orders(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected

    @property
    def seconds(self) -> float:
        return max(time.monotonic() - self.started, 1e-9)

    noun: str = "orders"

    def count(self, batch: list[SourceItem], importer: Importer) -> None:
        outcomes = Counter([item.outcome or Outcome.REJECTED for item in batch])
        for outcome, number in outcomes.items():
            setattr(self, outcome.value, getattr(self, outcome.value) + number)
        order_lines = importer.order_lines
        self.order_lines += sum([order_lines(item.record) for item in batch
                                 if item.record is not None])

    def summary(self, *, dry_run: bool = False, rolled_back: bool = False) -> str:
        rate = self.order_lines / self.seconds
        text = (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {self.rejected} ({self.orders} {self.noun}, {self.order_lines} lines) "
            f"in {self.seconds:.2f} s, {rate:,.0f} lines/s"
        )
        if dry_run:
            return f"Dry run, nothing written: would have {text}"
        if rolled_back:
            return f"--atomic: rejected rows, nothing written. Would have {text}"
        if self.orders and self.orders == self.unchanged:
            return f"Nothing changed: all {self.orders} {self.noun} were imported before. {text}"
        return text


class Progress:
    """A tqdm bar on a terminal; otherwise a plain line every few seconds."""

    PLAIN_EVERY = 5.0

    def __init__(self, stream: IO[str], *, total_bytes: int | None, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.bar = None
        self.last_plain = time.monotonic()
        self.done_bytes = 0
        if enabled and stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total_bytes, unit="B", unit_scale=True, file=stream,
                            desc="importing", dynamic_ncols=True)

    def update(self, bytes_read: int, stats: ImportStats) -> None:
        if not self.enabled:
            return
        rate = stats.order_lines / stats.seconds
        if self.bar is not None:
            self.bar.update(bytes_read - self.done_bytes)
            self.bar.set_postfix(orders=stats.orders, lines=stats.order_lines,
                                 lines_s=f"{rate:,.0f}", rejected=stats.rejected, refresh=False)
        elif time.monotonic() - self.last_plain >= self.PLAIN_EVERY:
            self.last_plain = time.monotonic()
            self.stream.write(
                f"... {stats.orders} orders, {stats.order_lines} order lines, "
                f"{stats.rejected} rejected, {rate:,.0f} order lines/s\n"
            )
            self.stream.flush()
        self.done_bytes = bytes_read

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _RollBack(Exception):
    """Raised to leave an atomic block, undoing it (dry runs, --atomic with rejections)."""


def batched(items: Iterable[SourceItem], size: int) -> Iterator[list[SourceItem]]:
    batch: list[SourceItem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_import(
    importer: Importer,
    items: Iterable[SourceItem],
    *,
    batch_size: int,
    atomic: bool,
    dry_run: bool,
    actor=None,
    on_error=None,
    on_batch=None,
) -> tuple[ImportStats, bool]:
    """Import the items; return the stats and whether the writes were rolled back.

    Without --atomic or --dry-run each batch is its own transaction. With either, the
    whole run is one transaction, rolled back for a dry run or when any row was rejected.

    On PostgreSQL the batches are written by a second process, on its own connection,
    while this one reads and prepares the next batch: the database and the writer work
    while this process parses and validates (threads would share one interpreter lock).
    Not inside a transaction of the caller's, which another connection could not see,
    nor on SQLite, whose writes happen in this process anyway.
    """
    stats = ImportStats(noun=importer.noun)
    one_transaction = atomic or dry_run

    def prepared(batches: Iterable[list[SourceItem]]) -> Iterator[list[SourceItem]]:
        for batch in batches:
            importer.prepare_batch(readable(batch))
            yield batch

    def write(ready: list[SourceItem]) -> None:
        if not ready:
            return
        try:
            with transaction.atomic():
                importer.import_batch(ready, actor=actor)
        except IntegrityError:
            # Someone else (an API client) wrote one of these orders between the batch's
            # checks and its insert; the batch was undone whole. Once more, it finds that
            # order and follows the rule for existing ones.
            for item in ready:
                item.errors.clear()
                item.outcome = None
            with transaction.atomic():
                importer.import_batch(ready, actor=actor)

    def report(batch: list[SourceItem]) -> None:
        stats.count(batch, importer)
        for item in batch:
            for error in item.errors:
                if not error.key and item.record is not None:
                    error.key = importer.record_key(item.record)
            if item.errors and on_error:
                on_error(item)
        if on_batch:
            on_batch(stats)

    def roll_back_wanted() -> bool:
        return dry_run or stats.rejected > 0

    batches = prepared(batched(items, batch_size))
    with collector_tuned_for_bulk():
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            writer = WriterProcess(write, one_transaction=one_transaction)
            rolled_back = writer.run(batches, report, roll_back_wanted)
        elif one_transaction:
            try:
                with transaction.atomic():
                    for batch in batches:
                        write(readable(batch))
                        report(batch)
                    if roll_back_wanted():
                        raise _RollBack
                rolled_back = False
            except _RollBack:
                rolled_back = True
        else:
            for batch in batches:
                write(readable(batch))
                report(batch)
            rolled_back = False
    return stats, rolled_back


@contextmanager
def collector_tuned_for_bulk():
    """Python's cyclic garbage collector, tuned for a run that makes millions of small,
    short-lived objects: it leaves alone what existed before the run (Django's own
    objects: gc.freeze) and runs its youngest generation every 50,000 allocations instead
    of every 700. Without this, a third of an import's time went to collections."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def readable(batch: list[SourceItem]) -> list[SourceItem]:
    return [item for item in batch if item.record is not None and not item.errors]


class WriterProcess:
    """Writes batches in a forked process with its own database connection, while this
    process prepares the next ones; each written batch's outcomes come back to be
    reported here, in order. At most two batches are with the writer at a time.

    Items travel as (line, record, prepared): the record only when nothing was prepared
    (what the writer needs then), and `prepared` as its class pickles it (compactly, for
    wholesale). The writer dies with this process (a kill -9 leaves no orphan writing).
    """

    def __init__(self, write, *, one_transaction: bool):
        self.write = write
        self.one_transaction = one_transaction
        context = multiprocessing.get_context("fork")
        self.inbox, self.outbox = context.Queue(), context.Queue()
        connections.close_all()  # the child must not share this process's connections
        self.process = context.Process(target=self.main, name="import-writer", daemon=True)

    # --- this process -----------------------------------------------------------------

    def run(self, batches: Iterable[list[SourceItem]], report, roll_back_wanted) -> bool:
        self.process.start()
        in_flight: deque[list[SourceItem]] = deque()
        try:
            for batch in batches:
                self.inbox.put([(item.line, None if item.prepared is not None else item.record,
                                 item.prepared) for item in readable(batch)])
                in_flight.append(batch)
                if len(in_flight) > 1:
                    self.settle(in_flight.popleft(), report)
            while in_flight:
                self.settle(in_flight.popleft(), report)
            self.inbox.put(("end", roll_back_wanted()))
            rolled_back = self.receive()
        except BaseException:
            self.inbox.put(("abort",))  # a bad file, ^C or the writer's error: stop it
            self.process.join(timeout=60)
            raise
        self.process.join(timeout=60)
        return rolled_back

    def settle(self, batch: list[SourceItem], report) -> None:
        """Take the writer's outcomes for the oldest batch sent, and report it."""
        written = readable(batch)
        outcomes, errors = self.receive()
        for item, outcome in zip(written, outcomes, strict=True):
            item.outcome = OUTCOMES[outcome]
        for index, item_errors in errors.items():
            item = written[index]
            item.errors = [RowError(item.line, "", field_name, message)
                           for field_name, message in item_errors]
        report(batch)

    def receive(self):
        while True:
            try:
                kind, value = self.outbox.get(timeout=1)
            except Empty:
                if not self.process.is_alive():
                    raise RuntimeError(f"the import's writer process ended unexpectedly "
                                       f"(exit code {self.process.exitcode})") from None
                continue
            if kind == "error":
                raise value
            return value

    # --- the writer process -----------------------------------------------------------

    def main(self) -> None:
        die_with_parent()
        try:
            if not self.one_transaction:
                self.write_until_end()
                self.outbox.put(("done", False))
                return
            try:
                with transaction.atomic():
                    end = self.write_until_end()
                    if end[0] == "abort" or end[1]:
                        raise _RollBack
                self.outbox.put(("done", False))
            except _RollBack:
                self.outbox.put(("done", True))
        except BaseException as exc:  # raised in the reading process
            self.outbox.put(("error", picklable(exc)))
        finally:
            connections.close_all()
            self.outbox.close()
            self.outbox.join_thread()

    def write_until_end(self) -> tuple:
        while not isinstance(message := self.inbox.get(), tuple):
            items = [SourceItem(line, record, prepared=prepared)
                     for line, record, prepared in message]
            self.write(items)
            # (as plain strings and only the errors there are: this crosses per order)
            self.outbox.put(("written", (
                [item.outcome and item.outcome.value for item in items],
                {index: [(error.field, error.message) for error in item.errors]
                 for index, item in enumerate(items) if item.errors})))
        return message


def die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies (else it is left running)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def error_record(item: SourceItem) -> dict:
    """A rejected order as a JSON Lines record that can be fixed and fed back in."""
    record = dict(item.record) if item.record is not None else {"_raw": item.raw}
    record[ERRORS_KEY] = [error.as_dict() for error in item.errors]
    return record


def read_items(importer: Importer, reader: CountingReader, fmt: str) -> Iterator[SourceItem]:
    if fmt == "jsonl":
        return read_jsonl(reader)
    if fmt == "csv":
        return read_csv(reader, importer)
    raise ImportFileError(f"unknown format {fmt!r}: use jsonl or csv")


def get_importer(domain: str, kind: str = "order_importer") -> Importer:
    """`<domain>.importers.order_importer` (or `catalog_importer`)."""
    import importlib

    from django.conf import settings

    if domain not in settings.DOMAIN_APPS:
        raise ImportFileError(
            f"unknown domain {domain!r}: one of {', '.join(settings.DOMAIN_APPS)}"
        )
    return getattr(importlib.import_module(f"{domain}.importers"), kind)
