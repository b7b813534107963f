"""import_orders / export_orders / import_catalog for wholesale (the set-based importer)."""

import json
from decimal import Decimal

import pytest
from django.conf import settings

from orders.models import OrderEvent
from tests.commands import run_command as run
from tests.commands import write_jsonl
from tests.wholesale.test_api import (
    BAD_BODIES_422,
    SEED_POST_BODY,
    body_with,
    post_json,
    write_counts,
)
from wholesale.models import Product, WholesaleOrder, WholesaleOrderLine

pytestmark = pytest.mark.django_db
EXAMPLES = settings.BASE_DIR / "examples"


def example_for(demo, name, tmp_path) -> str:
    """An example file with its `account` set to the demo account's id (ids differ per
    database: PostgreSQL sequences are not rolled back between tests)."""
    text = (EXAMPLES / name).read_text()
    account = demo["customer"]["account_id"]
    if name.endswith(".csv"):
        text = text.replace(",1,", f",{account},")
    else:
        text = text.replace('"account": 1,', f'"account": {account},')
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def record(demo, **changes):
    return {"account": demo["customer"]["account_id"], **body_with(**changes)}


def snapshot():
    """Orders as an operator compares them: key, state, figures and lines."""
    return sorted(
        (o.account_id, o.customer_order_no, o.order_state, o.delivery_method,
         o.delivery_postcode, o.carriage_tba, o.total_price, o.total_vat, o.total_weight,
         tuple((line.product_code, line.quantity, line.line_price, line.vat)
               for line in o.lines.order_by("position")))
        for o in WholesaleOrder.objects.all()
    )


