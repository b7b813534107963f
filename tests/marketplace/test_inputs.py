"""Issue 19 for the marketplace: one input layer (`marketplace.inputs`) that the API, the
admin and the importer share, a batch step resolving owners in one query per kind, and
the set-based import writing orders and their history like the API."""

import json
import pickle
import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from marketplace import inputs
from marketplace.importers import order_importer
from marketplace.models import MarketplaceOrder
from orders.imports import SourceItem
from orders.inputs import InputErrors
from orders.models import OrderEvent
from tests.commands import run_command as run
from tests.commands import write_jsonl
from tests.conftest import bearer
from tests.marketplace.conftest import write_counts
from tests.marketplace.test_bad_input import BAD_CREATE_BODIES, VALID
from tests.marketplace.test_orders_api import CREATE_URL, CUSTOMER_ID, MERCHANT_ID, RECORD_ID

pytestmark = pytest.mark.django_db
OWNERS = {"customer_id": CUSTOMER_ID, "merchant_id": MERCHANT_ID, "record_id": RECORD_ID}
CHANGELIST = "/admin/marketplace/marketplaceorder/"


def admin_value(body: dict, field: str):
    """The bad body as one value an operator could type in the order's change form (the
    form's text box for the field, or the comments' JSON), or None when it has no such
    form (a number, an unknown key, the order object's lists)."""
    missing = set(VALID) - set(body)
    changed = {k: v for k, v in body.items() if VALID.get(k, object()) != v}
    if missing == {field} and not changed:
        return field, ""
    if missing or len(changed) != 1:
        return None
    [(name, value)] = changed.items()
    if name in inputs.ADDRESS_FIELDS and name == field and isinstance(value, str):
        return name, value
    if name == "comments" and field.startswith("comments"):
        return name, json.dumps(value)
    return None


ADMIN_CASES = [(body, field, text) for body, field, text in BAD_CREATE_BODIES
               if admin_value(body, field) is not None]


def api_message(response, field: str) -> str:
    assert response.status_code == 400, response.content
    message = response.json()["error_message"]
    prefix = f"{field}: "
    assert message.startswith(prefix), message
    return message.removeprefix(prefix).split("; ")[0]


def admin_change_form(order, **changes):
    data = {name: getattr(order, name) for name in inputs.ADDRESS_FIELDS}
    data["comments"] = json.dumps(order.comments)
    data["seen_version"] = order.version
    data.update({"orders-orderevent-content_type-object_id-TOTAL_FORMS": "0",
                 "orders-orderevent-content_type-object_id-INITIAL_FORMS": "0"})
    return {**data, **changes}


def admin_messages(response, field: str) -> list[str]:
    """What the change form says of `field`: under the field, or above the form naming
    it (a comment's index)."""
    assert response.status_code == 200, "the admin saved what the API refuses"
    form = response.context["adminform"].form
    if field in form.fields:
        return list(form.errors.get(field, []))
    return [message.removeprefix(f"{field}: ") for message in form.non_field_errors()
            if message.startswith(f"{field}: ")]


