"""The panels import, set-based: a batch's orders, items and history in a handful of
statements, each order reading as the API would have written it; re-runs change nothing.
(The framework's own behaviour, through panels, is in tests/orders/test_imports.py.)"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orders.imports import Outcome, SourceItem
from orders.models import OrderEvent
from panels.importers import order_importer
from panels.models import Customer, CustomerPanelOrder, CustomerPanelOrderItem, Panel
from tests.commands import events_by_order, run_command, seed_demo, write_jsonl
from tests.panels.factories import PanelFactory
from tests.panels.test_api import ORDERS_URL, post_json

pytestmark = pytest.mark.django_db

SKUS = ["cardiometabolic-1", "nutri-opt-1", "weight-management-1", "hormone-1"]


@pytest.fixture
def demo():
    return seed_demo("panels")


def record(i: int, *, lines: int = 2, **extra) -> dict:
    return {"external_id": f"s-{i}", "customer_id": 319 + i % 2,
            "order_items": [{"panel_sku": SKUS[(i + n) % 4]} for n in range(lines)], **extra}


def imported():
    return CustomerPanelOrder.objects.filter(external_id__startswith="s-").order_by("id")


def history(orders) -> dict:
    """Each order's events as (action, via, from, to, note), keyed by external id."""
    return events_by_order(CustomerPanelOrder, {o.pk: o.external_id for o in orders})


def batch_import(records, *, actor=None) -> list[SourceItem]:
    """One batch through the importer, in this process, as the runner calls it."""
    items = [SourceItem(i + 1, r) for i, r in enumerate(records)]
    order_importer.prepare_batch(items)  # (on PostgreSQL, in the reading process)
    with transaction.atomic():
        order_importer.import_batch(items, actor=actor)
    return items


def test_a_file_is_written_as_rows_items_and_one_event_per_order(demo, tmp_path):
    records = [record(i, lines=1 + i % 4) for i in range(30)]
    status, out, err = run_command("import_orders", "panels",
                                   write_jsonl(tmp_path / "orders.jsonl", records))
    assert (status, err) == (0, "")
    assert out.startswith("created 30, updated 0, unchanged 0, rejected 0 (30 orders, 73 lines)")
    orders = list(imported().prefetch_related("items__panel"))
    assert [(o.external_id, o.customer_id, o.status, o.canceled_at,
             [(i.position, i.panel.sku) for i in o.items.all()]) for o in orders] == [
        (r["external_id"], r["customer_id"], "created", None,
         [(n, item["panel_sku"]) for n, item in enumerate(r["order_items"])])
        for r in records]
    assert history(orders) == {o.external_id: [("create", "import", "", "created", "")]
                               for o in orders}


def test_an_imported_order_reads_as_the_api_would_show_it(client, demo, tmp_path):
    body = {"customer_id": 319, "order_items": [{"panel_sku": "hormone-1"},
                                                {"panel_sku": "nutri-opt-1"}]}
    created = post_json(client, ORDERS_URL, body, demo["partner"]["token"]).json()
    run_command("import_orders", "panels",
                write_jsonl(tmp_path / "one.jsonl", [{**body, "external_id": "s-1"}]))
    order = imported().get()
    shown = client.get(f"{ORDERS_URL}{order.pk}/", HTTP_AUTHORIZATION=f"Bearer "
                       f"{demo['partner']['token']}").json()
    assert {k: v for k, v in shown.items() if k not in ("id", "created_at")} == {
        k: v for k, v in created.items() if k not in ("id", "created_at")}
    api_events = [(e.action, e.from_state, e.to_state, e.note)
                  for e in OrderEvent.objects.filter(object_id=created["id"])]
    assert [(a, f, t, n) for a, _, f, t, n in history([order])["s-1"]] == api_events


def test_a_canceled_order_is_written_canceled_with_the_apis_two_events(client, demo,
                                                                      tmp_path):
    """Its history reads as the API's create then cancel: two events."""
    token = demo["partner"]["token"]
    body = {"customer_id": 320, "order_items": [{"panel_sku": "hormone-1"}]}
    api_id = post_json(client, ORDERS_URL, body, token).json()["id"]
    client.post(f"{ORDERS_URL}{api_id}/cancel/", HTTP_AUTHORIZATION=f"Bearer {token}")
    status, out, _ = run_command("import_orders", "panels", write_jsonl(
        tmp_path / "one.jsonl", [{**body, "external_id": "s-1", "status": "canceled",
                                  "created_at": "2017-11-24 10:01:00"}]))
    assert status == 0 and out.startswith("created 1,")
    order = imported().get()
    assert (order.status, order.created_at.isoformat()) == ("canceled",
                                                            "2017-11-24T10:01:00+00:00")
    assert order.canceled_at is not None
    api_events = [(e.action, e.from_state, e.to_state, e.note)
                  for e in OrderEvent.objects.filter(object_id=api_id).order_by("id")]
    assert api_events == [("create", "", "created", ""), ("cancel", "created", "canceled", "")]
    assert [(a, f, t, n) for a, _, f, t, n in history([order])["s-1"]] == api_events


def test_a_rerun_and_orders_met_twice_change_nothing(demo, tmp_path):
    records = [record(i) for i in range(12)]
    path = write_jsonl(tmp_path / "orders.jsonl", [*records, records[3]])
    status, out, _ = run_command("import_orders", "panels", path, "--batch-size", "5")
    assert status == 0 and out.startswith("created 12, updated 0, unchanged 1, rejected 0")
    snapshot = (list(imported().values_list("id", "external_id", "customer_id", "status")),
                CustomerPanelOrderItem.objects.count(), OrderEvent.objects.count())
    status, out, _ = run_command("import_orders", "panels", path, "--batch-size", "5")
    assert status == 0
    assert out.startswith("Nothing changed: all 13 orders were imported before.")
    assert (list(imported().values_list("id", "external_id", "customer_id", "status")),
            CustomerPanelOrderItem.objects.count(), OrderEvent.objects.count()) == snapshot


