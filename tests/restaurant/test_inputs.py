"""Issue 19 for restaurant: one input layer (API, admin and import accept and reject the
same bodies with the same field and message), a set-based import whose orders read like
the API's, and a batch's queries constant in its size."""

import json
from html.parser import HTMLParser

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.imports import SourceItem
from orders.models import OrderEvent
from restaurant.importers import order_importer
from restaurant.inputs import (
    MAX_LIST_LENGTH,
    CustomerOrderCreateRules,
    OrderCreateRules,
    OrderUpdateRules,
    order_create_input,
)
from restaurant.models import Address, Order, OrderMenu, OrderTotal, StatusHistory
from tests.commands import events_by_order, write_jsonl
from tests.commands import run_command as run
from tests.restaurant.factories import MenuFactory, StaffFactory
from tests.restaurant.test_api import (
    INVALID_CREATES,
    ORDERS_URL,
    SEED_PAYLOAD,
    errors_of,
    send,
    write_counts,
)

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/restaurant/order/add/"
JSON_FIELDS = {"address", "order_menus", "order_totals"}


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def form_shaped(body: dict) -> dict:
    """The body as a form can carry it: its scalars as text (lists stay lists)."""
    return {k: v if k in JSON_FIELDS else as_text(v) for k, v in body.items()}


def form_data(body: dict) -> dict:
    """The admin add form's data for this body (the lists and the address as JSON)."""
    return {k: json.dumps(v) if k in JSON_FIELDS else v for k, v in body.items()}


def flat_name(pointer_field: str) -> str:
    """`order_menus/0/qty` -> `order_menus[0].qty`, as the import and admin name it."""
    parts = pointer_field.split("/")
    name = parts[0]
    for part in parts[1:]:
        name += f"[{part}]" if part.isdigit() else f".{part}"
    return name


