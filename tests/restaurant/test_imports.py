"""import_orders / export_orders / import_catalog for the restaurant domain."""

import csv
import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count

from orders.models import OrderEvent
from restaurant.models import Address, Menu, Order, OrderMenu, OrderTotal, StatusHistory
from tests.commands import events_by_order, kill_9_when, run_subprocess, write_jsonl
from tests.commands import run_command as run
from tests.restaurant.factories import StaffFactory
from tests.restaurant.test_api import INVALID_CREATES, ORDERS_URL, SEED_PAYLOAD, send

pytestmark = pytest.mark.django_db
EXAMPLES = settings.BASE_DIR / "examples"


def record(external_id, **changes):
    return {**SEED_PAYLOAD, "external_id": external_id, **changes}


def counts():
    return (Order.objects.count(), OrderMenu.objects.count(), OrderTotal.objects.count(),
            StatusHistory.objects.count(), OrderEvent.objects.count())


def events_of(order):
    return list(OrderEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Order), object_id=order.pk
    ).values_list("action", "via", "to_state"))


def orders_snapshot():
    """Every order as export keys it, with its lines, totals, status and history."""
    def address(order):
        a = order.address
        return a and (a.address_1, a.address_2, a.city, a.state, a.postcode, a.country)

    return sorted(
        (
            o.external_id or f"restaurant-{o.pk}", o.customer_id, o.location_id,
            address(o), o.first_name, o.last_name, o.email, o.telephone, o.comment,
            o.notify, o.order_type, o.order_date, o.order_time, o.processed, o.total_items,
            o.order_total, o.currency, o.payment_method_id, o.invoice_prefix, o.invoice_date,
            o.status_id, o.status_updated_at, o.assignee_id, o.assignee_group_id,
            o.assignee_updated_at, o.hash, o.ip_address, o.user_agent, o.created_at,
            tuple((m.menu_id, m.name, m.qty, m.price, m.subtotal, m.comment,
                   json.dumps(m.options)) for m in o.order_menus.all()),
            tuple((t.code, t.title, t.value, t.priority) for t in o.order_totals.all()),
            tuple((h.status_id, h.staff_id, h.comment, h.notify, h.created_at)
                  for h in o.status_history.all()),
        )
        for o in Order.objects.select_related("address").prefetch_related(
            "order_menus", "order_totals", "status_history")
    )


def delete_orders_and_events():
    OrderEvent.objects.filter(content_type=ContentType.objects.get_for_model(Order)).delete()
    Order.objects.all().delete()