class TestImport:
    @pytest.mark.parametrize("name", ["wholesale-orders.jsonl", "wholesale-orders.csv"])
    def test_examples_import_priced_to_the_cent_with_history(self, demo, name, tmp_path):
        path = example_for(demo, name, tmp_path)
        status, out, err = run("import_orders", "wholesale", path)
        assert (status, err) == (0, "")
        assert out.startswith("created 2, updated 0, unchanged 0, rejected 0")
        order = WholesaleOrder.objects.get(customer_order_no="MLA-API #23456")
        assert (order.total_price, order.total_vat, order.total_weight) == (
            Decimal("252.35"), Decimal("50.47"), Decimal("3.010"))
        assert [(line.line_price, line.vat) for line in order.lines.order_by("position")] == [
            (Decimal("234.50"), Decimal("46.90")), (Decimal("6.15"), Decimal("1.23")),
            (Decimal("11.70"), Decimal("2.34"))]
        assert order.external_id == "erp-23456"
        assert order.created_by.email == "john.doe@mlaccessories.example"
        placed = WholesaleOrder.objects.get(customer_order_no="MLA-API #23457")
        assert (placed.order_state, placed.delivery_method) == ("PLACED", "COLLECT")
        assert placed.order_number > order.order_number > 606739
        events = OrderEvent.objects.filter(object_id__in=[order.pk, placed.pk], via="import")
        assert sorted(events.values_list("action", "to_state")) == [
            ("create", "OPEN"), ("create", "PLACED")]

        status, out, _ = run("import_orders", "wholesale", path)
        assert status == 0
        assert out.startswith("Nothing changed: all 2 orders were imported before.")
        assert WholesaleOrder.objects.count() == 3  # the demo's order and these two

    def test_an_imported_order_reads_like_an_api_created_one(self, client, demo, tmp_path):
        path = write_jsonl(tmp_path / "one.jsonl", [record(demo)])
        assert run("import_orders", "wholesale", path)[0] == 0
        order = WholesaleOrder.objects.get(customer_order_no="MLA-API #23456")
        body = client.get(f"/apis/customer/orders/{order.pk}",
                          HTTP_AUTHORIZATION=f"Bearer {demo['customer']['token']}").json()
        assert (body["total_price"], body["total_vat"], body["total_weight"]) == (
            252.35, 50.47, 3.01)
        assert [p["product_code"] for p in body["products"]] == [
            "VFR8CW", "VFR8BEZMW", "VFR8BEZCBR"]

    def test_the_api_rule_for_existing_orders(self, demo, tmp_path):
        """Same account and customer_order_no: OPEN is replaced, otherwise refused."""
        first = write_jsonl(tmp_path / "first.jsonl", [
            record(demo), record(demo, customer_order_no="MLA-2")])
        assert run("import_orders", "wholesale", first)[0] == 0
        WholesaleOrder.objects.filter(customer_order_no="MLA-2").update(order_state="PLACED")
        changed = write_jsonl(tmp_path / "changed.jsonl", [
            record(demo, products=[{"product_code": "CA", "quantity": 2}]),
            record(demo, customer_order_no="MLA-2",
                   products=[{"product_code": "CA", "quantity": 2}], order_state="PLACED"),
        ])
        status, out, err = run("import_orders", "wholesale", changed)
        assert status == 1
        assert "updated 1," in out and "rejected 1" in out
        assert "only OPEN orders" in err and "MLA-2" in err
        replaced = WholesaleOrder.objects.get(customer_order_no="MLA-API #23456")
        assert [(line.product_code, line.quantity) for line in replaced.lines.all()] == [
            ("CA", 2)]
        assert replaced.total_price == Decimal("20.00")
        assert OrderEvent.objects.filter(object_id=replaced.pk, action="update",
                                         via="import").count() == 1

    def test_same_order_twice_in_one_file_makes_one_order(self, demo, tmp_path):
        path = write_jsonl(tmp_path / "twice.jsonl", [record(demo), record(demo)])
        status, out, _ = run("import_orders", "wholesale", path, "--batch-size", "10")
        assert status == 0 and "created 1, updated 0, unchanged 1" in out
        assert WholesaleOrder.objects.filter(customer_order_no="MLA-API #23456").count() == 1

    def test_owner_fields_are_validated(self, demo, tmp_path):
        path = write_jsonl(tmp_path / "owners.jsonl", [
            {**body_with(customer_order_no="A")},
            record(demo, customer_order_no="B") | {"account": 999999},
            record(demo, customer_order_no="C") | {"created_by": "nobody@example.com"},
            record(demo, customer_order_no="D") | {"order_state": "SHIPPED"},
        ])
        before = write_counts()
        status, _, err = run("import_orders", "wholesale", path)
        assert status == 1
        assert "line 1 [None/A] account: This field is required" in err
        assert "line 2 [999999/B] account: No trade account with id 999999." in err
        assert "line 3" in err and "created_by: No user with email 'nobody@example.com'." in err
        assert "line 4" in err and "order_state: 'SHIPPED' is not one of" in err
        assert write_counts() == before

    @pytest.mark.parametrize("flag", ["--atomic", "--dry-run"])
    def test_atomic_and_dry_run_write_nothing_on_a_bad_file(self, demo, tmp_path, flag):
        path = write_jsonl(tmp_path / "bad.jsonl", [
            record(demo, customer_order_no="OK-1"), record(demo, products=[])])
        before = write_counts()
        status, out, err = run("import_orders", "wholesale", path, flag, "--batch-size", "1")
        assert status == 1 and "nothing written" in out
        account = demo["customer"]["account_id"]
        assert (f"line 2 [{account}/MLA-API #23456] products: At least one product is "
                "required.") in err
        assert write_counts() == before


class TestParityWithTheApi:
    @pytest.mark.parametrize("body, field, text", BAD_BODIES_422)
    def test_importer_rejects_what_the_api_rejects(self, client, demo, tmp_path, body, field,
                                                   text):
        api = post_json(client, body, demo["customer"]["token"])
        assert api.status_code == 422 and field in api.json()["errors"]
        path = write_jsonl(tmp_path / "one.jsonl",
                           [{"account": demo["customer"]["account_id"], **body}])
        status, _, err = run("import_orders", "wholesale", path)
        assert status == 1
        assert f" {field}: " in err and text in err

    @pytest.mark.parametrize("products", ["CA", ["CA"], {"product_code": "CA", "quantity": 1}])
    def test_wrong_structure_rejected_by_both(self, client, demo, tmp_path, products):
        assert post_json(client, body_with(products=products),
                         demo["customer"]["token"]).status_code == 400
        path = write_jsonl(tmp_path / "one.jsonl", [record(demo, products=products)])
        status, _, err = run("import_orders", "wholesale", path)
        assert status == 1 and " products: " in err

    def test_importer_accepts_what_the_api_accepts(self, client, demo, tmp_path):
        assert post_json(client, SEED_POST_BODY, demo["customer"]["token"]).status_code == 201
        path = write_jsonl(tmp_path / "one.jsonl", [record(demo, customer_order_no="NEW-1")])
        status, out, _ = run("import_orders", "wholesale", path)
        assert status == 0 and "created 1," in out


