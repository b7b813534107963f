"""The forked process that writes batches on PostgreSQL while the next is prepared."""

from __future__ import annotations

import ctypes
import multiprocessing
import pickle
import signal
from collections import deque
from collections.abc import Iterable
from queue import Empty

from django.db import connections, transaction

from orders.imports.records import OUTCOMES, RowError, SourceItem, readable


class _RollBack(Exception):
    """Raised to leave an atomic block, undoing it (dry runs, --atomic with rejections)."""


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
