"""The labs input layer's typed values and the set-based import: rows, lines, events,
re-runs, and a batch's queries whatever its size."""

import pickle
from datetime import UTC, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from labs import inputs
from labs.importers import order_importer
from labs.models import LabOrder, Orderer, Sample, Test
from orders.imports import Outcome, SourceItem
from orders.inputs import InputErrors
from orders.models import OrderEvent
from tests.commands import run_command as run
from tests.commands import write_jsonl

pytestmark = pytest.mark.django_db


def record(company_id, number, **changes):
    """An order of five samples (one with two tests) of a new orderer, every third one
    completed with its tests' times."""
    done = number % 3 == 0
    test = {"status": "completed", "updated_at": "2025-10-02T10:00:00Z"} if done else {}
    return {
        "external_id": f"bulk-{number}", "company_id": company_id,
        "orderer_email": f"bulk-{number % 4}@lightlabs.com",
        "orderer_name": f"Bulk {number % 4}",
        "status": "completed" if done else "created",
        "payment_status": "paid" if done else "draft",
        "created_at": "2025-10-01T08:00:00Z",
        "samples": [{"sku_id": 16, "lot": f"L-{number}-{n}", "composite": n == 4,
                     "number_of_composites": 2 if n == 4 else 1,
                     "tests": [{"assay_id": 69, **test}]
                     + ([{"assay_id": 243, **test}] if n == 0 else [])}
                    for n in range(5)],
        **changes,
    }


def history(order_id):
    return [(e.action, e.from_state, e.to_state, e.via, e.note, e.actor_id)
            for e in OrderEvent.objects.filter(
                content_type=ContentType.objects.get_for_model(LabOrder), object_id=order_id)]


class TestInputs:
    def test_a_record_is_typed_values_that_pickle(self):
        order = inputs.order_record_parse(record(1, 0))
        assert isinstance(order, inputs.OrderInput)
        assert (order.company_id, order.orderer_email, order.status) == (
            1, "bulk-0@lightlabs.com", "completed")
        first = order.samples[0]
        assert isinstance(first, inputs.SampleInput) and first.tests_given
        assert first.tests[0] == inputs.TestInput(
            69, "completed", datetime(2025, 10, 1, 8, tzinfo=UTC),
            datetime(2025, 10, 2, 10, tzinfo=UTC))
        assert pickle.loads(pickle.dumps(order)) == order

    def test_the_admins_body_is_a_new_draft(self):
        order = inputs.order_parse({"orderer": {"email": "A@B.example", "name": " Ann "},
                                    "samples": [{"sku_id": 16, "assay_ids": [69, 243]}]})
        assert (order.company_id, order.orderer_email, order.orderer_name) == (
            None, "a@b.example", "Ann")
        assert (order.status, order.payment_status, order.external_id) == (
            "created", "draft", None)
        assert [(t.assay_id, t.status, t.created_at) for t in order.samples[0].tests] == [
            (69, "not_started", order.created_at), (243, "not_started", order.created_at)]

    def test_the_admins_body_takes_no_import_fields(self):
        """What only an import record carries (the company, states, tests) is not part
        of the admin's body: it is ignored there, not taken."""
        body = {"orderer": {"email": "a@b.example", "name": "Ann"}, "status": "completed",
                "samples": [{"sku_id": 16, "assay_ids": [69],
                             "tests": [{"assay_id": 243}]}]}
        order = inputs.order_parse(body)
        assert order.status == "created"
        assert [t.assay_id for t in order.samples[0].tests] == [69]

    def test_every_fault_is_named_at_once(self):
        with pytest.raises(InputErrors) as info:
            inputs.order_record_parse({
                "company_id": "1", "orderer_email": "nope", "status": "lost",
                "samples": [{"sku_id": 16, "assay_ids": [69], "composite": "yes"}, 7]})
        assert info.value.as_dict() == {
            "company_id": ["No company with id '1'."],
            "orderer_email": ["Enter a valid email address, got 'nope'."],
            "status": ["'lost' is not one of: created, completed, canceled."],
            "samples[0].composite": ["Must be true or false, got 'yes'."],
            "samples[1]": ["A sample must be an object."],
        }

    def test_a_test_with_only_its_update_time_was_made_with_its_order(self):
        order = inputs.order_record_parse(record(1, 1, samples=[
            {"sku_id": 16, "tests": [{"assay_id": 69, "updated_at": "2025-10-05T00:00:00Z"},
                                     {"assay_id": 243, "created_at": "2025-10-03T00:00:00Z"}]}]))
        [only_updated, only_created] = order.samples[0].tests
        assert (only_updated.created_at, only_updated.updated_at) == (
            order.created_at, datetime(2025, 10, 5, tzinfo=UTC))
        assert only_created.created_at == only_created.updated_at == datetime(
            2025, 10, 3, tzinfo=UTC)