class TestExportRoundTrip:
    @pytest.mark.parametrize("fmt", ["jsonl", "csv"])
    def test_export_then_import_into_an_empty_database(self, client, demo, tmp_path, fmt):
        token = demo["customer"]["token"]
        post_json(client, SEED_POST_BODY, token)
        post_json(client, body_with(customer_order_no="COLLECT-1", delivery_method="COLLECT",
                                    delivery_telephone=None), token)
        order = WholesaleOrder.objects.get(customer_order_no="COLLECT-1")
        client.put(f"/apis/customer/orders/{order.pk}/place",
                   HTTP_AUTHORIZATION=f"Bearer {token}")
        WholesaleOrder.objects.filter(customer_order_no="MLA-API #12345").update(
            carriage_tba=True)
        expected = snapshot()
        path = str(tmp_path / f"export.{fmt}")
        status, out, _ = run("export_orders", "wholesale", path)
        assert status == 0 and "Exported 3 wholesale order(s)" in out

        OrderEvent.objects.all().delete()
        WholesaleOrderLine.objects.all().delete()
        WholesaleOrder.objects.all().delete()
        status, out, err = run("import_orders", "wholesale", path)
        assert (status, err) == (0, "")
        assert "created 3," in out
        assert snapshot() == expected


class TestCatalog:
    def test_products_upserted_by_code_and_rerun_changes_nothing(self, demo):
        Product.objects.filter(product_code="CA").update(unit_price=Decimal("12.0000"))
        path = str(EXAMPLES / "wholesale-catalog.csv")
        status, out, _ = run("import_catalog", "wholesale", path)
        assert status == 0 and "created 0, updated 1, unchanged 1" in out
        assert Product.objects.get(product_code="CA").unit_price == Decimal("10.0000")
        status, out, _ = run("import_catalog", "wholesale", path)
        assert out.startswith("Nothing changed: all 2 products were imported before.")

    def test_bad_product_rows_are_named(self, demo, tmp_path):
        path = tmp_path / "products.csv"
        path.write_text("product_code,type,description,vat_code,unit_price,unit_weight,"
                        "is_active\nNEW1,stock,New,X,-1,0,true\n")
        status, _, err = run("import_catalog", "wholesale", str(path))
        assert status == 1
        assert "line 2 [NEW1] vat_code:" in err and "line 2 [NEW1] unit_price:" in err
        assert not Product.objects.filter(product_code="NEW1").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_order_created_by_the_api_during_an_import_batch_is_not_doubled(demo):
    """An API client creates the same order between the batch's checks and its insert:
    the insert fails on the unique key, the batch is retried and finds the order."""
    from orders.imports import SourceItem, run_import
    from tests.conftest import run_concurrently
    from wholesale import inputs, selectors, services
    from wholesale.importers import WholesaleOrderImporter
    from wholesale.models import TradeAccount

    account = TradeAccount.objects.get(pk=demo["customer"]["account_id"])

    class RacedImporter(WholesaleOrderImporter):
        creates = 0

        def create(self, items, *, actor=None):
            # (in the writer process: the retry must find the order, not create it again)
            self.creates += 1
            assert self.creates == 1, "the retried batch created the order again"
            # after the batch looked up existing orders:
            run_concurrently(1, lambda _: services.order_save(
                account=account, body=inputs.order_body_input(
                    SEED_POST_BODY, selectors.products_by_code(
                        inputs.order_body_product_codes(SEED_POST_BODY)))))
            super().create(items, actor=actor)

    items = [SourceItem(1, {"account": account.pk, **SEED_POST_BODY})]
    stats, _ = run_import(RacedImporter(), items, batch_size=10, atomic=False,
                          dry_run=False)
    assert (stats.created, stats.unchanged, stats.rejected) == (0, 1, 0)
    assert WholesaleOrder.objects.filter(customer_order_no="MLA-API #23456").count() == 1