class TestImport:
    @pytest.mark.parametrize("name", ["restaurant-orders.jsonl", "restaurant-orders.csv"])
    def test_example_files_import_with_history_and_rerun_changes_nothing(self, demo, name):
        status, out, err = run("import_orders", "restaurant", str(EXAMPLES / name),
                               "--no-progress")
        assert (status, err) == (0, "")
        assert out.startswith("created 2, updated 0, unchanged 0, rejected 0 (2 orders, "
                              "3 lines)")

        first = Order.objects.get(external_id="till-7-0001")
        assert (first.customer_id, first.first_name, first.order_type, first.status.name,
                first.total_items, first.order_total, first.processed) == (
            1, "Tucker", "collection", "Received", 3, Decimal("14.97"), True)
        assert first.created_at.isoformat() == "2021-03-01T09:41:07+00:00"
        assert [(h.status_id, h.comment) for h in first.status_history.all()] == [
            (1, "My comment")]
        assert [(t.code, t.value) for t in first.order_totals.all()] == [
            ("subtotal", Decimal("14.97")), ("total", Decimal("14.97"))]
        assert events_of(first) == [("create", "import", "Received")]

        second = Order.objects.get(external_id="till-7-0002")
        assert (second.customer_id, second.address.address_1, second.address.postcode) == (
            None, "12 High Street", "E1 6AN")
        assert [(m.qty, m.price, m.subtotal, m.comment, m.options)
                for m in second.order_menus.all()] == [
            (2, Decimal("4.99"), Decimal("9.98"), "extra sugar", []),
            (1, Decimal("4.99"), Decimal("4.99"), "", [{"name": "Dip",
                                                        "value": "Pepper sauce"}])]
        assert [(h.status.name, h.comment, h.created_at.isoformat())
                for h in second.status_history.all()] == [
            ("Received", "", "2021-03-01T18:05:00+00:00"),
            ("Canceled", "Customer called to cancel", "2021-03-01T18:20:00+00:00")]
        assert (second.status.name, second.status_updated_at.isoformat()) == (
            "Canceled", "2021-03-01T18:20:00+00:00")
        assert events_of(second) == [("create", "import", "Canceled")]

        before = counts()
        status, out, _ = run("import_orders", "restaurant", str(EXAMPLES / name),
                             "--no-progress")
        assert status == 0
        assert out.startswith("Nothing changed: all 2 orders were imported before.")
        assert counts() == before

    def test_the_same_external_id_twice_in_one_file_makes_one_order(self, demo, tmp_path):
        path = write_jsonl(tmp_path / "twice.jsonl", [record("dup-1"), record("dup-1")])
        status, out, _ = run("import_orders", "restaurant", path, "--no-progress")
        assert status == 0 and out.startswith("created 1, updated 0, unchanged 1,")
        assert Order.objects.filter(external_id="dup-1").count() == 1

    def test_bad_rows_are_reported_and_good_rows_imported(self, demo, tmp_path):
        path = write_jsonl(tmp_path / "mixed.jsonl", [
            record("ok-1"),
            record("bad-menu", order_menus=[{"id": 1, "qty": 1}, {"id": 999, "qty": 1}]),
            record("bad-history", status_history=[{"status_id": 42}]),
            record("bad-time", created_at="yesterday", hash="xyz"),
            record("ok-2", order_type="delivery", address={"address_1": "1 Road"}),
        ])
        with open(path, "a") as f:
            f.write("{broken\n")
        errors_path = tmp_path / "errors.jsonl"
        before = counts()
        status, out, err = run("import_orders", "restaurant", path, "--no-progress",
                               "--errors", str(errors_path))
        assert status == 1
        assert out.startswith("created 2, updated 0, unchanged 0, rejected 4")
        assert ("line 2 [bad-menu] order_menus[1].id: The selected menu id 999 does not "
                "exist.") in err
        assert ("line 3 [bad-history] status_history[0].status_id: The selected status_id "
                "is invalid: no status with id 42.") in err
        assert "line 4 [bad-time] created_at: The created_at is not a valid date" in err
        assert "line 4 [bad-time] hash: The hash must be 32 lowercase hex characters" in err
        assert "line 6 json: not valid JSON" in err
        assert set(Order.objects.exclude(external_id=None)
                   .values_list("external_id", flat=True)) == {"ok-1", "ok-2"}
        assert counts()[0] == before[0] + 2

        rejected = [json.loads(line) for line in errors_path.read_text().splitlines()]
        assert [r.get("external_id") for r in rejected] == [
            "bad-menu", "bad-history", "bad-time", None]
        assert rejected[0]["_errors"] == [{
            "line": 2, "key": "bad-menu", "field": "order_menus[1].id",
            "message": "The selected menu id 999 does not exist."}]
        fixed = rejected[0] | {"order_menus": [{"id": 1, "qty": 2}]}
        status, out, _ = run("import_orders", "restaurant",
                             write_jsonl(tmp_path / "fixed.jsonl", [fixed]), "--no-progress")
        assert status == 0 and out.startswith("created 1,")

    def test_bad_csv_cells_are_named_as_the_api_names_them(self, demo, tmp_path):
        header = "external_id,location_id,first_name,last_name,email,order_type," \
                 "order_total,order_totals,menu_id,qty\n"
        totals = '"[{""code"": ""total"", ""title"": ""Total"", ""value"": 5}]"'
        path = tmp_path / "bad.csv"
        path.write_text(
            header
            + f"c-1,1,Ann,Lee,ann@example.com,collection,5,{totals},1,1\n"
            + f"c-1,1,Ann,Lee,ann@example.com,collection,5,{totals},1,two\n"
            + "c-2,1,Bo,Lee,bo@example.com,collection,5,[not json,1,1\n"
            + f"c-3,1,Cy,Lee,cy@example.com,takeaway,5,{totals},1,1\n"
            + f"c-4,1,Di,Lee,di@example.com,collection,5,{totals},1,2\n"
        )
        status, out, err = run("import_orders", "restaurant", str(path), "--no-progress")
        assert status == 1
        assert out.startswith("created 1, updated 0, unchanged 0, rejected 3")
        assert ("line 2 [c-1] order_menus[1].qty: The qty must be an integer of at least 1, "
                "got 'two'.") in err
        assert "line 4 [c-2] order_totals: The order_totals cell must be JSON" in err
        assert "line 5 [c-3] order_type: The order_type must be 'delivery' or " in err
        assert Order.objects.get(external_id="c-4").total_items == 2

    @pytest.mark.parametrize("flag", ["--atomic", "--dry-run"])
    def test_atomic_and_dry_run_write_nothing_on_a_bad_file(self, demo, tmp_path, flag):
        path = write_jsonl(tmp_path / "bad.jsonl", [
            record("a-1"), record("a-2", order_menus=[{"id": 1, "qty": 0}])])
        before = counts()
        status, out, err = run("import_orders", "restaurant", path, flag, "--batch-size", "1",
                               "--no-progress")
        assert status == 1
        assert "nothing written" in out
        assert "line 2 [a-2] order_menus[0].qty: The qty must be an integer" in err
        assert counts() == before

    def test_dry_run_of_a_good_file_writes_nothing(self, demo):
        before = counts()
        status, out, _ = run("import_orders", "restaurant",
                             str(EXAMPLES / "restaurant-orders.jsonl"), "--dry-run",
                             "--no-progress")
        assert status == 0
        assert out.startswith("Dry run, nothing written: would have created 2,")
        assert counts() == before


