"""import_orders / export_orders / import_catalog for the marketplace."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from marketplace.models import MarketplaceOrder, Record
from orders.models import OrderEvent
from tests.commands import events_by_order, kill_9_when, run_subprocess, write_jsonl
from tests.commands import run_command as run
from tests.conftest import bearer
from tests.marketplace.conftest import write_counts
from tests.marketplace.test_bad_input import BAD_CREATE_BODIES, VALID
from tests.marketplace.test_orders_api import CREATE_URL, CUSTOMER_ID, MERCHANT_ID, RECORD_ID

pytestmark = pytest.mark.django_db
EXAMPLES = settings.BASE_DIR / "examples"
OWNERS = {"customer_id": CUSTOMER_ID, "merchant_id": MERCHANT_ID, "record_id": RECORD_ID}
# What an import record carries besides the create body, so an export reads back the same
# order: the API refuses these on create ("Set by the system"), the importer takes them.
IMPORT_ONLY_FIELDS = {"status", "__v"}
MAX_VERSION = 2**31 - 1  # the version column's range (a PostgreSQL integer)
NUL_TEXT = "Contains a NUL character (\\u0000), which cannot be stored."
# What only an import record carries, out of range or holding what PostgreSQL cannot
# (a NUL character): a rejected row naming the field, never a crash.
BAD_IMPORT_FIELDS = [
    ({"__v": MAX_VERSION + 1}, "__v", f"At most {MAX_VERSION}, got {MAX_VERSION + 1}."),
    ({"__v": 2**63}, "__v", f"At most {MAX_VERSION}, got {2**63}."),
    ({"__v": 10**30}, "__v", f"At most {MAX_VERSION}, got {10**30}."),
    ({"__v": "99999999999999999999"}, "__v",
     f"At most {MAX_VERSION}, got 99999999999999999999."),  # as a CSV cell gives it
    ({"__v": " 0002147483648"}, "__v", f"At most {MAX_VERSION}, got 0002147483648."),
    ({"__v": "9" * 5000}, "__v", f"At most {MAX_VERSION}, got 9999"),  # int() refuses it
    ({"__v": "\u00b2"}, "__v", "Must be a whole number, got '\u00b2'."),  # isdigit(), no int
    ({"__v": " 7\x00"}, "__v", "Must be a whole number, got ' 7\\x00'."),
    ({"__v": 1.5}, "__v", "Must be a whole number, got 1.5."),
    ({"__v": 1e308}, "__v", "Must be a whole number, got 1e+308."),
    ({"__v": True}, "__v", "Must be a whole number, got True."),
    ({"external_id": "X-\x00"}, "external_id", NUL_TEXT),
    ({"status": "Completed\x00"}, "status", "is not one of"),
    ({"created_date": "2019-03-01T10:15:00\x00Z"}, "created_date", "Must be a time like"),
    # Stored, year 10000 in UTC could not be read back: refused as out of range.
    ({"created_date": "9999-12-31T20:00:00-05:00"}, "created_date", "Must be between"),
    ({"created_date": "0001-01-01T00:00:00+14:00"}, "created_date", "Must be between"),
    ({"external_id": "X-\ud800"}, "external_id", "lone surrogate"),
    ({"_id": "5c68a588fc924b00178bf14\x00"}, "_id", "Must be 24 lowercase hex"),
]






def order_record(**changes):
    return {**OWNERS, **VALID, **changes}


def snapshot():
    """Orders as an operator compares them: ids, owners, state, version, fields, times."""
    return sorted(
        (o.public_id, o.customer.public_id, o.merchant.public_id, o.record.public_id,
         o.status, o.version, o.created_at, o.shipping_address1, o.shipping_address2,
         o.shipping_city, o.shipping_state, o.shipping_zip, o.paypal_email,
         o.billing_address1, o.billing_address2, o.billing_city, o.billing_state,
         o.billing_zip, o.merchant_company_name, o.merchant_primary_contact,
         o.merchant_phone_number, tuple(o.comments))
        for o in MarketplaceOrder.objects.select_related("customer", "merchant", "record")
    )


class TestImport:
    @pytest.mark.parametrize("name", ["marketplace-orders.jsonl", "marketplace-orders.csv"])
    def test_examples_import_with_their_history(self, demo, name):
        path = str(EXAMPLES / name)
        status, out, err = run("import_orders", "marketplace", path)
        assert (status, err) == (0, "")
        assert out.startswith("created 2, updated 0, unchanged 0, rejected 0")

        first = MarketplaceOrder.objects.get(external_id="shop-A-1001")
        assert (first.customer.public_id, first.merchant.public_id, first.record.public_id) == (
            CUSTOMER_ID, MERCHANT_ID, RECORD_ID)
        assert (first.status, first.version) == ("In progress", 0)
        assert (first.shipping_city, first.billing_address2, first.paypal_email) == (
            "Raleigh", "Ste. #100", "paypal@example.com")
        assert first.comments == ["This is a comment"]
        assert first.merchant_company_name == "Record Stack Overflow"

        second = MarketplaceOrder.objects.get(external_id="shop-A-1002")
        assert (second.status, second.version, second.shipping_zip) == ("Completed", 1, "02101")
        assert second.created_at == datetime(2019, 3, 1, 10, 15, tzinfo=UTC)
        assert second.comments == ["Gift wrap, please"]
        assert second.customer.public_id == demo["other_customer"]["id"]

        events = OrderEvent.objects.filter(object_id__in=[first.pk, second.pk], via="import")
        assert sorted(events.values_list("action", "to_state", "note")) == [
            ("create", "Completed", "__v 1"), ("create", "In progress", "__v 0")]

        status, out, _ = run("import_orders", "marketplace", path)
        assert status == 0
        assert out.startswith("Nothing changed: all 2 orders were imported before.")
        assert MarketplaceOrder.objects.count() == 4  # the seed's two and these two

    def test_an_imported_order_reads_like_an_api_created_one(self, client, demo, tmp_path):
        path = write_jsonl(tmp_path / "one.jsonl", [order_record(external_id="X-1")])
        assert run("import_orders", "marketplace", path)[0] == 0
        imported = MarketplaceOrder.objects.get(external_id="X-1")
        created = client.post(CREATE_URL, json.dumps(VALID), content_type="application/json",
                              **bearer(demo["customer"]["token"])).json()
        listed = client.get(f"/api/v1/orders/customers/{CUSTOMER_ID}?sort=desc",
                            **bearer(demo["customer"]["token"])).json()
        from_import = next(o for o in listed if o["_id"] == imported.public_id)
        ignore = {"_id", "created_date"}
        assert {k: v for k, v in from_import.items() if k not in ignore} == {
            k: v for k, v in created.items() if k not in ignore}

    def test_same_external_id_twice_in_one_file_makes_one_order(self, demo, tmp_path):
        path = write_jsonl(tmp_path / "twice.jsonl", [order_record(external_id="X-1"),
                                                      order_record(external_id="X-1")])
        status, out, _ = run("import_orders", "marketplace", path, "--batch-size", "10")
        assert status == 0 and "created 1, updated 0, unchanged 1" in out
        assert MarketplaceOrder.objects.filter(external_id="X-1").count() == 1

    def test_an_existing_order_id_is_the_same_order(self, demo, tmp_path):
        path = write_jsonl(tmp_path / "seed.jsonl", [
            order_record(_id="5c68a588fc924b00178bf143", shipping_city="Elsewhere")])
        before = write_counts()
        status, out, _ = run("import_orders", "marketplace", path)
        assert status == 0 and out.startswith("Nothing changed")
        assert write_counts() == before

    def test_owner_and_import_fields_are_validated(self, demo, tmp_path):
        other_record = demo["other_merchant"]["record_ids"][0]
        path = write_jsonl(tmp_path / "owners.jsonl", [
            {**VALID, "external_id": "A"},
            order_record(external_id="B", customer_id="ffffffffffffffffffffffff"),
            order_record(external_id="C", record_id=other_record),
            order_record(external_id="D", merchant_id="not-an-id"),
            order_record(external_id="E", status="Shipped", __v=-1,
                         created_date="2019-02-30T00:00:00Z"),
            order_record(external_id="F"),
        ])
        before = write_counts()
        status, out, err = run("import_orders", "marketplace", path)
        assert status == 1
        assert "created 1, updated 0, unchanged 0, rejected 5" in out
        lines = err.splitlines()
        assert "line 1 [A] customer_id: This field is required." in lines
        assert "line 1 [A] merchant_id: This field is required." in lines
        assert "line 1 [A] record_id: This field is required." in lines
        assert ("line 2 [B] customer_id: No customer with id ffffffffffffffffffffffff."
                in lines)
        assert (f"line 3 [C] record_id: No record with id {other_record} of merchant "
                f"{MERCHANT_ID}.") in lines
        assert ("line 4 [D] merchant_id: Must be 24 lowercase hex characters, "
                "got 'not-an-id'.") in lines
        assert ("line 5 [E] status: 'Shipped' is not one of: In progress, Completed, "
                "Cancelled.") in lines
        assert "line 5 [E] __v: Must be a whole number, got -1." in lines
        assert any(line.startswith("line 5 [E] created_date: Must be a time") for line in lines)
        assert MarketplaceOrder.objects.filter(external_id="F").exists()
        assert len(write_counts()[0]) == len(before[0]) + 1

    @pytest.mark.parametrize("changes, field, text", BAD_IMPORT_FIELDS)
    def test_out_of_range_import_fields_are_rejected_rows(self, demo, tmp_path, changes,
                                                          field, text):
        path = write_jsonl(tmp_path / "one.jsonl",
                           [order_record(**{"external_id": "R-1", **changes})])
        before = write_counts()
        status, out, err = run("import_orders", "marketplace", path)
        assert status == 1 and "rejected 1" in out
        assert f"] {field}: " in err and text in err, err
        assert write_counts() == before

    @pytest.mark.parametrize("raw, text", [
        ("1e400", "Must be a whole number, got inf."),
        ("99999999999999999999", f"At most {MAX_VERSION}, got 99999999999999999999."),
        ("Infinity", None),  # not JSON: the line is refused as such
    ])
    def test_a_version_beyond_any_number_is_a_rejected_row(self, demo, tmp_path, raw, text):
        path = tmp_path / "one.jsonl"
        path.write_text(json.dumps(order_record(external_id="R-1", __v=12345))
                        .replace("12345", raw) + "\n")
        status, out, err = run("import_orders", "marketplace", str(path))
        assert status == 1 and "rejected 1" in out
        if text:
            assert f"line 1 [R-1] __v: {text}" in err, err
        else:
            assert "line 1 json: not valid JSON" in err, err
        assert not MarketplaceOrder.objects.filter(external_id="R-1").exists()

    def test_the_largest_version_and_a_csv_version_beyond_it(self, demo, tmp_path):
        text = (EXAMPLES / "marketplace-orders.csv").read_text()
        path = tmp_path / "orders.csv"
        path.write_text(text.replace("2019-03-01T10:15:00.000Z,1,",
                                     f"2019-03-01T10:15:00.000Z,{MAX_VERSION + 1},"))
        status, out, err = run("import_orders", "marketplace", str(path))
        assert status == 1 and "created 1, updated 0, unchanged 0, rejected 1" in out
        assert (f"line 3 [shop-A-1002] __v: At most {MAX_VERSION}, got {MAX_VERSION + 1}."
                in err), err
        path.write_text(text.replace("2019-03-01T10:15:00.000Z,1,",
                                     f"2019-03-01T10:15:00.000Z,{MAX_VERSION},"))
        status, out, err = run("import_orders", "marketplace", str(path))
        assert (status, err) == (0, "")
        assert MarketplaceOrder.objects.get(external_id="shop-A-1002").version == MAX_VERSION

    @pytest.mark.parametrize("batch_size", ["1", "50"])
    def test_a_nul_in_a_batch_rejects_its_row_only(self, demo, tmp_path, batch_size):
        path = write_jsonl(tmp_path / "batch.jsonl", [
            order_record(external_id="K-1"), order_record(external_id="K-\x00"),
            order_record(external_id="K-3")])
        status, out, err = run("import_orders", "marketplace", path, "--batch-size",
                               batch_size)
        assert status == 1 and out.startswith("created 2, updated 0, unchanged 0, rejected 1")
        assert f"line 2 [K-\x00] external_id: {NUL_TEXT}" in err, err
        assert set(MarketplaceOrder.objects.filter(external_id__startswith="K-")
                   .values_list("external_id", flat=True)) == {"K-1", "K-3"}

    def test_bad_csv_cells_are_named_and_errors_file_can_be_fed_back(self, demo, tmp_path):
        text = (EXAMPLES / "marketplace-orders.csv").read_text().replace(
            "paypal@example.com", "not-an-email")
        path = tmp_path / "orders.csv"
        path.write_text(text)
        errors = tmp_path / "errors.jsonl"
        status, out, err = run("import_orders", "marketplace", str(path), "--errors",
                               str(errors))
        assert status == 1 and "created 1, updated 0, unchanged 0, rejected 1" in out
        assert "line 2 [shop-A-1001] paypal_email: 'not-an-email' is not a valid email" in err
        rejected = json.loads(errors.read_text())
        assert rejected["_errors"][0]["field"] == "paypal_email"
        assert rejected["comments"] == ["This is a comment"]
        errors.write_text(json.dumps({**rejected, "paypal_email": "fixed@example.com"}) + "\n")
        status, out, _ = run("import_orders", "marketplace", str(errors))
        assert status == 0 and "created 1," in out
        assert MarketplaceOrder.objects.get(external_id="shop-A-1001").paypal_email == (
            "fixed@example.com")

    @pytest.mark.parametrize("flag", ["--atomic", "--dry-run"])
    def test_atomic_and_dry_run_write_nothing_on_a_bad_file(self, demo, tmp_path, flag):
        path = write_jsonl(tmp_path / "bad.jsonl", [
            order_record(external_id="OK-1"), order_record(external_id="BAD-1", shipping_zip="")])
        before = write_counts()
        status, out, err = run("import_orders", "marketplace", path, flag, "--batch-size", "1")
        assert status == 1 and "nothing written" in out
        assert "line 2 [BAD-1] shipping_zip: This field is required." in err
        assert write_counts() == before

    def test_a_dry_run_of_a_good_file_writes_nothing(self, demo):
        before = write_counts()
        status, out, _ = run("import_orders", "marketplace",
                             str(EXAMPLES / "marketplace-orders.jsonl"), "--dry-run")
        assert status == 0
        assert out.startswith("Dry run, nothing written: would have created 2,")
        assert write_counts() == before


class TestParityWithTheApi:
    @pytest.mark.parametrize("body, field, text", [
        case for case in BAD_CREATE_BODIES if case[1] not in IMPORT_ONLY_FIELDS])
    def test_importer_rejects_what_the_api_rejects(self, client, demo, tmp_path, body, field,
                                                   text):
        api = client.post(CREATE_URL, json.dumps(body), content_type="application/json",
                          **bearer(demo["customer"]["token"]))
        assert api.status_code == 400 and f"{field}: " in api.json()["error_message"]
        before = write_counts()
        path = write_jsonl(tmp_path / "one.jsonl", [{**OWNERS, **body, "external_id": "P-1"}])
        status, _, err = run("import_orders", "marketplace", path)
        assert status == 1
        assert f"line 1 [P-1] {field}: " in err and text in err
        assert write_counts() == before

    def test_importer_accepts_what_the_api_accepts(self, client, demo, tmp_path):
        bodies = [VALID,
                  {"shipping_info": [{k: v for k, v in VALID.items() if k != "paypal_email"}],
                   "billing_info": [{"paypal_email": "me@example.com", "billing_city": "X"}],
                   "comments": "one"}]
        for body in bodies:
            response = client.post(CREATE_URL, json.dumps(body), content_type="application/json",
                                   **bearer(demo["customer"]["token"]))
            assert response.status_code == 201
        path = write_jsonl(tmp_path / "ok.jsonl", [{**OWNERS, **body, "external_id": f"OK-{n}"}
                                                   for n, body in enumerate(bodies)])
        status, out, _ = run("import_orders", "marketplace", path)
        assert status == 0 and "created 2," in out


class TestExportRoundTrip:
    @pytest.mark.parametrize("fmt", ["jsonl", "csv"])
    def test_export_then_import_into_an_empty_database(self, client, demo, tmp_path, fmt):
        token = demo["customer"]["token"]
        client.post(CREATE_URL, json.dumps({**VALID, "comments": ["a, \"quoted\"", "b"]}),
                    content_type="application/json", **bearer(token))
        client.put("/api/v1/orders/5c68a588fc924b00178bf143",
                   json.dumps({"status": "Completed", "shipping_city": "Durham"}),
                   content_type="application/json", **bearer(demo["merchant"]["token"]))
        client.delete(f"/api/v1/orders/5c68a604fc924b00178bf144/customers/{CUSTOMER_ID}",
                      **bearer(token))
        expected = snapshot()
        assert {row[4] for row in expected} == {"In progress", "Completed", "Cancelled"}
        path = str(tmp_path / f"export.{fmt}")
        status, out, _ = run("export_orders", "marketplace", path)
        assert status == 0 and "Exported 3 marketplace order(s)" in out

        status, out, _ = run("import_orders", "marketplace", path)
        assert status == 0 and out.startswith("Nothing changed: all 3 orders")

        OrderEvent.objects.all().delete()
        MarketplaceOrder.objects.all().delete()
        status, out, err = run("import_orders", "marketplace", path)
        assert (status, err) == (0, "")
        assert "created 3," in out
        assert snapshot() == expected
        assert OrderEvent.objects.filter(via="import", action="create").count() == 3

    def test_export_filters(self, demo, tmp_path):
        MarketplaceOrder.objects.filter(public_id="5c68a604fc924b00178bf144").update(
            status="Cancelled")
        path = tmp_path / "cancelled.jsonl"
        status, out, _ = run("export_orders", "marketplace", str(path), "--status", "Cancelled")
        assert "Exported 1 marketplace order(s)" in out
        exported = json.loads(path.read_text())
        assert (exported["_id"], exported["status"], exported["created_date"]) == (
            "5c68a604fc924b00178bf144", "Cancelled", "2019-02-17T00:08:36.722Z")
        status, out, _ = run("export_orders", "marketplace", str(path), "--created-before",
                             "2019-02-17T00:07:00Z")
        assert "Exported 1 marketplace order(s)" in out
        assert json.loads(path.read_text())["_id"] == "5c68a588fc924b00178bf143"

    def test_export_makes_no_query_per_order(self, demo, django_assert_max_num_queries):
        from marketplace.importers import order_importer

        for n in range(5):
            MarketplaceOrder.objects.create(
                **{**MarketplaceOrder.objects.values(
                    "record_id", "merchant_id", "customer_id", "shipping_address1",
                    "shipping_city", "shipping_state", "shipping_zip", "paypal_email",
                    "merchant_company_name").first()}, external_id=f"Q-{n}")
        with django_assert_max_num_queries(2):
            assert len(list(order_importer.export_records({}))) == 7


class TestCatalog:
    def test_records_upserted_by_id_and_rerun_changes_nothing(self, demo):
        Record.objects.filter(public_id=RECORD_ID).update(price=Decimal("30.00"))
        path = str(EXAMPLES / "marketplace-catalog.csv")
        status, out, err = run("import_catalog", "marketplace", path)
        assert (status, err) == (0, "")
        assert out.startswith("created 1, updated 1, unchanged 0, rejected 0 (2 records")
        assert Record.objects.get(public_id=RECORD_ID).price == Decimal("24.99")
        new = Record.objects.get(public_id="5c679811bb102c001706bf0e")
        assert (new.merchant.public_id, new.artist, new.title, new.price, new.condition,
                new.comments) == (MERCHANT_ID, "Thelonious Monk", "Brilliant Corners",
                                  Decimal("27.50"), "VG+", "Original 1957 pressing")
        status, out, _ = run("import_catalog", "marketplace", path)
        assert out.startswith("Nothing changed: all 2 records were imported before.")

    def test_a_removed_record_is_listed_again(self, demo, tmp_path):
        Record.objects.filter(public_id=RECORD_ID).update(removed_at=datetime.now(UTC))
        path = write_jsonl(tmp_path / "records.jsonl", [{
            "_id": RECORD_ID, "merchant_id": MERCHANT_ID, "artist": "Miles Davis",
            "title": "Kind of Blue", "price": 24.99, "condition": "Near Mint"}])
        status, out, _ = run("import_catalog", "marketplace", path)
        assert status == 0 and "updated 1," in out
        assert Record.objects.get(public_id=RECORD_ID).removed_at is None

    def test_bad_record_rows_are_named(self, demo, tmp_path):
        other_merchant = demo["other_merchant"]["id"]
        path = tmp_path / "records.csv"
        path.write_text(
            "_id,merchant_id,artist,title,price,condition,comments\n"
            f"aaaaaaaaaaaaaaaaaaaaaaaa,{MERCHANT_ID},A,T,1.999,VG,\n"
            f"{RECORD_ID},{other_merchant},Miles Davis,Kind of Blue,24.99,Near Mint,\n"
            f",{MERCHANT_ID},A,T,10,VG,\n"
            f"bbbbbbbbbbbbbbbbbbbbbbbb,ffffffffffffffffffffffff,A,,10,VG,\n"
            f"cccccccccccccccccccccccc,{MERCHANT_ID},Good,Row,10,VG,\n"
        )
        status, out, err = run("import_catalog", "marketplace", str(path))
        assert status == 1
        assert "created 1, updated 0, unchanged 0, rejected 4" in out
        lines = err.splitlines()
        assert ("line 2 [aaaaaaaaaaaaaaaaaaaaaaaa] price: At most 2 decimal places (cents), "
                "got '1.999'.") in lines
        assert f"line 3 [{RECORD_ID}] _id: Record {RECORD_ID} belongs to another merchant." in (
            lines)
        assert "line 4 _id: This field is required." in lines
        assert ("line 5 [bbbbbbbbbbbbbbbbbbbbbbbb] merchant_id: No merchant with id "
                "ffffffffffffffffffffffff.") in lines
        assert "line 5 [bbbbbbbbbbbbbbbbbbbbbbbb] title: This field is required." in lines
        assert not Record.objects.filter(public_id="aaaaaaaaaaaaaaaaaaaaaaaa").exists()
        assert Record.objects.get(public_id=RECORD_ID).merchant.public_id == MERCHANT_ID
        assert Record.objects.filter(public_id="cccccccccccccccccccccccc").exists()


    @pytest.mark.parametrize("batch_size", ["1", "50"])
    def test_a_nul_in_a_merchant_id_rejects_its_row_only(self, demo, tmp_path, batch_size):
        record = {"merchant_id": MERCHANT_ID, "artist": "A", "title": "T", "price": 10,
                  "condition": "VG"}
        path = write_jsonl(tmp_path / "records.jsonl", [
            {**record, "_id": "aaaaaaaaaaaaaaaaaaaaaaaa"},
            {**record, "_id": "bbbbbbbbbbbbbbbbbbbbbbbb", "merchant_id": "\x00" * 24},
            {**record, "_id": "cccccccccccccccccccccccc", "artist": "A\x00"},
            {**record, "_id": "dddddddddddddddddddddddd"},
        ])
        status, out, err = run("import_catalog", "marketplace", path, "--batch-size",
                               batch_size)
        assert status == 1 and out.startswith("created 2, updated 0, unchanged 0, rejected 2")
        assert ("line 2 [bbbbbbbbbbbbbbbbbbbbbbbb] merchant_id: Must be 24 lowercase hex "
                "characters") in err, err
        assert f"line 3 [cccccccccccccccccccccccc] artist: {NUL_TEXT}" in err, err
        assert set(Record.objects.filter(public_id__in=["aaaaaaaaaaaaaaaaaaaaaaaa",
                                                        "dddddddddddddddddddddddd"])
                   .values_list("public_id", flat=True)) == {"aaaaaaaaaaaaaaaaaaaaaaaa",
                                                             "dddddddddddddddddddddddd"}


class TestInterruption:
    COUNT = 3000

    def records(self, demo):
        """Orders as another system exports them, so that two imports give the same rows:
        their own `_id` and times; half keyed by `external_id`, half by `_id` alone."""
        records = demo["merchant"]["record_ids"]
        customers = [demo["customer"]["id"], demo["other_customer"]["id"]]
        for i in range(self.COUNT):
            yield {
                **({"external_id": f"k-{i}"} if i % 2 else {}),
                "_id": f"{0xabc000000000000000000000 + i:024x}",
                "customer_id": customers[i % 2], "merchant_id": MERCHANT_ID,
                "record_id": records[i % 3],
                **VALID, "shipping_city": f"City {i}", "comments": [f"order {i}"],
                "status": "Completed" if i % 5 == 0 else "In progress",
                "__v": 1 if i % 5 == 0 else 0,
                "created_date": f"2019-03-01T10:{i // 60 % 60:02}:{i % 60:02}.{i % 1000:03}Z",
            }

    @staticmethod
    def imported():
        return MarketplaceOrder.objects.filter(public_id__startswith="abc")

    @staticmethod
    def events_by_order():
        return events_by_order(MarketplaceOrder, dict(
            MarketplaceOrder.objects.values_list("pk", "public_id")))

    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_kill_9_midway_then_rerun_gives_the_same_database_as_one_clean_run(
        self, demo, tmp_path
    ):
        path = write_jsonl(tmp_path / "big.jsonl", self.records(demo))
        command = ["import_orders", "marketplace", path, "--batch-size", "50", "--no-progress"]
        kill_9_when(self.imported(), 300, *command)

        partial = self.imported().count()
        assert 0 < partial < self.COUNT, partial
        # Every order written is whole: one import event each, none for an order not there.
        events = self.events_by_order()
        assert None not in events
        assert sorted(len(events[public_id]) for public_id in
                      self.imported().values_list("public_id", flat=True)) == [1] * partial

        result = run_subprocess(*command)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(
            f"created {self.COUNT - partial}, updated 0, unchanged {partial}, rejected 0")
        resumed = (snapshot(), self.events_by_order())

        # One clean run into tables emptied of these orders gives the same rows.
        OrderEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(MarketplaceOrder),
            object_id__in=self.imported().values("pk")).delete()
        self.imported().delete()
        status, out, err = run("import_orders", "marketplace", path)
        assert (status, err) == (0, "")
        assert out.startswith(f"created {self.COUNT}, updated 0, unchanged 0, rejected 0")
        assert (snapshot(), self.events_by_order()) == resumed