def test_times_without_a_zone_are_utc(demo, tmp_path):
    path = write_jsonl(tmp_path / "naive.jsonl", [
        record(demo, customer_order_no="OLD-1") | {"created_at": "2017-02-27 14:35:50"}])
    assert run("import_orders", "wholesale", path)[0] == 0
    order = WholesaleOrder.objects.get(customer_order_no="OLD-1")
    assert order.created_at.isoformat() == "2017-02-27T14:35:50+00:00"
    out_path = tmp_path / "old.jsonl"
    status, out, _ = run("export_orders", "wholesale", str(out_path),
                         "--created-before", "2017-02-28")
    assert status == 0
    exported = [json.loads(line)["customer_order_no"]
                for line in out_path.read_text().splitlines()]
    assert exported == ["MLA-API #12345", "OLD-1"]


# --- PostgreSQL: references checked set-based, COPY without the foreign key triggers ------


def orphan_lines() -> int:
    """Lines whose order or product does not exist: what the foreign keys forbid."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM wholesale_wholesaleorderline line
            LEFT JOIN wholesale_wholesaleorder o ON o.id = line.order_id
            LEFT JOIN wholesale_product p ON p.id = line.product_id
            WHERE o.id IS NULL OR p.id IS NULL""")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("triggers_skipped", [True, False])
def test_a_product_deleted_after_the_batch_was_prepared_rejects_its_orders_only(
        demo, monkeypatch, triggers_skipped):
    """Between validation (prepare_batch) and the write, another session deletes a
    product: the orders naming it are rejected as the API would reject them, the others
    are written, and no line refers to a missing product, with or without the session's
    privilege to skip the foreign key triggers."""
    from orders import db
    from orders.imports import SourceItem, run_import
    from tests.conftest import run_concurrently
    from wholesale.importers import WholesaleOrderImporter

    if not triggers_skipped:
        monkeypatch.setattr(db, "foreign_key_triggers_skippable", lambda: False)
    Product.objects.create(product_code="SHORT-LIVED", description="Gone soon",
                           unit_price=Decimal("1.00"))

    class DeletingImporter(WholesaleOrderImporter):
        def import_batch(self, items, *, actor=None):
            run_concurrently(1, lambda _: Product.objects.filter(
                product_code="SHORT-LIVED").delete())
            super().import_batch(items, actor=actor)

    gone = [{"product_code": "CA", "quantity": 1},
            {"product_code": "SHORT-LIVED", "quantity": 2}]
    items = [SourceItem(1, record(demo, customer_order_no="KEEP-1")),
             SourceItem(2, record(demo, customer_order_no="GONE-1", products=gone)),
             SourceItem(3, record(demo, customer_order_no="KEEP-2"))]
    stats, _ = run_import(DeletingImporter(), items, batch_size=10, atomic=False,
                          dry_run=False)
    assert (stats.created, stats.rejected) == (2, 1)
    assert [(e.line, e.field, e.message) for e in items[1].errors] == [
        (2, "products[1].product_code", "Unknown or inactive product_code 'SHORT-LIVED'.")]
    assert set(WholesaleOrder.objects.filter(customer_order_no__in=["KEEP-1", "KEEP-2", "GONE-1"])
               .values_list("customer_order_no", flat=True)) == {"KEEP-1", "KEEP-2"}
    assert orphan_lines() == 0