class TestParityOfApiImportAndAdmin:
    def test_the_cases_cover_text_fields_and_comments(self):
        assert len(ADMIN_CASES) >= 12
        assert {field for _, field, _ in ADMIN_CASES} >= {
            "shipping_city", "paypal_email", "shipping_zip", "comments", "comments[1]"}

    @pytest.mark.parametrize("body, field, text", ADMIN_CASES)
    def test_same_field_and_message_in_api_import_and_admin(
        self, client, admin_client, demo, tmp_path, body, field, text
    ):
        before = write_counts()
        api = api_message(client.post(CREATE_URL, json.dumps(body),
                                       content_type="application/json",
                                       **bearer(demo["customer"]["token"])), field)
        assert text in api

        path = write_jsonl(tmp_path / "one.jsonl", [{**OWNERS, **body, "external_id": "P-1"}])
        status, _, err = run("import_orders", "marketplace", path)
        assert status == 1
        assert f"line 1 [P-1] {field}: {api}" in err.splitlines(), err

        order = MarketplaceOrder.objects.get(public_id="5c68a588fc924b00178bf143")
        name, value = admin_value(body, field)
        response = admin_client.post(f"{CHANGELIST}{order.pk}/change/",
                                     admin_change_form(order, **{name: value}))
        assert api in admin_messages(response, field)
        assert write_counts() == before

    @pytest.mark.parametrize("form, field", [
        ({"shipping_address1": ""}, "shipping_address1"),
        ({"paypal_email": "nobody"}, "paypal_email"),
        ({"billing_zip": "1" * 21}, "billing_zip"),
        ({"comments": json.dumps(["x" * 2001])}, "comments"),
    ])
    def test_an_update_is_refused_alike_by_the_api_and_the_admin(
        self, client, admin_client, demo, form, field
    ):
        order = MarketplaceOrder.objects.get(public_id="5c68a588fc924b00178bf143")
        body = {k: json.loads(v) if k == "comments" else v for k, v in form.items()}
        api = api_message(client.put(f"/api/v1/orders/{order.public_id}", json.dumps(body),
                                     content_type="application/json",
                                     **bearer(demo["merchant"]["token"])), field)
        response = admin_client.post(f"{CHANGELIST}{order.pk}/change/",
                                     admin_change_form(order, **form))
        assert admin_messages(response, field) == [api]
        order.refresh_from_db()
        assert order.version == 0

    def test_the_admin_saves_what_the_api_accepts_cleaned_alike(self, admin_client, demo):
        order = MarketplaceOrder.objects.get(public_id="5c68a588fc924b00178bf143")
        response = admin_client.post(f"{CHANGELIST}{order.pk}/change/", admin_change_form(
            order, shipping_city="  Durham  ", comments=json.dumps([" a ", "b"])))
        assert response.status_code == 302
        order.refresh_from_db()
        assert (order.shipping_city, order.comments, order.version) == (
            "Durham", ["a", "b"], 1)


class TestInputs:
    def test_typed_values_that_pickle(self):
        parsed = inputs.order_import_input({**OWNERS, **VALID, "external_id": "X-1",
                                            "status": "Completed", "__v": "3",
                                            "created_date": "2019-03-01T10:15:00.000Z"})
        assert isinstance(parsed, inputs.OrderImportInput)
        assert (parsed.customer_id, parsed.external_id, parsed.status, parsed.version) == (
            CUSTOMER_ID, "X-1", "Completed", 3)
        assert parsed.order.shipping_city == "Austin" and parsed.order.comments == []
        assert pickle.loads(pickle.dumps(parsed)) == parsed

    def test_every_fault_of_an_import_record_at_once(self):
        with pytest.raises(InputErrors) as raised:
            inputs.order_import_input({**VALID, "customer_id": "x", "status": "Lost",
                                       "shipping_zip": 5})
        assert set(raised.value.as_dict()) == {"customer_id", "merchant_id", "record_id",
                                               "status", "shipping_zip"}

    def test_the_quick_path_accepts_and_cleans_exactly_as_the_field_checks(self):
        """An import's bodies take a quick path when every field is plainly good; it must
        agree with the fields' own checks on every body, good or bad."""
        rules = inputs.OrderCreateBody()
        pieces = ["", " ", "a", " Austin ", "x" * 20, "x" * 21, "x" * 200, "x" * 201,
                  "me@example.com", "not-an-email", "a\x00b", "\ud800", None, 5, ["a"]]
        chooser = random.Random(19)
        for _ in range(3000):
            fields = dict(VALID)
            for name in chooser.sample(inputs.ADDRESS_FIELDS, chooser.randint(0, 3)):
                value = chooser.choice(pieces)
                if value is None and chooser.random() < 0.5:
                    fields.pop(name, None)
                else:
                    fields[name] = value
            if chooser.random() < 0.3:
                fields["comments"] = chooser.choice(
                    [[], ["a", " b "], "one", ["x" * 2001], [1], ["ok", "\x00"], ["x"] * 101])
            errors: dict = {}
            slow = rules.order_values(fields, errors, only_given=False)
            fast = inputs.fast_order_values(fields)
            if errors:
                assert fast is None, fields
            elif fast is not None:
                assert fast == [slow[name] for name in inputs.OrderInput._fields], fields

    def test_an_unknown_owner_is_named_with_its_value(self, demo):
        from marketplace.selectors import OrderOwners, order_owners_resolve

        other_record = demo["other_merchant"]["record_ids"][0]
        resolved = order_owners_resolve([
            inputs.OrderOwnersRef(CUSTOMER_ID, MERCHANT_ID, RECORD_ID),
            inputs.OrderOwnersRef("f" * 24, MERCHANT_ID, RECORD_ID),
            inputs.OrderOwnersRef(CUSTOMER_ID, "e" * 24, RECORD_ID),
            inputs.OrderOwnersRef(CUSTOMER_ID, MERCHANT_ID, other_record),
        ])
        assert isinstance(resolved[0], OrderOwners)
        assert resolved[0].merchant_company_name == "Record Stack Overflow"
        assert [r.pairs() for r in resolved[1:]] == [
            [("customer_id", f"No customer with id {'f' * 24}.")],
            [("merchant_id", f"No merchant with id {'e' * 24}.")],
            [("record_id", f"No record with id {other_record} of merchant {MERCHANT_ID}.")],
        ]



