import copy
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.inputs import InputErrors
from orders.models import OrderEvent
from restaurant.models import Address, Order, OrderMenu, OrderTotal, StatusHistory
from restaurant.selectors import order_create_checked
from tests.conftest import bearer
from tests.restaurant.factories import (
    CustomerFactory,
    OrderFactory,
    StaffFactory,
    UserFactory,
    token_for,
)

pytestmark = pytest.mark.django_db

ORDERS_URL = "/api/orders"
JSON_API = "application/vnd.api+json"

# The seed's order (its "Order object example" / list response), as attributes.
SEED_ORDER_ATTRIBUTES = {
    "customer_id": 1,
    "location_id": 1,
    "address_id": None,
    "first_name": "Tucker",
    "last_name": "Vega",
    "email": "vavur@mailinator.com",
    "telephone": "+1 (604) 376-2674",
    "notify": None,
    "order_type": "collection",
    "order_time": "13:13:00",
    "order_date": "2020-05-24 00:00:00",
    "order_date_time": "2020-05-24 13:13:00",
    "processed": True,
    "total_items": 3,
    "order_total": "15.0449",
    "currency": "GBP",
    "comment": "",
    "payment": "cod",
    "invoice_prefix": "INV-2020-00",
    "invoice_date": "2020-05-24T11:58:43.000000Z",
    "status_id": 3,
    "status_updated_at": "2020-05-24T11:58:43.000000Z",
    "assignee_id": None,
    "assignee_group_id": None,
    "assignee_updated_at": None,
    "ip_address": "192.168.10.1",
    "hash": "7158b25ef2f10b151f87fc4d26b3b27d",
    "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:76.0) "
                  "Gecko/20100101 Firefox/76.0",
    "created_at": "2020-05-24 12:58:43",
    "updated_at": "2020-05-24 12:58:43",
    "order_totals": [],
    "order_menus": [{"id": 1, "order_menu_id": 1, "name": "Puff-Puff", "qty": 3,
                     "price": "4.9900", "subtotal": "14.9700", "comment": "", "options": []}],
}
SEED_RELATIONSHIPS = {
    "customer": {"data": {"type": "customers", "id": "1"}},
    "location": {"data": {"type": "locations", "id": "1"}},
    "address": {"data": None},
    "payment_method": {"data": {"type": "payment_methods", "id": "cod"}},
    "status": {"data": {"type": "statuses", "id": "3"}},
    "assignee": {"data": None},
    "assignee_group": {"data": None},
    "status_history": {"meta": {"count": 1}, "data": [{"type": "status_history", "id": "1"}]},
}
# The seed's create payload.
SEED_PAYLOAD = {
    "location_id": 1,
    "first_name": "Tucker",
    "last_name": "Vega",
    "email": "vavur@mailinator.com",
    "telephone": "+1 (604) 376-2674",
    "comment": "Give me my food",
    "order_type": "collection",
    "order_date": "2021-03-01",
    "order_time": "10:00",
    "payment": "cod",
    "processed": 1,
    "status_id": 1,
    "status_comment": "My comment",
    "order_menus": [{"rowId": 0, "id": 1, "name": "Puff-Puff", "qty": 3, "price": "4.9900",
                     "subtotal": "14.9700", "comment": "", "options": []}],
    "order_totals": [{"code": "total", "title": "Total", "value": 10, "priority": 1}],
    "order_total": 10.00,
}

# The seed's payload as a customer's token sends it: no staff-only fields (status,
# processed), the prices the menu's and the totals left to be computed.
CUSTOMER_PAYLOAD = {key: value for key, value in SEED_PAYLOAD.items() if key not in (
    "processed", "status_id", "status_comment", "order_totals", "order_total")}


def write_counts():
    return (Order.objects.count(), OrderMenu.objects.count(), OrderTotal.objects.count(),
            StatusHistory.objects.count(), Address.objects.count(),
            OrderEvent.objects.count())


def send(client, method, url, body, token, content_type="application/json"):
    payload = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(url, payload, content_type=content_type, **bearer(token))


def errors_of(response) -> list[dict]:
    assert response["Content-Type"] == JSON_API
    return response.json()["errors"]