class TestSetBasedImport:
    def test_orders_samples_tests_and_one_event_each(self, demo, tmp_path):
        company_id = demo["company"]["company_id"]
        path = write_jsonl(tmp_path / "bulk.jsonl", [record(company_id, n) for n in range(12)])
        before = (LabOrder.objects.count(), Sample.objects.count(), Test.objects.count())
        status, out, err = run("import_orders", "labs", path, "--no-progress",
                               "--batch-size", "5")
        assert (status, err) == (0, "")
        assert out.startswith("created 12, updated 0, unchanged 0, rejected 0 "
                              "(12 orders, 60 lines)")
        assert (LabOrder.objects.count(), Sample.objects.count(), Test.objects.count()) == (
            before[0] + 12, before[1] + 60, before[2] + 72)
        imported = LabOrder.objects.filter(external_id__startswith="bulk-").order_by("id")
        assert [o.external_id for o in imported] == [f"bulk-{n}" for n in range(12)]
        assert Orderer.objects.filter(email__startswith="bulk-").count() == 4
        done = imported.get(external_id="bulk-3")
        assert (done.status, done.payment_status, done.orderer.name) == (
            "completed", "paid", "Bulk 3")
        samples = list(done.samples.all())
        assert [(s.lot, s.composite, s.number_of_composites) for s in samples] == [
            ("L-3-0", False, 1), ("L-3-1", False, 1), ("L-3-2", False, 1),
            ("L-3-3", False, 1), ("L-3-4", True, 2)]
        assert [(t.assay_id, t.status, t.created_at, t.updated_at.day)
                for t in samples[0].tests.all()] == [
            (69, "completed", done.created_at, 2), (243, "completed", done.created_at, 2)]
        # One event per order, as an order the admin adds gets (only `via` differs).
        for order in imported:
            assert history(order.pk) == [("create", "", order.status, "import", "", None)]

        status, out, _ = run("import_orders", "labs", path, "--no-progress")
        assert out.startswith("Nothing changed: all 12 orders were imported before.")
        assert LabOrder.objects.filter(external_id__startswith="bulk-").count() == 12
        assert OrderEvent.objects.filter(object_id__in=imported.values("pk"),
                                         content_type__model="laborder").count() == 12

    def test_a_batchs_queries_do_not_grow_with_its_size(self, demo,
                                                       django_assert_max_num_queries):
        company_id = demo["company"]["company_id"]

        def batch(start, size):
            items = [SourceItem(n, record(company_id, n)) for n in range(start, start + size)]
            order_importer.prepare_batch(items)
            return items

        # (20 orders: 100 samples, 120 tests, within one bulk_create each on SQLite,
        # which splits bigger ones to stay under its 999 parameters; PostgreSQL's COPY
        # takes any number)
        small, large = batch(0, 3), batch(100, 20 if connection.vendor == "sqlite" else 200)
        # The same kinds of rows in each: a revisit, a bad reference, new orderers.
        for items in (small, large):
            items[-1].prepared = items[-1].prepared._replace(company_id=424242)
        large[1].prepared = large[1].prepared._replace(external_id="bulk-0")
        with CaptureQueriesContext(connection) as queries:
            order_importer.import_batch(small)
        assert [item.outcome for item in small] == [Outcome.CREATED] * 2 + [Outcome.REJECTED]
        with django_assert_max_num_queries(len(queries)):
            order_importer.import_batch(large)
        assert large[1].outcome == Outcome.UNCHANGED
        assert sum(item.outcome == Outcome.CREATED for item in large) == len(large) - 2
        assert len(queries) <= 20, [q["sql"][:80] for q in queries]  # (SQLite: 3 per new_ids)