def api_field(pointer_field: str) -> str:
    """The API's pointer path (`order_menus/0/id`) as import names it (`order_menus[0].id`)."""
    return re.sub(r"/(\d+)", r"[\1]", pointer_field).replace("/", ".")


class TestParityWithTheApi:
    @pytest.mark.parametrize("body,field", INVALID_CREATES)
    def test_importer_rejects_what_the_api_rejects(self, client, demo, tmp_path, body, field):
        api = send(client, "post", ORDERS_URL, body, demo["writer"]["token"])
        assert api.status_code == 422
        assert [e["source"]["pointer"] for e in api.json()["errors"]] == [
            f"/data/attributes/{field}"]
        before = counts()
        status, out, err = run("import_orders", "restaurant",
                               write_jsonl(tmp_path / "one.jsonl", [body]), "--no-progress")
        assert status == 1 and "rejected 1" in out
        assert [line.split(": ", 1)[0] for line in err.splitlines()[:-1]] == [
            f"line 1 [email={body['email']}] {api_field(field)}" if body.get("email")
            else f"line 1 {api_field(field)}"]
        assert api.json()["errors"][0]["detail"] in err
        assert counts() == before

    def test_importer_accepts_what_the_api_accepts(self, client, demo, tmp_path):
        assert send(client, "post", ORDERS_URL, SEED_PAYLOAD,
                    demo["writer"]["token"]).status_code == 201
        status, out, _ = run("import_orders", "restaurant",
                             write_jsonl(tmp_path / "one.jsonl", [SEED_PAYLOAD]),
                             "--no-progress")
        assert status == 0 and out.startswith("created 1,")
        api_order, imported = Order.objects.order_by("-id")[:2][::-1]
        assert (imported.total_items, imported.order_total, imported.status_id) == (
            api_order.total_items, api_order.order_total, api_order.status_id)