class TestSeedExamples:
    def test_list_as_the_seed_shows(self, client, demo, writer):
        response = client.get(ORDERS_URL, **bearer(writer))
        assert response.status_code == 200
        assert response["Content-Type"] == JSON_API
        body = response.json()
        assert body["data"] == [{"type": "orders", "id": "1",
                                 "attributes": SEED_ORDER_ATTRIBUTES,
                                 "relationships": SEED_RELATIONSHIPS}]
        assert body["meta"] == {"pagination": {"total": 1, "count": 1, "per_page": 20,
                                               "current_page": 1, "total_pages": 1}}
        assert body["links"] == {"self": "http://testserver/api/orders?page=1",
                                 "first": "http://testserver/api/orders?page=1",
                                 "last": "http://testserver/api/orders?page=1"}
        assert "included" not in body

    def test_retrieve_is_a_single_resource_object(self, client, demo, writer):
        for url in ["/api/orders/1", "/api/orders/1/"]:
            response = client.get(url, **bearer(writer))
            assert response.status_code == 200
            assert response.json() == {"data": {"type": "orders", "id": "1",
                                                "attributes": SEED_ORDER_ATTRIBUTES,
                                                "relationships": SEED_RELATIONSHIPS}}

    def test_create_with_the_seeds_plain_json_payload(self, client, demo, writer):
        response = send(client, "post", ORDERS_URL, SEED_PAYLOAD, writer)
        assert response.status_code == 201, response.content
        data = response.json()["data"]
        assert data["type"] == "orders"
        attributes = data["attributes"]
        assert {k: attributes[k] for k in [
            "location_id", "first_name", "last_name", "email", "telephone", "comment",
            "order_type", "order_date", "order_time", "order_date_time", "payment",
            "processed", "status_id", "total_items", "order_total", "currency",
        ]} == {
            "location_id": 1, "first_name": "Tucker", "last_name": "Vega",
            "email": "vavur@mailinator.com", "telephone": "+1 (604) 376-2674",
            "comment": "Give me my food", "order_type": "collection",
            "order_date": "2021-03-01 00:00:00", "order_time": "10:00:00",
            "order_date_time": "2021-03-01 10:00:00", "payment": "cod", "processed": True,
            "status_id": 1, "total_items": 3, "order_total": "10.0000", "currency": "GBP",
        }
        assert attributes["order_totals"] == [
            {"code": "total", "title": "Total", "value": "10.0000", "priority": 1}]
        assert attributes["order_menus"][0]["qty"] == 3
        assert attributes["order_menus"][0]["subtotal"] == "14.9700"
        assert re.fullmatch(r"[0-9a-f]{32}", attributes["hash"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", attributes["created_at"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z",
                            attributes["status_updated_at"])
        order = Order.objects.get(pk=data["id"])
        assert order.order_total == Decimal("10.0000")
        history = list(order.status_history.all())
        assert [(h.status_id, h.comment) for h in history] == [(1, "My comment")]
        assert data["relationships"]["status_history"]["data"] == [
            {"type": "status_history", "id": str(history[0].pk)}]
        event = OrderEvent.objects.get(object_id=order.pk, action="create")
        assert (event.via, event.to_state, event.actor.username) == (
            "api", "Received", "restaurant-writer")

    def test_create_with_a_json_api_document(self, client, demo, writer):
        document = {"data": {"type": "orders", "attributes": SEED_PAYLOAD}}
        response = send(client, "post", ORDERS_URL, document, writer, content_type=JSON_API)
        assert response.status_code == 201, response.content
        attributes = response.json()["data"]["attributes"]
        assert (attributes["first_name"], attributes["total_items"]) == ("Tucker", 3)

    def test_json_api_document_relationships_name_the_location(self, client, demo, writer):
        attributes = {k: v for k, v in SEED_PAYLOAD.items() if k != "location_id"}
        document = {"data": {"type": "orders", "attributes": attributes, "relationships": {
            "location": {"data": {"type": "locations", "id": "1"}}}}}
        response = send(client, "post", ORDERS_URL, document, writer, content_type=JSON_API)
        assert response.status_code == 201, response.content
        assert response.json()["data"]["attributes"]["location_id"] == 1

    def test_update_as_the_seed_shows(self, client, demo, writer):
        response = send(client, "patch", "/api/orders/1",
                        {"order_type": "delivery", "status_id": 4}, writer)
        assert response.status_code == 200, response.content
        attributes = response.json()["data"]["attributes"]
        assert (attributes["order_type"], attributes["status_id"]) == ("delivery", 4)
        assert attributes["status_updated_at"] != "2020-05-24T11:58:43.000000Z"
        assert [h.status_id for h in StatusHistory.objects.filter(order_id=1)] == [3, 4]
        event = OrderEvent.objects.get(object_id=1, action="status")
        assert (event.from_state, event.to_state, event.via) == ("Preparation", "Delivery",
                                                                 "api")

    def test_update_with_a_json_api_document_and_put(self, client, demo, writer):
        document = {"data": {"type": "orders", "id": "1",
                             "attributes": {"first_name": "Tuck", "assignee_id": None}}}
        response = send(client, "patch", "/api/orders/1", document, writer, JSON_API)
        assert response.status_code == 200, response.content
        assert response.json()["data"]["attributes"]["first_name"] == "Tuck"
        response = send(client, "put", "/api/orders/1/", {"last_name": "Vegas"}, writer)
        assert response.status_code == 200
        assert Order.objects.get(pk=1).last_name == "Vegas"

    def test_same_status_writes_no_history_and_assignee_stamps_its_time(self, client, demo,
                                                                        writer):
        staff = StaffFactory()
        response = send(client, "patch", "/api/orders/1",
                        {"status_id": 3, "assignee_id": staff.pk}, writer)
        assert response.status_code == 200
        attributes = response.json()["data"]["attributes"]
        assert attributes["assignee_id"] == staff.pk
        assert re.fullmatch(r"\d{4}-.*Z", attributes["assignee_updated_at"])
        assert StatusHistory.objects.filter(order_id=1).count() == 1

    def test_delete_as_the_seed_shows(self, client, demo, writer):
        response = client.delete("/api/orders/1", **bearer(writer))
        assert response.status_code == 200
        assert response.json() == {"id": 1, "object": "order", "deleted": True}
        assert not Order.objects.filter(pk=1).exists()
        assert OrderMenu.objects.filter(order_id=1).count() == 0
        assert OrderEvent.objects.filter(object_id=1, action="delete").count() == 1
        response = client.delete("/api/orders/1", **bearer(writer))
        assert response.status_code == 404
        assert errors_of(response) == [
            {"status": "404", "title": "Not found", "detail": "No order with id 1."}]


class TestIncludes:
    EXPECTED_TYPES = {
        "customer": ("customers", "1"), "location": ("locations", "1"),
        "payment_method": ("payment_methods", "cod"), "status": ("statuses", "3"),
        "status_history": ("status_history", "1"),
    }

    @pytest.mark.parametrize("include", sorted(EXPECTED_TYPES))
    def test_each_include_adds_its_resource(self, client, demo, writer, include):
        response = client.get(f"{ORDERS_URL}?include={include}", **bearer(writer))
        assert response.status_code == 200
        included = response.json()["included"]
        assert [(r["type"], r["id"]) for r in included] == [self.EXPECTED_TYPES[include]]

    def test_assignee_address_and_group_includes(self, client, demo, writer):
        staff = StaffFactory(name="Chef")
        send(client, "patch", "/api/orders/1", {"assignee_id": staff.pk,
                                                "assignee_group_id": 1}, writer)
        address = Address.objects.create(address_1="1 Road", city="Leeds")
        Order.objects.filter(pk=1).update(address=address)
        response = client.get("/api/orders/1?include=assignee,assignee_group,address",
                              **bearer(writer))
        included = {(r["type"], r["id"]): r["attributes"] for r in response.json()["included"]}
        assert included[("staff", str(staff.pk))]["name"] == "Chef"
        assert included[("staff_groups", "1")] == {"name": "Owners"}
        assert included[("addresses", str(address.pk))]["address_1"] == "1 Road"

    def test_include_with_spaces_as_the_seed_writes_it(self, client, demo, writer):
        response = client.get("/api/orders/1?include= customer,location", **bearer(writer))
        assert response.status_code == 200
        assert sorted(r["type"] for r in response.json()["included"]) == [
            "customers", "locations"]
        assert response.json()["included"][0]["attributes"]["first_name"] == "Tucker"

    def test_unsupported_include_is_a_400_naming_the_parameter(self, client, demo, writer):
        for url in [f"{ORDERS_URL}?include=customer,kitchen", "/api/orders/1?include=menus"]:
            response = client.get(url, **bearer(writer))
            assert response.status_code == 400
            [error] = errors_of(response)
            assert error["source"] == {"parameter": "include"}
            assert error["status"] == "400"


class TestListParameters:
    @pytest.fixture
    def orders(self, demo):
        return [OrderFactory() for _ in range(4)]  # ids 2..5 after the seed's 1

    def test_pages_meta_and_links(self, client, demo, writer, orders):
        response = client.get(f"{ORDERS_URL}?page=2&pageLimit=2", **bearer(writer))
        body = response.json()
        assert [r["id"] for r in body["data"]] == ["3", "4"]
        assert body["meta"]["pagination"] == {"total": 5, "count": 2, "per_page": 2,
                                              "current_page": 2, "total_pages": 3}
        base = "http://testserver/api/orders?page={}&pageLimit=2"
        assert body["links"] == {"self": base.format(2), "first": base.format(1),
                                 "last": base.format(3), "prev": base.format(1),
                                 "next": base.format(3)}

    def test_page_past_the_last_is_empty(self, client, demo, writer, orders):
        body = client.get(f"{ORDERS_URL}?page=9", **bearer(writer)).json()
        assert body["data"] == []
        assert body["meta"]["pagination"]["count"] == 0
        assert "next" not in body["links"]

    @pytest.mark.parametrize("query,parameter", [
        ("page=0", "page"), ("page=x", "page"), ("pageLimit=0", "pageLimit"),
        ("pageLimit=101", "pageLimit"), ("pageLimit=-1", "pageLimit"),
        ("sort=hash", "sort"), ("sort=order_id+sideways", "sort"),
        ("customer=abc", "customer"), ("location=1.5", "location"), ("status=x", "status"),
        ("filter[kitchen]=1", "filter[kitchen]"), ("colour=red", "colour"),
    ])
    def test_bad_parameters_are_400s_naming_them(self, client, demo, writer, query,
                                                 parameter):
        response = client.get(f"{ORDERS_URL}?{query}", **bearer(writer))
        assert response.status_code == 400
        [error] = errors_of(response)
        assert error["source"] == {"parameter": parameter}
        assert error["title"] == "Invalid query parameter"

    @pytest.mark.parametrize("sort,expected", [
        ("order_id desc", ["5", "4", "3", "2", "1"]),
        ("-order_id", ["5", "4", "3", "2", "1"]),
        ("order_id asc", ["1", "2", "3", "4", "5"]),
        ("created_at desc", ["5", "4", "3", "2", "1"]),
        ("-created_at", ["5", "4", "3", "2", "1"]),
        ("created_at", ["1", "2", "3", "4", "5"]),
    ])
    def test_sort_in_both_forms(self, client, demo, writer, orders, sort, expected):
        response = client.get(ORDERS_URL, {"sort": sort}, **bearer(writer))
        assert [r["id"] for r in response.json()["data"]] == expected

    def test_filters_and_search(self, client, demo, writer, orders):
        customer = CustomerFactory()
        Order.objects.filter(pk=orders[0].pk).update(customer=customer, status_id=5,
                                                     telephone="0700 123")
        ids = lambda **q: [r["id"] for r in client.get(  # noqa: E731
            ORDERS_URL, q, **bearer(writer)).json()["data"]]
        assert ids(customer=customer.pk) == [str(orders[0].pk)]
        assert ids(customer=1) == ["1"]
        assert ids(status=5) == [str(orders[0].pk)]
        assert ids(location=1) == ["1", "2", "3", "4", "5"]
        assert ids(location=99) == []
        assert ids(search="tucker") == ["1"]
        assert ids(search="VAVUR@") == ["1"]
        assert ids(search="0700") == [str(orders[0].pk)]
        far = OrderFactory(pk=98765)
        assert ids(search="98765") == [str(far.pk)]


class TestQueryCounts:
    def list_queries(self, client, token, query):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{ORDERS_URL}?{query}", **bearer(token))
        assert response.status_code == 200
        return len(queries)

    def test_constant_in_page_size_with_and_without_includes(self, client, demo, writer):
        staff = StaffFactory()
        for _ in range(12):
            order = OrderFactory(assignee=staff, assignee_group_id=1)
            StatusHistory.objects.create(order=order, status_id=1)
        everything = "include=" + ",".join(TestIncludes.EXPECTED_TYPES) + (
            ",address,assignee,assignee_group")
        self.list_queries(client, writer, "")  # stamps the token's last_used_at once
        small = self.list_queries(client, writer, "pageLimit=2")
        large = self.list_queries(client, writer, "pageLimit=13")
        assert small == large
        small_all = self.list_queries(client, writer, f"pageLimit=2&{everything}")
        large_all = self.list_queries(client, writer, f"pageLimit=13&{everything}")
        assert small_all == large_all
        # Includes are joins of the same page query: no query per include.
        assert large_all == large


class TestAuthorization:
    def test_no_token_and_a_bad_token_are_401(self, client, demo):
        for headers in [{}, bearer("nope")]:
            response = client.get(ORDERS_URL, **headers)
            assert response.status_code == 401
            [error] = errors_of(response)
            assert error["status"] == "401"

    def test_reader_reads_but_may_not_write(self, client, demo):
        token = demo["reader"]["token"]
        assert client.get("/api/orders/1", **bearer(token)).status_code == 200
        before = write_counts()
        for method, url, body in [("post", ORDERS_URL, SEED_PAYLOAD),
                                  ("patch", "/api/orders/1", {"status_id": 4}),
                                  ("delete", "/api/orders/1", {})]:
            response = send(client, method, url, body, token)
            assert response.status_code == 403
            assert "orders:write" in errors_of(response)[0]["detail"]
        assert write_counts() == before

    @pytest.mark.parametrize("abilities,read,write", [
        (["orders:write"], 403, 201), (["orders:*"], 200, 201), (["*"], 200, 201),
        (["other:*"], 403, 403),
    ])
    def test_abilities(self, client, demo, abilities, read, write):
        token = token_for(StaffFactory().user, abilities)
        assert client.get(ORDERS_URL, **bearer(token)).status_code == read
        assert send(client, "post", ORDERS_URL, SEED_PAYLOAD, token).status_code == write

    def test_user_who_is_neither_staff_nor_customer_is_403(self, client, demo):
        token = token_for(UserFactory())
        response = client.get(ORDERS_URL, **bearer(token))
        assert response.status_code == 403

    def test_customer_sees_own_orders_only(self, client, demo):
        other = OrderFactory(customer=CustomerFactory())
        token = demo["customer"]["token"]
        body = client.get(ORDERS_URL, **bearer(token)).json()
        assert [r["id"] for r in body["data"]] == ["1"]
        assert client.get(f"/api/orders/{other.pk}", **bearer(token)).status_code == 404
        # Another customer's filter is still scoped to the caller.
        assert client.get(ORDERS_URL, {"customer": other.customer_id},
                          **bearer(token)).json()["data"] == []

    def test_customer_creates_for_themselves_only(self, client, demo):
        other = CustomerFactory()
        payload = {**CUSTOMER_PAYLOAD, "customer_id": other.pk}
        response = send(client, "post", ORDERS_URL, payload, demo["customer"]["token"])
        assert response.status_code == 201
        assert response.json()["data"]["attributes"]["customer_id"] == demo["customer"]["id"]

    def test_customer_may_not_update_or_delete(self, client, demo):
        token = demo["customer"]["token"]
        before = write_counts()
        response = send(client, "patch", "/api/orders/1", {"status_id": 4}, token)
        assert response.status_code == 403
        assert errors_of(response)[0]["detail"] == (
            "Customer tokens may not update or delete orders.")
        assert client.delete("/api/orders/1", **bearer(token)).status_code == 403
        assert write_counts() == before

    def test_token_endpoint(self, client, demo):
        staff = StaffFactory()
        response = client.post("/api/token", {"email": staff.email, "password": "secret-pass",
                                               "device_name": "till-1",
                                               "abilities": ["orders:read"]},
                               content_type="application/json")
        assert response.status_code == 201
        body = response.json()
        assert body["status_code"] == 201
        assert client.get(ORDERS_URL, **bearer(body["token"])).status_code == 200
        assert send(client, "post", ORDERS_URL, SEED_PAYLOAD, body["token"]).status_code == 403

    def test_token_endpoint_refuses_bad_credentials(self, client, demo):
        staff = StaffFactory()
        response = client.post("/api/token/", {"email": staff.email, "password": "wrong",
                                                "device_name": "till"},
                               content_type="application/json")
        assert response.status_code == 422
        assert errors_of(response)[0]["source"] == {"pointer": "/data/attributes/email"}
        response = client.post("/api/token", {"email": staff.email}, 
                               content_type="application/json")
        assert {e["source"]["pointer"] for e in errors_of(response)} == {
            "/data/attributes/password", "/data/attributes/device_name"}
        stranger = UserFactory()  # the right password, but neither staff nor customer
        response = client.post("/api/token", {"email": stranger.email,
                                              "password": "secret-pass", "device_name": "x"},
                               content_type="application/json")
        assert response.status_code == 422
        assert errors_of(response)[0]["detail"] == "The provided credentials are incorrect."


def payload_with(**changes):
    payload = copy.deepcopy(SEED_PAYLOAD)
    for key, value in changes.items():
        if value is ...:
            payload.pop(key)
        else:
            payload[key] = value
    return payload


INVALID_CREATES = [
    (payload_with(first_name=...), "first_name"),
    (payload_with(first_name=""), "first_name"),
    (payload_with(first_name="x" * 49), "first_name"),
    (payload_with(last_name=...), "last_name"),
    (payload_with(last_name="y" * 49), "last_name"),
    (payload_with(email=...), "email"),
    (payload_with(email="not-an-email"), "email"),
    (payload_with(email="a" * 90 + "@ex.com"), "email"),
    (payload_with(comment="c" * 501), "comment"),
    (payload_with(order_type=...), "order_type"),
    (payload_with(order_type="takeaway"), "order_type"),
    (payload_with(order_type="delivery"), "address_id"),
    (payload_with(order_type="delivery", address={"city": "Leeds"}), "address/address_1"),
    (payload_with(address_id=999), "address_id"),
    (payload_with(location_id=...), "location_id"),
    (payload_with(location_id=99), "location_id"),
    (payload_with(location_id="one"), "location_id"),
    (payload_with(status_id=99), "status_id"),
    (payload_with(customer_id=999), "customer_id"),
    (payload_with(payment="bitcoin"), "payment"),
    (payload_with(order_menus=...), "order_menus"),
    (payload_with(order_menus=[]), "order_menus"),
    (payload_with(order_menus=[{"id": 999, "qty": 1}]), "order_menus/0/id"),
    (payload_with(order_menus=[{"id": 1, "qty": 0}]), "order_menus/0/qty"),
    (payload_with(order_menus=[{"id": 1, "qty": "two"}]), "order_menus/0/qty"),
    (payload_with(order_totals=...), "order_totals"),
    (payload_with(order_totals=[{"code": "total", "value": 1}]), "order_totals/0/title"),
    (payload_with(order_totals=[{"code": "t", "title": "T", "value": "x"}]),
     "order_totals/0/value"),
    (payload_with(order_total=...), "order_total"),
    (payload_with(order_total="ten"), "order_total"),
    (payload_with(order_total=-1), "order_total"),
    (payload_with(order_date="01/03/2021"), "order_date"),
    (payload_with(order_date="2021-13-45"), "order_date"),  # well formed, no such date
    (payload_with(order_time="25:00"), "order_time"),
    (payload_with(ip_address="999.1.1.1"), "ip_address"),
    # Beyond what the columns hold, or text PostgreSQL refuses: a 422, never a 500.
    (payload_with(ip_address=2147483648), "ip_address"),
    (payload_with(first_name="Tuck\u0000er"), "first_name"),
    (payload_with(comment="\u0000"), "comment"),
    (payload_with(payment="cod\u0000"), "payment"),
    (payload_with(location_id=2**63), "location_id"),
    (payload_with(status_id=-2**63 + 1), "status_id"),
    (payload_with(order_menus=[{"id": 2**63, "qty": 1}]), "order_menus/0/id"),
    (payload_with(order_menus=[{"id": 1, "qty": 2**31}]), "order_menus/0/qty"),
    (payload_with(order_menus=[{"id": 1, "qty": 2**63}]), "order_menus/0/qty"),
    (payload_with(order_menus=[{"id": 1, "qty": 2**31 - 1, "price": 100}]),
     "order_menus/0/qty"),  # the subtotal would not fit
    # (2**64 - 1, not 10**20: import_orders reads JSON with orjson, which turns an
    # integer beyond 64 bits into a float, so its message would say 1e+20.)
    (payload_with(order_menus=[{"id": 1, "qty": 1, "price": 2**64 - 1}]),
     "order_menus/0/price"),
    (payload_with(order_menus=[{"id": 1, "qty": 1, "price": "1e400"}]),
     "order_menus/0/price"),
    (payload_with(order_menus=[{"id": 1, "qty": 1, "subtotal": 1e308}]),
     "order_menus/0/subtotal"),
    (payload_with(order_menus=[{"id": 1, "qty": 1, "name": "Puff\u0000"}]),
     "order_menus/0/name"),
    (payload_with(order_menus=[{"id": 1, "qty": 1, "comment": "\u0000"}]),
     "order_menus/0/comment"),
    (payload_with(order_menus=[{"id": 1, "qty": 2**30}, {"id": 1, "qty": 2**30}]),
     "order_menus"),
    (payload_with(order_totals=[{"code": "t\u0000", "title": "T", "value": 1}]),
     "order_totals/0/code"),
    (payload_with(order_totals=[{"code": "t", "title": "T", "value": 2**64 - 1}]),
     "order_totals/0/value"),
    (payload_with(order_totals=[{"code": "t", "title": "T", "value": 1, "priority": 2**31}]),
     "order_totals/0/priority"),
    (payload_with(order_totals=[{"code": "t", "title": "T", "value": 1,
                                 "priority": -2**31 - 1}]), "order_totals/0/priority"),
    (payload_with(order_total=2**63), "order_total"),
    (payload_with(order_total="Infinity"), "order_total"),
]


class TestValidation:
    @pytest.mark.parametrize("payload,field", INVALID_CREATES)
    def test_each_rule_is_a_422_pointing_at_the_field(self, client, demo, writer, payload,
                                                      field):
        before = write_counts()
        response = send(client, "post", ORDERS_URL, payload, writer)
        assert response.status_code == 422, response.content
        pointers = [e["source"]["pointer"] for e in errors_of(response)]
        assert pointers == [f"/data/attributes/{field}"]
        assert errors_of(response)[0]["title"] == "Invalid attribute"
        assert write_counts() == before

    @pytest.mark.parametrize("payload,field", INVALID_CREATES)
    def test_the_input_layer_rejects_the_same(self, demo, payload, field):
        with pytest.raises(InputErrors) as raised:
            order_create_checked(payload)
        [name] = raised.value.as_dict()
        assert name.replace("[", "/").replace("]", "").replace(".", "/") == field

    def test_delivery_with_an_address_object_creates_the_address(self, client, demo, writer):
        payload = payload_with(order_type="delivery", address={"address_1": "1 High St",
                                                               "city": "Leeds"})
        response = send(client, "post", ORDERS_URL, payload, writer)
        assert response.status_code == 201
        address_id = response.json()["data"]["attributes"]["address_id"]
        assert Address.objects.get(pk=address_id).address_1 == "1 High St"

    def test_total_items_is_the_sum_of_quantities(self, client, demo, writer):
        payload = payload_with(total_items=99, order_menus=[{"id": 1, "qty": 2},
                                                            {"id": 1, "qty": 5}])
        response = send(client, "post", ORDERS_URL, payload, writer)
        attributes = response.json()["data"]["attributes"]
        assert attributes["total_items"] == 7
        assert [m["subtotal"] for m in attributes["order_menus"]] == ["9.9800", "24.9500"]

    @pytest.mark.parametrize("body,field", [
        ({"first_name": ""}, "first_name"), ({"email": "nope"}, "email"),
        ({"order_type": "pickup"}, "order_type"), ({"status_id": 99}, "status_id"),
        ({"assignee_id": 999}, "assignee_id"), ({"notify": "maybe"}, "notify"),
        ({"order_date_time": "tomorrow"}, "order_date_time"),
        ({"order_date_time": "2021-02-30 10:00:00"}, "order_date_time"),
    ])
    def test_update_rules(self, client, demo, writer, body, field):
        before = write_counts()
        response = send(client, "patch", "/api/orders/1", body, writer)
        assert response.status_code == 422
        assert [e["source"]["pointer"] for e in errors_of(response)] == [
            f"/data/attributes/{field}"]
        assert write_counts() == before
        assert Order.objects.get(pk=1).status_id == 3

    @pytest.mark.parametrize("body,content_type,status", [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 422),
        (json.dumps({"attributes": {}}), JSON_API, 400),
        (json.dumps({"data": {"type": "customers", "attributes": SEED_PAYLOAD}}), JSON_API,
         409),
        ("first_name=x", "text/plain", 415),
    ])
    def test_malformed_bodies(self, client, demo, writer, body, content_type, status):
        before = write_counts()
        response = send(client, "post", ORDERS_URL, body, writer, content_type)
        assert response.status_code == status
        assert errors_of(response)[0]["status"] == str(status)
        assert write_counts() == before

    def test_unknown_order_is_404_for_every_method(self, client, demo, writer):
        assert client.get("/api/orders/999", **bearer(writer)).status_code == 404
        for method in ["patch", "put", "delete"]:
            response = send(client, method, "/api/orders/999", {}, writer)
            assert response.status_code == 404