class TestSetBasedImport:
    def records(self, demo, count, start=0):
        records = demo["merchant"]["record_ids"]
        customers = [demo["customer"]["id"], demo["other_customer"]["id"]]
        return [{"external_id": f"S-{i}", "customer_id": customers[i % 2],
                 "merchant_id": MERCHANT_ID, "record_id": records[i % len(records)],
                 **VALID, "shipping_city": f"City {i}", "comments": [f"c {i}"],
                 **({"status": "Completed", "__v": 1} if i % 3 == 0 else {})}
                for i in range(start, start + count)]

    def batch(self, records):
        items = [SourceItem(n, record) for n, record in enumerate(records, start=1)]
        order_importer.prepare_batch(items)
        with transaction.atomic():
            order_importer.import_batch(items)
        return items

    def test_rows_and_one_event_per_order_like_the_api(self, client, demo, tmp_path):
        path = write_jsonl(tmp_path / "orders.jsonl", self.records(demo, 30))
        status, out, err = run("import_orders", "marketplace", path, "--batch-size", "7")
        assert (status, err) == (0, "")
        assert out.startswith("created 30, updated 0, unchanged 0, rejected 0 (30 orders")
        orders = MarketplaceOrder.objects.filter(external_id__startswith="S-")
        assert orders.count() == 30
        order = orders.get(external_id="S-4")
        assert (order.shipping_city, order.comments, order.status, order.version,
                order.merchant_company_name, order.merchant_primary_contact) == (
            "City 4", ["c 4"], "In progress", 0, "Record Stack Overflow", "Pat Seller")
        assert len({o.public_id for o in orders}) == 30
        assert all(len(o.public_id) == 24 for o in orders)

        created = client.post(CREATE_URL, json.dumps(VALID), content_type="application/json",
                              **bearer(demo["customer"]["token"])).json()
        api_order = MarketplaceOrder.objects.get(public_id=created["_id"])
        content_type = ContentType.objects.get_for_model(MarketplaceOrder)
        events = OrderEvent.objects.filter(content_type=content_type)

        def history(order_id):
            return list(events.filter(object_id=order_id).values_list(
                "action", "from_state", "to_state", "note"))

        assert history(api_order.pk) == [("create", "", "In progress", "__v 0")]
        assert events.get(object_id=api_order.pk).via == "api"
        for imported in orders:
            assert history(imported.pk) == [("create", "", imported.status,
                                             f"__v {imported.version}")]
        assert set(events.filter(object_id__in=orders.values("pk")).values_list(
            "via", flat=True)) == {"import"}

        before = write_counts()
        status, out, _ = run("import_orders", "marketplace", path, "--batch-size", "4")
        assert status == 0 and out.startswith("Nothing changed: all 30 orders")
        assert write_counts() == before

    def test_an_order_named_twice_in_a_batch_by_its_two_keys_is_one_order(self, demo):
        record = self.records(demo, 1)[0]
        items = self.batch([{**record, "_id": "d" * 24}, {**record},
                            {**record, "external_id": "other", "_id": "d" * 24}])
        assert [item.outcome for item in items] == ["created", "unchanged", "unchanged"]
        assert MarketplaceOrder.objects.filter(public_id="d" * 24).count() == 1

    def test_an_order_imported_before_stays_though_its_record_is_gone(self, demo):
        record = self.records(demo, 1)[0]
        assert [i.outcome for i in self.batch([record])] == ["created"]
        MarketplaceOrder.objects.filter(external_id="S-0").update(status="Completed")
        from django.utils import timezone

        from marketplace.models import Record

        Record.objects.filter(public_id=record["record_id"]).update(removed_at=timezone.now())
        before = write_counts()
        assert [i.outcome for i in self.batch([record])] == ["unchanged"]
        assert write_counts() == before

    def test_a_batchs_queries_do_not_grow_with_its_size(self, demo,
                                                        django_assert_max_num_queries):
        # (SQLite's bulk_create takes at most 999 parameters per INSERT: 37 orders)
        sizes = [3, 30] if connection.vendor == "sqlite" else [3, 300]
        counts = []
        start = 0
        for size in sizes:
            records = self.records(demo, size, start=start)
            start += size
            with CaptureQueriesContext(connection) as queries:
                items = self.batch(records)
            assert {item.outcome for item in items} == {"created"}
            counts.append(len(queries))
        assert counts[0] == counts[1], counts
        with django_assert_max_num_queries(counts[0]):
            self.batch(self.records(demo, sizes[1], start=start))
        # a re-run of a batch: only the existence checks (by external id, by public id)
        # and the batch's savepoint
        with django_assert_max_num_queries(4):
            items = self.batch(self.records(demo, sizes[1], start=start))
        assert {item.outcome for item in items} == {"unchanged"}

    def test_an_api_create_is_a_batch_of_one(self, client, demo,
                                             django_assert_max_num_queries):
        with django_assert_max_num_queries(20):
            response = client.post(CREATE_URL, json.dumps(VALID),
                                   content_type="application/json",
                                   **bearer(demo["customer"]["token"]))
        assert response.status_code == 201