class TestExportRoundTrip:
    @pytest.fixture
    def orders(self, client, demo):
        """The example orders, one made through the API and moved on by staff, and none
        the API could not have made: the seed's order 1 has no order_totals."""
        Order.objects.filter(pk=1).delete()
        call_command("import_orders", "restaurant", str(EXAMPLES / "restaurant-orders.jsonl"),
                     "--no-progress", stdout=StringIO())
        writer = demo["writer"]["token"]
        staff = StaffFactory()
        body = {**SEED_PAYLOAD, "customer_id": 1, "notify": True, "assignee_id": staff.pk,
                "assignee_group_id": 1, "ip_address": "10.0.0.7",
                "order_menus": [{"id": 1, "qty": 2, "options": {"size": "large"}}]}
        response = send(client, "post", ORDERS_URL, body, writer)
        assert response.status_code == 201
        order_id = response.json()["data"]["id"]
        assert send(client, "patch", f"{ORDERS_URL}/{order_id}", {"status_id": 3},
                    writer).status_code == 200

    @pytest.mark.parametrize("fmt", ["jsonl", "csv"])
    def test_export_then_import_into_an_empty_database_gives_the_same_orders(
        self, demo, orders, tmp_path, fmt
    ):
        path = str(tmp_path / f"export.{fmt}")
        status, out, _ = run("export_orders", "restaurant", path)
        assert status == 0 and "Exported 3 restaurant order(s)" in out
        exported = orders_snapshot()
        assert [len(o[-1]) for o in exported] == [2, 1, 2]  # status history entries

        delete_orders_and_events()
        status, out, err = run("import_orders", "restaurant", path, "--no-progress")
        assert (status, err) == (0, "")
        assert out.startswith("created 3, updated 0, unchanged 0, rejected 0")
        assert orders_snapshot() == exported
        assert all(events_of(o)[0][:2] == ("create", "import") for o in Order.objects.all())

        status, out, _ = run("import_orders", "restaurant", path, "--no-progress")
        assert out.startswith("Nothing changed: all 3 orders were imported before.")

    @pytest.mark.parametrize("fmt", ["jsonl", "csv"])
    def test_reimporting_an_export_into_the_same_database_changes_nothing(
        self, client, demo, tmp_path, fmt
    ):
        """Orders without an external id are exported as `restaurant-<id>`; fed back in,
        they are recognised as themselves (not refused for their own hash; the seed's order
        the API could not have made too), not created again."""
        call_command("import_orders", "restaurant", str(EXAMPLES / "restaurant-orders.jsonl"),
                     "--no-progress", stdout=StringIO())
        response = send(client, "post", ORDERS_URL, {**SEED_PAYLOAD, "customer_id": 1},
                        demo["writer"]["token"])
        assert response.status_code == 201
        path = tmp_path / f"export.{fmt}"
        run("export_orders", "restaurant", str(path))
        with open(path, newline="") as file:
            rows = csv.DictReader(file) if fmt == "csv" else map(json.loads, file)
            keys = {row["external_id"] for row in rows}
        assert keys == {"restaurant-1", f"restaurant-{response.json()['data']['id']}",
                        "till-7-0001", "till-7-0002"}
        before = (orders_snapshot(), counts())

        status, out, err = run("import_orders", "restaurant", str(path), "--no-progress")
        assert (status, err) == (0, "")
        assert out.startswith("Nothing changed: all 4 orders were imported before.")
        assert (orders_snapshot(), counts()) == before

    @pytest.mark.parametrize("key", ["restaurant-01", "restaurant-{imported}",
                                     "restaurant-{missing}", "restaurant-99999999999999999999",
                                     "restaurant-1.5", "restaurant-"])
    def test_a_restaurant_key_that_names_no_order_of_ours_makes_a_new_order(
        self, demo, tmp_path, key
    ):
        """Only `restaurant-<id>` as export writes it, of an order that has no external id
        of its own, is that order; any other such key is an external id like any other."""
        call_command("import_orders", "restaurant", str(EXAMPLES / "restaurant-orders.jsonl"),
                     "--no-progress", stdout=StringIO())
        key = key.format(imported=Order.objects.get(external_id="till-7-0001").pk,
                         missing=Order.objects.order_by("-pk").first().pk + 1000)
        before = orders_snapshot()
        status, out, err = run("import_orders", "restaurant",
                               write_jsonl(tmp_path / "one.jsonl", [record(key)]),
                               "--no-progress")
        assert (status, err) == (0, "")
        assert out.startswith("created 1, updated 0, unchanged 0, rejected 0")
        assert Order.objects.filter(external_id=key).count() == 1
        assert [row for row in orders_snapshot() if row[0] != key] == before

    def test_an_order_the_api_could_not_make_is_exported_and_refused_by_name(
        self, demo, tmp_path
    ):
        path = str(tmp_path / "seed.jsonl")
        run("export_orders", "restaurant", path)
        [exported] = [json.loads(line) for line in open(path)]
        assert (exported["external_id"], exported["order_totals"]) == ("restaurant-1", [])
        delete_orders_and_events()
        status, _, err = run("import_orders", "restaurant", path, "--no-progress")
        assert status == 1
        assert "line 1 [restaurant-1] order_totals: The order_totals field is required" in err

    def test_export_filters_by_status_id_or_name_and_time(self, demo, tmp_path):
        call_command("import_orders", "restaurant", str(EXAMPLES / "restaurant-orders.jsonl"),
                     "--no-progress", stdout=StringIO())

        def exported(*args):
            path = tmp_path / "out.jsonl"
            run("export_orders", "restaurant", str(path), *args)
            return [json.loads(line)["external_id"] for line in path.read_text().splitlines()]

        assert exported("--status", "canceled") == ["till-7-0002"]
        assert exported("--status", "6") == ["till-7-0002"]
        assert exported("--created-after", "2021-01-01T00:00:00Z",
                        "--created-before", "2021-03-01T12:00:00Z") == ["till-7-0001"]

    def test_export_costs_no_query_per_order(self, demo, tmp_path, django_assert_max_num_queries):
        from restaurant.importers import order_importer

        for i in range(10):
            call_command("import_orders", "restaurant", write_jsonl(
                tmp_path / f"{i}.jsonl", [record(f"q-{i}", status_history=[
                    {"status_id": 1}, {"status_id": 2}])]), "--no-progress", stdout=StringIO())
        with django_assert_max_num_queries(4):
            records = list(order_importer.export_records({}))
        assert len(records) == 11