class TestBeyondTheDatabase:
    """Query parameters and updates no column can hold: JSON:API errors, never a 500."""

    @pytest.mark.parametrize("param", ["customer", "location", "status"])
    def test_a_filter_id_beyond_a_bigint_is_400_naming_it(self, client, demo, param):
        response = client.get(f"{ORDERS_URL}?{param}={10**20}", **bearer(demo["reader"]["token"]))
        assert response.status_code == 400
        assert errors_of(response)[0]["source"] == {"parameter": param}

    @pytest.mark.parametrize("page", [str(10**20), str(2**63)])
    def test_a_page_beyond_a_bigint_is_400_naming_it(self, client, demo, page):
        response = client.get(f"{ORDERS_URL}?page={page}", **bearer(demo["reader"]["token"]))
        assert response.status_code == 400
        assert errors_of(response)[0]["source"] == {"parameter": "page"}

    def test_a_page_past_the_last_within_a_bigint_is_empty(self, client, demo):
        response = client.get(f"{ORDERS_URL}?page={2**63 - 1}", **bearer(demo["reader"]["token"]))
        assert response.status_code == 200
        assert response.json()["data"] == []

    def test_a_search_with_a_nul_character_is_400(self, client, demo):
        response = client.get(f"{ORDERS_URL}?search=a%00b", **bearer(demo["reader"]["token"]))
        assert response.status_code == 400
        assert errors_of(response)[0]["source"]["parameter"] == "search"

    @pytest.mark.parametrize("changes, field", [
        ({"status_comment": "a\u0000b"}, "status_comment"),
        ({"first_name": "\u0000"}, "first_name"),
        ({"telephone": "0\u00001"}, "telephone"),
    ])
    def test_an_update_with_a_nul_character_is_422(self, client, demo, writer, changes,
                                                   field):
        before = write_counts()
        response = send(client, "patch", f"{ORDERS_URL}/1", changes, writer)
        assert response.status_code == 422, response.content
        assert [e["source"]["pointer"] for e in errors_of(response)] == [
            f"/data/attributes/{field}"]
        assert write_counts() == before

    @pytest.mark.parametrize("payload, field", [
        (payload_with(order_menus=[{"id": 1, "qty": 1, "price": 10**20}]),
         "order_menus/0/price"),
        (payload_with(order_menus=[{"id": 10**20, "qty": 1}]), "order_menus/0/id"),
        (payload_with(order_menus=[{"id": 1, "qty": 10**20}]), "order_menus/0/qty"),
        (payload_with(order_totals=[{"code": "t", "title": "T", "value": -10**20}]),
         "order_totals/0/value"),
        (payload_with(order_total=10**20), "order_total"),
        (payload_with(customer_id=-10**20), "customer_id"),
    ])
    def test_a_number_beyond_64_bits_is_422(self, client, demo, writer, payload, field):
        before = write_counts()
        response = send(client, "post", ORDERS_URL, payload, writer)
        assert response.status_code == 422, response.content
        assert [e["source"]["pointer"] for e in errors_of(response)] == [
            f"/data/attributes/{field}"]
        assert write_counts() == before