class FormValues(HTMLParser):
    """What a browser would post back from a page's form, unchanged."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "checkbox"):
            self.values[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def change_page_values(admin_client, order_id: int) -> dict:
    parser = FormValues()
    parser.feed(admin_client.get(f"/admin/restaurant/order/{order_id}/change/")
                .content.decode())
    parser.values.pop("csrfmiddlewaretoken", None)
    return {name: value.removeprefix("\n") for name, value in parser.values.items()}


def admin_errors(admin_client, body) -> dict:
    response = admin_client.post(ADD_URL, form_data(body))
    assert response.status_code == 200, "the admin accepted it"
    return dict(response.context["adminform"].form.errors)


def import_errors(tmp_path, body) -> list[str]:
    status, out, err = run("import_orders", "restaurant",
                           write_jsonl(tmp_path / "one.jsonl", [body]))
    assert status == 1 and "rejected 1" in out
    lines = [line.removeprefix("line 1 ") for line in err.splitlines()[:-1]]
    return [line.split("] ", 1)[1] if line.startswith("[") else line for line in lines]


class TestOneInputLayer:
    @pytest.mark.parametrize("body,field", INVALID_CREATES)
    def test_api_admin_and_import_reject_the_same_with_the_same_message(
        self, client, admin_client, demo, writer, tmp_path, body, field
    ):
        body = form_shaped(body)
        before = write_counts()
        api = send(client, "post", ORDERS_URL, body, writer)
        assert api.status_code == 422, api.content
        [error] = errors_of(api)
        assert error["source"]["pointer"] == f"/data/attributes/{field}"
        name, message = flat_name(field), error["detail"]

        top = name.split(".")[0].split("[")[0]
        assert admin_errors(admin_client, body) == {
            top: [message if top == name else f"{name}: {message}"]}
        assert import_errors(tmp_path, body) == [f"{name}: {message}"]
        assert write_counts() == before

    def test_admin_creates_what_the_api_creates(self, client, admin_client, demo, writer):
        body = form_shaped({**SEED_PAYLOAD, "order_type": "delivery",
                            "address": {"address_1": "1 High St", "city": "Leeds"}})
        assert send(client, "post", ORDERS_URL, body, writer).status_code == 201
        response = admin_client.post(ADD_URL, form_data(body))
        assert response.status_code == 302, response.context["adminform"].form.errors
        api_order, admin_order = Order.objects.order_by("-pk")[:2][::-1]

        def shape(order):
            return (order.first_name, order.order_type, order.address.address_1,
                    order.total_items, order.order_total, order.status_id, order.processed,
                    [(m.menu_id, m.qty, m.price, m.subtotal) for m in order.order_menus.all()],
                    [(t.code, t.value) for t in order.order_totals.all()],
                    [(h.status_id, h.comment) for h in order.status_history.all()])

        assert shape(admin_order) == shape(api_order)
        events = events_by_order(Order, {api_order.pk: "api", admin_order.pk: "admin"})
        assert events["api"] == [("create", "api", "", "Received", "")]
        assert events["admin"] == [("create", "admin", "", "Received", "")]

    @pytest.mark.parametrize("body,field", [
        ({"first_name": ""}, "first_name"), ({"email": "nope"}, "email"),
        ({"status_id": "99"}, "status_id"), ({"assignee_id": "999"}, "assignee_id"),
        ({"notify": "maybe"}, "notify"), ({"order_date_time": "tomorrow"}, "order_date_time"),
        ({"telephone": "0\u00001"}, "telephone"),
    ])
    def test_admin_changes_are_refused_as_the_apis_updates(self, client, admin_client, demo,
                                                           writer, body, field):
        before = write_counts()
        api = send(client, "patch", "/api/orders/1", body, writer)
        assert api.status_code == 422
        [error] = errors_of(api)
        data = {**change_page_values(admin_client, 1), **body}
        response = admin_client.post("/admin/restaurant/order/1/change/", data)
        assert response.status_code == 200
        assert dict(response.context["adminform"].form.errors) == {field: [error["detail"]]}
        assert write_counts() == before

    def test_an_admin_change_goes_through_the_update_service(self, admin_client, demo):
        staff = StaffFactory(name="Chef")
        data = change_page_values(admin_client, 1)
        response = admin_client.post("/admin/restaurant/order/1/change/", {
            **data, "first_name": "Tuck", "status_id": "4", "status_comment": "on its way",
            "assignee_id": str(staff.pk)})
        assert response.status_code == 302, response.context["adminform"].form.errors
        order = Order.objects.get(pk=1)
        assert (order.first_name, order.status_id, order.assignee_id) == ("Tuck", 4, staff.pk)
        assert [(h.status_id, h.comment) for h in order.status_history.all()] == [
            (3, ""), (4, "on its way")]
        assert events_by_order(Order, {1: "seed"})["seed"] == [
            ("update", "admin", "", "", "changed: first_name, assignee, assignee_updated_at"),
            ("status", "admin", "Preparation", "Delivery", "on its way")]

    def test_a_customers_staff_fields_are_refused_beside_the_menus_prices(self, demo):
        body = {**SEED_PAYLOAD, "order_menus": [{"id": 1, "qty": 1, "price": "0"}]}
        from orders.inputs import InputErrors
        from restaurant.models import Customer
        from restaurant.selectors import order_create_checked

        with pytest.raises(InputErrors) as raised:
            order_create_checked(body, customer=Customer.objects.get(pk=1))
        assert sorted(raised.value.as_dict()) == [
            "order_menus[0].price", "processed", "status_comment", "status_id"]


class TestTheSchemaIsTheRules:
    def test_request_bodies_are_the_input_serializers(self, client, demo):
        schema = client.get("/api/schema/?format=json").json()
        components = schema["components"]["schemas"]
        create = components["RestaurantOrderCreateInput"]
        assert set(create["properties"]) == set(OrderCreateRules().fields)
        assert create["properties"]["first_name"]["maxLength"] == 48
        assert create["properties"]["order_menus"]["maxItems"] == MAX_LIST_LENGTH
        assert set(create["required"]) == {
            name for name, field in OrderCreateRules().fields.items() if field.required}
        assert set(components["RestaurantOrderUpdateInput"]["properties"]) == set(
            OrderUpdateRules().fields)
        line = components["RestaurantOrderMenuInput"]["properties"]
        assert (line["qty"]["minimum"], line["qty"]["maximum"]) == (1, 2**31 - 1)
        post = schema["paths"]["/api/orders"]["post"]["requestBody"]["content"]
        # The rules are the attributes of the JSON:API document (and, as application/json,
        # the seed's plain object).
        document, plain = post["application/json"]["schema"]["anyOf"]
        assert plain["$ref"].endswith("/RestaurantOrderCreateInput")
        assert document["properties"]["data"]["properties"]["attributes"] == plain

    def test_a_customers_rules_have_no_staff_field(self):
        assert not {"status_id", "processed", "assignee_id", "customer_id"} & set(
            CustomerOrderCreateRules().fields)

    def test_the_typed_value_pickles(self):
        import pickle

        order = order_create_input(SEED_PAYLOAD)
        assert pickle.loads(pickle.dumps(order)) == order


def record(i: int, **changes) -> dict:
    return {**SEED_PAYLOAD, "external_id": f"set-{i}", "customer_id": 1,
            "order_menus": [{"id": 1, "qty": 1 + line, "comment": f"line {line}"}
                            for line in range(5)], **changes}


class TestSetBasedImport:
    def test_rows_lines_and_one_event_per_order_reading_like_the_apis(self, client, demo,
                                                                      writer, tmp_path):
        api = send(client, "post", ORDERS_URL, record(0, external_id=None), writer)
        assert api.status_code == 201
        api_order = Order.objects.get(pk=api.json()["data"]["id"])
        path = write_jsonl(tmp_path / "orders.jsonl", [
            record(1), record(2, order_type="delivery", address={"address_1": "2 Road"}),
            record(3, status_history=[{"status_id": 1}, {"status_id": 6, "comment": "no"}],
                   status_id=6)])
        addresses = Address.objects.count()
        status, out, err = run("import_orders", "restaurant", path)
        assert (status, err) == (0, "")
        assert out.startswith("created 3, updated 0, unchanged 0, rejected 0 (3 orders, "
                              "15 lines)")
        orders = {o.external_id: o for o in Order.objects.filter(external_id__startswith="set-")}
        for order in orders.values():
            assert [(m.qty, m.price, m.subtotal, m.comment) for m in order.order_menus.all()] == [
                (m.qty, m.price, m.subtotal, m.comment) for m in api_order.order_menus.all()]
            assert [(t.code, t.value) for t in order.order_totals.all()] == [
                (t.code, t.value) for t in api_order.order_totals.all()]
            assert (order.total_items, order.order_total, order.customer_id) == (
                api_order.total_items, api_order.order_total, 1)
        assert orders["set-2"].address.address_1 == "2 Road"
        assert Address.objects.count() == addresses + 1
        assert [(h.status_id, h.comment) for h in orders["set-1"].status_history.all()] == [
            (1, "My comment")]
        assert [(h.status_id, h.comment) for h in orders["set-3"].status_history.all()] == [
            (1, ""), (6, "no")]
        events = events_by_order(Order, {api_order.pk: "api", **{
            o.pk: key for key, o in orders.items()}})
        assert events["api"] == [("create", "api", "", "Received", "")]
        assert events["set-1"] == events["set-2"] == [("create", "import", "", "Received", "")]
        assert events["set-3"] == [("create", "import", "", "Canceled", "")]

        before = (write_counts(), list(Order.objects.values_list("pk", "updated_at")))
        status, out, _ = run("import_orders", "restaurant", path)
        assert out.startswith("Nothing changed: all 3 orders were imported before.")
        assert (write_counts(), list(Order.objects.values_list("pk", "updated_at"))) == before

    def test_two_new_orders_with_one_hash_in_a_batch_reject_the_second(self, demo, tmp_path):
        path = write_jsonl(tmp_path / "orders.jsonl", [
            record(1, hash="a" * 32), record(2, hash="a" * 32)])
        status, out, err = run("import_orders", "restaurant", path)
        assert status == 1 and out.startswith("created 1, updated 0, unchanged 0, rejected 1")
        assert "line 2 [set-2] hash: The hash 'aaaa" in err
        status, _, err = run("import_orders", "restaurant", write_jsonl(
            tmp_path / "again.jsonl", [record(3, hash="a" * 32)]))
        assert status == 1 and "is the hash of order #" in err


class TestQueriesPerBatch:
    def batch_queries(self, count: int, offset: int) -> int:
        items = [SourceItem(i + 1, record(offset + i, order_menus=[
            {"id": menu, "qty": 1} for menu in self.menus[i % 3:i % 3 + 5]],
            assignee_id=self.staff.pk, payment="cod",
            **({"order_type": "delivery", "address": {"address_1": f"{i} Road"}}
               if i % 2 else {}))) for i in range(count)]
        with CaptureQueriesContext(connection) as queries:
            order_importer.prepare_batch(items)
            order_importer.import_batch(items)
        assert all(item.outcome == "created" for item in items), [
            item.errors for item in items]
        return len(queries)

    def test_a_batchs_queries_do_not_grow_with_its_size(self, demo,
                                                        django_assert_max_num_queries):
        """(SQLite's bulk_create splits a statement at 999 parameters: its large batch is
        one that fits one statement per table.)"""
        self.menus = [MenuFactory().pk for _ in range(8)]
        self.staff = StaffFactory()
        large = 200 if connection.vendor == "postgresql" else 20
        small = self.batch_queries(3, 0)
        with django_assert_max_num_queries(small):
            self.batch_queries(large, 1000)
        imported = Order.objects.filter(external_id__startswith="set-")
        assert imported.count() == 3 + large
        assert OrderMenu.objects.filter(order__in=imported).count() == 5 * (3 + large)
        assert OrderTotal.objects.filter(order__in=imported).count() == 3 + large
        assert StatusHistory.objects.filter(order__in=imported).count() == 3 + large
        assert OrderEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Order), via="import",
            object_id__in=imported.values("pk")).count() == 3 + large