@pytest.mark.postgres
def test_only_a_privileged_session_skips_the_foreign_key_triggers():
    """A superuser (or, on PostgreSQL 15+, a role granted SET on
    session_replication_role) may; an ordinary application role may not, and its imports
    are checked by the triggers."""
    from django.db import connection

    from orders import db

    assert db.foreign_key_triggers_skippable()
    with connection.cursor() as cursor:
        cursor.execute("""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'backoffice_plain_role')
            THEN CREATE ROLE backoffice_plain_role NOLOGIN; END IF;
            EXCEPTION WHEN duplicate_object THEN NULL; END $$""")
        cursor.execute("SET LOCAL ROLE backoffice_plain_role")
        assert not db.foreign_key_triggers_skippable()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kill_9_midway_then_rerun_gives_the_same_database_as_one_clean_run(demo, tmp_path):
    """The set-based path (COPY, pipelined writer) killed midway: only whole orders, each
    with its five lines and one event; a re-run finishes the job without duplicates."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from django.db import connection

    codes = ["VFR8CW", "VFR8BEZMW", "VFR8BEZCBR", "CA"]
    records = [record(demo, customer_order_no=f"K-{i}", external_id=f"k-{i}",
                      products=[{"product_code": codes[(i + n) % 4], "quantity": n + 1}
                                for n in range(5)])
               for i in range(6000)]
    path = write_jsonl(tmp_path / "big.jsonl", records)
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    command = [sys.executable, "manage.py", "import_orders", "wholesale", path,
               "--batch-size", "100", "--no-progress"]
    imported = WholesaleOrder.objects.filter(external_id__startswith="k-")
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while imported.count() < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = imported.count()
    assert 0 < partial < 6000, partial
    lines = WholesaleOrderLine.objects.filter(order__in=imported)
    assert lines.count() == 5 * partial  # only whole orders
    events = OrderEvent.objects.filter(object_id__in=imported.values("pk"), action="create",
                                       via="import")
    assert events.count() == partial

    result = subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert f"created {6000 - partial}, updated 0, unchanged {partial}" in result.stdout
    assert (imported.count(), lines.count(), events.count()) == (6000, 30000, 6000)
    assert orphan_lines() == 0
    # the same orders a clean run makes: numbers unique, totals from the lines
    assert len(set(imported.values_list("order_number", flat=True))) == 6000
    order = imported.get(external_id="k-4321")
    assert [(line.product_code, line.quantity) for line in order.lines.order_by("position")] == [
        (codes[(4321 + n) % 4], n + 1) for n in range(5)]
    assert order.total_price == sum(line.line_price for line in order.lines.all())


@pytest.mark.parametrize("changes, field", [
    ({"account": 10**30}, "account"),
    ({"account": "12"}, "account"),
    ({"order_state": ["OPEN"]}, "order_state"),
    ({"carriage_tba": "yes"}, "carriage_tba"),
    ({"created_by": ["john.doe@mlaccessories.example"]}, "created_by"),
    ({"created_at": 20170227}, "created_at"),
    ({"external_id": {"erp": 1}}, "external_id"),
    ({"account": -(10**30)}, "account"),
    ({"created_by": "john\u0000@example.com"}, "created_by"),
    ({"external_id": "erp\u0000"}, "external_id"),
    ({"order_state": "OPEN\u0000"}, "order_state"),
    ({"created_at": "2017-02-27\u000014:35:50"}, "created_at"),
])
def test_values_beyond_the_database_are_rejected_rows(demo, tmp_path, changes, field):
    """Owner and history fields the API does not take: of the wrong type or out of the
    columns' range they are a rejected row naming the field, and the batch's other
    orders are imported."""
    path = write_jsonl(tmp_path / "bad.jsonl", [
        record(demo, customer_order_no="GOOD-1"), record(demo, customer_order_no="BAD-1")
        | changes])
    status, out, err = run("import_orders", "wholesale", path)
    assert status == 1, err
    assert "created 1," in out and "rejected 1" in out
    assert "line 2 [" in err and f"] {field}:" in err
    assert not WholesaleOrder.objects.filter(customer_order_no="BAD-1").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_order_the_writer_process_reads_back_is_compared_and_replaced_exactly(
        demo, tmp_path):
    """The writer process gets an order as its COPY rows and reads fields and lines back
    from them when the order exists already: text that COPY escapes (tabs, newlines,
    backslashes, carriage returns) and non-ASCII text come back as they were, so a re-run
    changes nothing and a changed order is replaced with the record's values."""
    tricky = {"notes": "Gate\tcode 4\\2\r\nRing twice", "delivery_name": "Zoë \\N Öz",
              "delivery_address2": "\\N", "delivery_company_name": "Line\u2028separated"}
    first = [record(demo, customer_order_no=f"ESC-{i}", **tricky) for i in range(3)]
    path = write_jsonl(tmp_path / "tricky.jsonl", first)
    assert run("import_orders", "wholesale", path)[0] == 0
    status, out, _ = run("import_orders", "wholesale", path)
    assert status == 0 and out.startswith("Nothing changed: all 3 orders")

    changed = [first[0] | {"notes": "Now\tdifferent\\"},
               first[1] | {"products": [{"product_code": "CA", "quantity": 7}]}, first[2]]
    path = write_jsonl(tmp_path / "changed.jsonl", changed)
    status, out, err = run("import_orders", "wholesale", path)
    assert (status, err) == (0, "")
    assert "created 0, updated 2, unchanged 1" in out
    orders = {o.customer_order_no: o for o in WholesaleOrder.objects.filter(
        customer_order_no__startswith="ESC-")}
    assert orders["ESC-0"].notes == "Now\tdifferent\\"
    assert (orders["ESC-1"].notes, orders["ESC-1"].delivery_name,
            orders["ESC-1"].delivery_address2, orders["ESC-1"].delivery_company_name) == (
        tricky["notes"], tricky["delivery_name"], "\\N", tricky["delivery_company_name"])
    assert [(line.product_code, line.quantity) for line in orders["ESC-1"].lines.all()] == [
        ("CA", 7)]
    assert orders["ESC-1"].total_price == Decimal("70.00")
    assert [line.product_code for line in orders["ESC-2"].lines.order_by("position")] == [
        "VFR8CW", "VFR8BEZMW", "VFR8BEZCBR"]


