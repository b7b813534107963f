"""The pipelined import on PostgreSQL: batches are written by a second process, on its
own connection, while the next batch is read and prepared (orders.imports.run_import).

These tests commit for real (transaction=True): the writer's connection cannot see a
test's open transaction, so within one the import runs in a single process instead.
"""

import json
import os

import pytest

from orders.imports import ImportFileError, SourceItem, run_import
from panels.importers import order_importer
from panels.models import CustomerPanelOrder
from tests.commands import run_command, seed_demo

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    seed_demo()


class Interrupted(Exception):
    pass


def records(count, *, bad_every=0):
    return [
        {"external_id": f"p-{i}", "customer_id": 319 + i % 2,
         "order_items": [{"panel_sku": "nope" if bad_every and i % bad_every == 0
                          else "hormone-1"}, {"panel_sku": "nutri-opt-1"}]}
        for i in range(count)
    ]


def items(count, **kwargs):
    return [SourceItem(i + 1, r) for i, r in enumerate(records(count, **kwargs))]


def imported():
    return CustomerPanelOrder.objects.filter(external_id__startswith="p-")


class WriterCheckingImporter(type(order_importer)):
    """Prepares in the reading process and refuses to write there; can fail midway."""

    def __init__(self, fail_on_batch=0):
        self.reader_pid = os.getpid()
        self.fail_on_batch = fail_on_batch
        self.batches = 0

    def prepare_batch(self, items):
        assert os.getpid() == self.reader_pid, "prepared by the writer process"
        super().prepare_batch(items)

    def import_batch(self, items, *, actor=None):
        assert os.getpid() != self.reader_pid, "written by the reading process"
        self.batches += 1  # (in the writer's copy of this importer)
        if self.batches == self.fail_on_batch:
            super().import_batch(items[:1], actor=actor)  # part of the batch, then a failure
            raise Interrupted
        super().import_batch(items, actor=actor)


def test_batches_are_written_by_the_writer_process_and_reported_in_full(demo):
    errors = []
    stats, rolled_back = run_import(WriterCheckingImporter(), items(23, bad_every=10),
                                    batch_size=5, atomic=False, dry_run=False,
                                    on_error=errors.append)
    assert (stats.created, stats.rejected, rolled_back) == (20, 3, False)
    assert [item.line for item in errors] == [1, 11, 21]
    assert imported().count() == 20
    assert all(order.items.count() == 2 for order in imported())


def test_a_failure_in_the_writer_is_raised_and_leaves_the_whole_batches_before_it(demo):
    with pytest.raises(Interrupted):
        run_import(WriterCheckingImporter(fail_on_batch=3), items(40), batch_size=5,
                   atomic=False, dry_run=False)
    assert imported().count() == 10  # batches 1 and 2; the third was undone whole
    stats, _ = run_import(order_importer, items(40), batch_size=5, atomic=False,
                          dry_run=False)
    assert (stats.created, stats.unchanged) == (30, 10)


@pytest.mark.parametrize("flag", ["atomic", "dry_run"])
def test_a_failure_in_the_writer_of_a_one_transaction_run_writes_nothing(demo, flag):
    with pytest.raises(Interrupted):
        run_import(WriterCheckingImporter(fail_on_batch=3), items(40), batch_size=5,
                   **{"atomic": False, "dry_run": False, flag: True})
    assert imported().count() == 0


@pytest.mark.parametrize("atomic, kept", [(False, 10), (True, 0)])
def test_a_reading_error_midway_stops_the_writer(demo, atomic, kept):
    """A file that turns unreadable after 12 orders: the batches handed over before are
    written (or, with --atomic, nothing), and the error reaches the caller."""

    def source():
        yield from items(12)
        raise ImportFileError("disk went away")

    with pytest.raises(ImportFileError, match="disk went away"):
        run_import(order_importer, source(), batch_size=5, atomic=atomic, dry_run=False)
    assert imported().count() == kept


def test_the_command_reports_and_writes_the_errors_file_from_the_writer(demo, tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records(30, bad_every=7)))
    errors_path = tmp_path / "errors.jsonl"
    status, out, err = run_command("import_orders", "panels", str(path), "--batch-size", "4",
                                   "--errors", str(errors_path))
    assert status == 1
    assert out.startswith("created 25, updated 0, unchanged 0, rejected 5")
    assert err.count("order_items: Unknown or inactive panel sku 'nope'.") == 5
    rejected = [json.loads(line) for line in errors_path.read_text().splitlines()]
    assert [r["external_id"] for r in rejected] == ["p-0", "p-7", "p-14", "p-21", "p-28"]
    assert all(r["_errors"][0]["line"] == int(r["external_id"][2:]) + 1 for r in rejected)