class TestCatalog:
    def test_menus_upsert_by_id_and_rerun_changes_nothing(self, client, demo):
        path = str(EXAMPLES / "restaurant-catalog.csv")
        status, out, _ = run("import_catalog", "restaurant", path, "--no-progress")
        assert status == 0 and out.startswith("created 2, updated 1, unchanged 0")
        assert list(Menu.objects.values_list("id", "name", "price", "is_active")) == [
            (1, "Puff-Puff", Decimal("4.99"), True), (2, "Jollof Rice", Decimal("8.5"), True),
            (3, "Pepper Soup", Decimal("6.25"), False)]
        assert Menu.objects.get(pk=1).description == "Deep-fried dough balls"
        status, out, _ = run("import_catalog", "restaurant", path, "--no-progress")
        assert out.startswith("Nothing changed: all 3 menus were imported before.")
        # The API orders the new menus by their ids; a menu made later gets a fresh id.
        body = {**SEED_PAYLOAD, "order_menus": [{"id": 2, "qty": 1}]}
        response = send(client, "post", ORDERS_URL, body, demo["writer"]["token"])
        assert response.json()["data"]["attributes"]["order_menus"][0]["price"] == "8.5000"
        assert Menu.objects.create(name="New", price=1).pk == 4

    def test_a_blank_description_or_is_active_keeps_the_menus_value(self, demo, tmp_path):
        Menu.objects.filter(pk=1).update(description="Deep-fried", is_active=False)
        csv_path = tmp_path / "menus.csv"
        csv_path.write_text("id,name,price,description,is_active\n1,Puff-Puff,5.25,,\n")
        status, out, _ = run("import_catalog", "restaurant", str(csv_path), "--no-progress")
        assert status == 0 and out.startswith("created 0, updated 1, unchanged 0")
        assert Menu.objects.filter(pk=1).values_list(
            "price", "description", "is_active").get() == (Decimal("5.25"), "Deep-fried", False)
        jsonl_path = write_jsonl(tmp_path / "menus.jsonl", [
            {"id": 1, "name": "Puff-Puff", "price": "5.25", "description": None,
             "is_active": None}])
        status, out, _ = run("import_catalog", "restaurant", jsonl_path, "--no-progress")
        assert status == 0 and out.startswith("Nothing changed: all 1 menus")

    def test_bad_catalog_rows_are_named(self, demo, tmp_path):
        path = tmp_path / "menus.jsonl"
        write_jsonl(path, [{"id": "x", "name": "A", "price": 1},
                           {"id": 5, "name": "B", "price": -1},
                           {"id": 6, "price": 2},
                           {"id": 7, "name": "C", "price": "2.50"}])
        status, out, err = run("import_catalog", "restaurant", str(path), "--no-progress")
        assert status == 1 and out.startswith("created 1, updated 0, unchanged 0, rejected 3")
        assert "line 1 [id=x] id: A valid integer is required." in err
        assert "line 2 [id=5] price: Ensure this value is greater than or equal to 0." in err
        assert "line 3 [id=6] name: This field is required." in err
        assert Menu.objects.get(pk=7).price == Decimal("2.5")