class TestSchema:
    def test_request_bodies_are_the_inputs_serializers(self, client):
        schema = client.get("/api/schema/?format=json").json()
        bodies = schema["components"]["schemas"]
        paths = schema["paths"]

        def body_of(path, method):
            content = paths[path][method]["requestBody"]["content"]
            return content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

        create = body_of("/api/v1/orders/merchants/{merchant_id}/records/{record_id}/", "post")
        update = body_of("/api/v1/orders/{order_id}/", "put")
        assert (create, update) == ("MarketplaceOrderCreateBody", "MarketplaceOrderUpdateBody")
        created = bodies[create]
        assert set(created["properties"]) == {*inputs.ADDRESS_FIELDS, "comments"}
        assert set(created["required"]) == inputs.REQUIRED_ORDER_FIELDS
        for name in inputs.ADDRESS_FIELDS:
            text = created["properties"][name]
            text = text["anyOf"][0] if "anyOf" in text else text  # (a blank one: or "")
            assert text["maxLength"] == MarketplaceOrder._meta.get_field(name).max_length
        assert created["properties"]["comments"]["anyOf"][1]["maxItems"] == inputs.MAX_COMMENTS
        updated = bodies[update]
        assert set(updated["properties"]) == {*inputs.ADDRESS_FIELDS, "comments", "status",
                                              "__v"}
        assert "required" not in updated
        assert updated["properties"]["__v"]["maximum"] == inputs.MAX_VERSION