def test_csv_rows_of_one_order_become_its_items(demo, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("external_id,customer_id,status,created_at,panel_sku\n"
                    "s-1,319,,,hormone-1\ns-1,319,,,nutri-opt-1\n"
                    "s-2,320,canceled,2017-11-24 10:01:00,hormone-1\n"
                    "s-3,abc,,,hormone-1\n")
    status, out, err = run_command("import_orders", "panels", str(path))
    assert status == 1 and out.startswith("created 2, updated 0, unchanged 0, rejected 1")
    assert "line 5 [s-3] customer_id: Must be an integer, got 'abc'." in err
    assert [(o.external_id, o.status, [i.panel.sku for i in o.items.all()])
            for o in imported()] == [("s-1", "created", ["hormone-1", "nutri-opt-1"]),
                                     ("s-2", "canceled", ["hormone-1"])]


def test_a_bad_order_in_a_batch_is_rejected_alone(demo):
    items = batch_import([record(0), {**record(1), "customer_id": 10**12},
                          {**record(2), "order_items": [{"panel_sku": "nope"}]}, record(3)])
    assert [item.outcome for item in items] == [Outcome.CREATED, Outcome.REJECTED,
                                                Outcome.REJECTED, Outcome.CREATED]
    assert [(e.field, e.message) for e in items[1].errors] == [
        ("customer_id", "No customer with id 1000000000000.")]
    assert [(e.field, e.message) for e in items[2].errors] == [
        ("order_items", "Unknown or inactive panel sku 'nope'.")]
    assert list(imported().values_list("external_id", flat=True)) == ["s-0", "s-3"]


@pytest.mark.parametrize("size", [5, 50])
def test_a_batch_costs_the_same_queries_whatever_its_size(demo, size,
                                                          django_assert_max_num_queries):
    """Orders, items and events of a batch in a handful of statements (sizes kept within
    one SQLite statement's parameters; the PostgreSQL test below goes to 2,000)."""
    records = [record(i, status="canceled" if i % 5 == 0 else "created") for i in range(size)]
    with django_assert_max_num_queries(12):
        items = batch_import(records)
    assert all(item.outcome == Outcome.CREATED for item in items)
    assert imported().count() == size
    assert CustomerPanelOrderItem.objects.filter(order__in=imported()).count() == 2 * size


@pytest.mark.postgres
def test_a_batch_of_two_thousand_costs_as_many_queries_as_one_of_ten(demo):
    customers = [Customer.objects.create(partner_id=Customer.objects.get(pk=319).partner_id,
                                         first_name="A", last_name=f"B{i}") for i in range(50)]
    skus = [PanelFactory(sku=f"bulk-{i}").sku for i in range(100)]

    def queries(start, size):
        records = [{"external_id": f"s-{start + i}", "customer_id": customers[i % 50].pk,
                    "order_items": [{"panel_sku": skus[(i + n) % 100]} for n in range(5)]}
                   for i in range(size)]
        items = [SourceItem(i + 1, r) for i, r in enumerate(records)]
        with CaptureQueriesContext(connection) as captured:
            order_importer.prepare_batch(items)
            with transaction.atomic():
                order_importer.import_batch(items)
        assert all(item.outcome == Outcome.CREATED for item in items)
        return len(captured)

    assert queries(0, 10) == queries(10, 2000)
    assert CustomerPanelOrderItem.objects.filter(order__in=imported()).count() == 2010 * 5


def test_a_rerun_after_a_panel_is_retired_leaves_its_orders_unchanged(demo, tmp_path):
    """An order imported before is not checked again (as before the set-based import);
    a new order naming the retired panel is refused."""
    path = write_jsonl(tmp_path / "orders.jsonl", [record(i) for i in range(4)])
    assert run_command("import_orders", "panels", path)[0] == 0
    Panel.objects.filter(sku="hormone-1").update(is_active=False)
    status, out, _ = run_command("import_orders", "panels", path)
    assert status == 0 and out.startswith("Nothing changed: all 4 orders were imported before.")
    status, _, err = run_command("import_orders", "panels", write_jsonl(
        tmp_path / "new.jsonl", [{**record(9), "order_items": [{"panel_sku": "hormone-1"}]}]))
    assert status == 1 and "Unknown or inactive panel sku 'hormone-1'." in err


def test_a_batch_tried_again_after_a_conflict_is_resolved_and_written_once(demo):
    """The runner tries a batch once more after an IntegrityError (another writer got
    there first): its orders are resolved again and written once, with one history."""
    from django.db import IntegrityError

    from orders.imports import run_import

    class ConflictOnce(type(order_importer)):
        tries = 0

        def orders_write(self, items, *, actor=None):
            self.tries += 1
            super().orders_write(items, actor=actor)
            if self.tries == 1:
                raise IntegrityError("as if a concurrent import wrote one of them")

    importer = ConflictOnce()
    items = [SourceItem(i + 1, record(i)) for i in range(6)]
    stats, _ = run_import(importer, items, batch_size=10, atomic=False, dry_run=False)
    assert (importer.tries, stats.created) == (2, 6)
    assert imported().count() == 6
    assert CustomerPanelOrderItem.objects.filter(order__in=imported()).count() == 12
    assert history(imported()) == {o.external_id: [("create", "import", "", "created", "")]
                                   for o in imported()}