# --- each table's row described once: the hand-made COPY text is TableRows' ---------------


def test_the_hand_made_copy_rows_are_the_table_descriptions_rows(demo):
    """The import formats its rows by hand (quicker per order); they are, character for
    character, what ORDER_ROWS, LINE_ROWS and EVENT_ROWS make of the same values, text
    that COPY escapes and NULLs included."""
    import pickle
    from datetime import UTC, datetime

    from django.contrib.auth import get_user_model

    from orders.events import EVENT_ROWS
    from wholesale import importers, inputs, services

    user = get_user_model().objects.get(email="john.doe@mlaccessories.example")
    account = demo["customer"]["account_id"]
    records = [
        record(demo, notes="Gate\tcode\\4\r\nRing", delivery_name=None, order_state="PLACED",
               external_id="erp-1", created_by=user.email, created_at="2017-02-27 14:35:50",
               carriage_tba=True),
        record(demo, customer_order_no="PLAIN-1", delivery_method="COLLECT",
               order_state="CANCELLED", products=[{"product_code": "CA", "quantity": 3}]),
    ]
    references = inputs.RecordReferences(
        importers.CATALOG.products_by_code(inputs.order_body_product_codes(*records)),
        {account}, {user.email: user.pk})
    now = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    for number, one in enumerate(records, start=1):
        parsed = inputs.order_record_input(one, references)
        order = importers.PreparedOrder(parsed, [
            importers.CATALOG.priced_line(product, quantity)
            for product, quantity in parsed.body.lines], now.isoformat())
        assert services.ORDER_ROWS.copy_text([services.order_row(order, 7, 900, now)]) == (
            f"7\t900\t{order.order_text}")
        assert services.LINE_ROWS.copy_text(services.line_rows(order, 7)) == (
            order.lines_copy_text(7))
        events = ([order], [7], 3, user.pk if number == 1 else None, now)
        assert EVENT_ROWS.copy_text(services.event_rows(*events)) == (
            services.events_copy_text(*events))
        crossed = pickle.loads(pickle.dumps(order))  # as the writer process reads it back
        assert (crossed.fields, crossed.carriage_tba, crossed.note) == (
            order.fields, order.carriage_tba, order.note)
        assert [(line.product.pk, line.quantity) for line in crossed.lines] == [
            (line.product.pk, line.quantity) for line in order.lines]


def test_an_imported_orders_history_reads_like_an_api_created_ones(client, demo, tmp_path):
    assert post_json(client, SEED_POST_BODY, demo["customer"]["token"]).status_code == 201
    path = write_jsonl(tmp_path / "one.jsonl", [record(demo, customer_order_no="IMP-1")])
    assert run("import_orders", "wholesale", path)[0] == 0
    (api,), (imported,) = (
        OrderEvent.objects.filter(object_id=WholesaleOrder.objects.get(
            customer_order_no=number).pk).values_list("action", "from_state", "to_state",
                                                      "note", "via")
        for number in ["MLA-API #23456", "IMP-1"])
    assert api[:4] == imported[:4]
    assert api[3] == "3 line(s), total 252.35 + VAT 50.47, 3.010 kg"
    assert (api[4], imported[4]) == ("api", "import")


# --- statistics never decide the speed --------------------------------------------------