class TestInterruption:
    COUNT = 1000

    def records(self):
        """Orders as an export carries them (their hash and times), so that two imports
        give the same rows: two menu lines each, every fourth a delivery to a new address,
        every other one with its status history."""
        for i in range(self.COUNT):
            created = f"2021-03-01T{i // 3600 % 24:02}:{i // 60 % 60:02}:{i % 60:02}Z"
            delivery = i % 4 == 0
            yield {
                "external_id": f"k-{i}", "customer_id": 1 if i % 3 else None,
                "location_id": 1, "first_name": "Ada", "last_name": f"Obi {i}",
                "email": f"ada.{i}@example.com", "order_type":
                "delivery" if delivery else "collection",
                **({"address": {"address_1": f"{i} High Street", "postcode": "E1 6AN"}}
                   if delivery else {}),
                "order_date": "2021-03-01", "order_time": "19:30", "payment": "cod",
                "order_menus": [{"id": 1, "qty": 1 + i % 3, "comment": f"line {i}"},
                                {"id": 1, "qty": 1, "options": [{"name": "Dip"}]}],
                "order_totals": [{"code": "total", "title": "Order Total", "value": "9.98",
                                  "priority": 1}],
                "order_total": "9.98", "hash": f"{0xabc << 116 | i:032x}",
                "created_at": created, "status_updated_at": created,
                **({"status_id": 6, "status_history": [
                    {"status_id": 1, "created_at": created},
                    {"status_id": 6, "comment": "called to cancel", "created_at": created}]}
                   if i % 2 else {"status_id": 1, "status_comment": "Received"}),
            }

    @staticmethod
    def imported():
        return Order.objects.filter(external_id__startswith="k-")

    @staticmethod
    def events_by_order():
        return events_by_order(Order, {
            pk: external_id or f"restaurant-{pk}"
            for pk, external_id in Order.objects.values_list("pk", "external_id")})

    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_kill_9_midway_then_rerun_gives_the_same_database_as_one_clean_run(
        self, demo, tmp_path
    ):
        path = write_jsonl(tmp_path / "big.jsonl", self.records())
        addresses = Address.objects.count()
        command = ["import_orders", "restaurant", path, "--batch-size", "50", "--no-progress"]
        kill_9_when(self.imported(), 150, *command)

        partial = self.imported().count()
        assert 0 < partial < self.COUNT, partial
        # Every order written is whole: its two lines, its total, its status history, its
        # address, one import event; nothing of an order that is not there.
        shapes = self.imported().annotate(
            lines=Count("order_menus", distinct=True),
            totals=Count("order_totals", distinct=True),
            history=Count("status_history", distinct=True),
        ).values_list("external_id", "lines", "totals", "history")
        assert sorted(shapes) == sorted(
            (external_id, 2, 1, 2 if int(external_id[2:]) % 2 else 1)
            for external_id in self.imported().values_list("external_id", flat=True))
        events = self.events_by_order()
        assert None not in events
        assert all(len(events[external_id]) == 1 for external_id in
                   self.imported().values_list("external_id", flat=True))
        deliveries = self.imported().filter(order_type="delivery")
        assert Address.objects.count() == addresses + deliveries.count()
        assert not deliveries.filter(address=None).exists()

        result = run_subprocess(*command)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(
            f"created {self.COUNT - partial}, updated 0, unchanged {partial}, rejected 0")
        resumed = (orders_snapshot(), self.events_by_order(), Address.objects.count())
        assert resumed[2] == addresses + self.COUNT // 4

        # One clean run into tables emptied of these orders gives the same rows.
        OrderEvent.objects.filter(content_type=ContentType.objects.get_for_model(Order),
                                  object_id__in=self.imported().values("pk")).delete()
        Address.objects.filter(orders__in=self.imported()).delete()
        self.imported().delete()
        status, out, err = run("import_orders", "restaurant", path, "--no-progress")
        assert (status, err) == (0, "")
        assert out.startswith(f"created {self.COUNT}, updated 0, unchanged 0, rejected 0")
        assert (orders_snapshot(), self.events_by_order(), Address.objects.count()) == resumed
