"""Running an import: batches, transactions, the writer process, the stats."""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction

from orders.imports.importers import Importer
from orders.imports.records import ImportFileError, Outcome, SourceItem, readable
from orders.imports.writer import WriterProcess, _RollBack


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


def get_importer(domain: str, kind: str = "order_importer") -> Importer:
    """`<domain>.importers.order_importer` (or `catalog_importer`)."""
    import importlib

    from django.conf import settings

    if domain not in settings.DOMAIN_APPS:
        raise ImportFileError(
            f"unknown domain {domain!r}: one of {', '.join(settings.DOMAIN_APPS)}"
        )
    return getattr(importlib.import_module(f"{domain}.importers"), kind)