def seq_scanned(plan) -> set[str]:
    """The tables a plan (EXPLAIN's JSON) reads whole."""
    nodes, tables = [plan[0]["Plan"]], set()
    while nodes:
        node = nodes.pop()
        if node.get("Node Type") == "Seq Scan":
            tables.add(node["Relation Name"])
        nodes.extend(node.get("Plans", []))
    return tables


@pytest.mark.postgres
def test_the_imports_lookups_probe_indexes_whatever_the_statistics_say(demo, tmp_path):
    """The issue's stale case, smaller: the tables analysed when they held 3 orders of one
    account, then 20,000 orders of 50 accounts written. Every query a batch runs on the
    orders and their lines (existence checks by key and external id, the re-run's
    comparison) probes an index: none reads a table whole, so a batch costs the same
    however large the table has grown since."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.imports import SourceItem, run_import
    from wholesale.importers import order_importer
    from wholesale.models import TradeAccount

    account = demo["customer"]["account_id"]
    path = write_jsonl(tmp_path / "two.jsonl", [record(demo, customer_order_no=f"FIRST-{i}")
                                                for i in range(2)])
    assert run("import_orders", "wholesale", path)[0] == 0
    accounts = [TradeAccount.objects.create(name=f"Stale {i}").pk for i in range(49)]
    text_columns = ", ".join(["delivery_method", *ORDER_TEXTS])
    with connection.cursor() as cursor:
        for table in ["wholesale_wholesaleorder", "wholesale_wholesaleorderline"]:
            cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"""
            INSERT INTO wholesale_wholesaleorder (account_id, order_number, customer_order_no,
                order_state, order_type, {text_columns}, carriage_tba, total_price, total_vat,
                total_weight, created_at, updated_at, external_id)
            SELECT (%s::bigint[])[1 + n %% 49], 10000000 + n, 'STALE-' || n, 'OPEN',
                'WHOLESALE', 'COLLECT', {", ".join(["''"] * len(ORDER_TEXTS))}, false, 10, 2,
                0, now(), now(), 'stale-' || n
            FROM generate_series(1, 20000) n""", [accounts])
        cursor.execute("""
            INSERT INTO wholesale_wholesaleorderline (order_id, position, product_id, quantity,
                product_code, product_type, description, vat_code, vat_rate, unit_price,
                unit_weight, line_price, vat, line_weight)
            SELECT o.id, 0, p.id, 1, p.product_code, p.type, p.description, p.vat_code, 0.2,
                p.unit_price, p.unit_weight, 10, 2, 0
            FROM wholesale_wholesaleorder o, wholesale_product p
            WHERE o.customer_order_no LIKE 'STALE-%%' AND p.product_code = 'CA'""")

    stale = [{"account": accounts[n % 49], "external_id": f"stale-{n}",
              "customer_order_no": f"STALE-{n}", "delivery_method": "COLLECT",
              "products": [{"product_code": "CA", "quantity": 1}]} for n in range(1, 400)]
    items = ([SourceItem(n, one) for n, one in enumerate(stale)]  # a re-run: unchanged
             + [SourceItem(1000 + n, record(demo, customer_order_no=f"NEW-{n}",
                                            external_id=f"new-{n}")) for n in range(400)])
    with CaptureQueriesContext(connection) as queries:
        stats, _ = run_import(order_importer, items, batch_size=2000, atomic=False,
                              dry_run=False)
    assert (stats.created, stats.unchanged, stats.rejected) == (400, 399, 0)
    assert WholesaleOrder.objects.filter(account_id=account).count() == 403
    looked_up = [query["sql"] for query in queries.captured_queries
                 if query["sql"].startswith("SELECT")
                 and "wholesale_wholesaleorder" in query["sql"]]
    assert len(looked_up) >= 4  # by key, by external id, the orders and lines to compare
    with connection.cursor() as cursor:
        for sql in looked_up:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            scanned = seq_scanned(cursor.fetchone()[0])
            assert not scanned & {"wholesale_wholesaleorder", "wholesale_wholesaleorderline"}, (
                sql[:300], scanned)


ORDER_TEXTS = ["delivery_name", "delivery_company_name", "delivery_address1",
               "delivery_address2", "delivery_town", "delivery_county", "delivery_country_code",
               "delivery_postcode", "delivery_telephone", "notes"]
