"""Issue 13 for the restaurant API: odd input never gives a 500 or a partial write, and a
customer's token sets only what a customer may set."""

import json
import threading
from decimal import Decimal

import pytest
from django.http import Http404
from django.test import Client

from orders.inputs import InputErrors
from orders.models import OrderEvent
from restaurant.inputs import MAX_LIST_LENGTH, OrderChanges
from restaurant.models import Order, OrderMenu, Staff, StaffGroup, StatusHistory
from restaurant.selectors import order_create_checked
from restaurant.services import order_delete, order_update
from tests.conftest import bearer, run_concurrently
from tests.restaurant.factories import CustomerFactory, MenuFactory, StaffFactory
from tests.restaurant.test_api import (
    CUSTOMER_PAYLOAD,
    ORDERS_URL,
    SEED_PAYLOAD,
    errors_of,
    payload_with,
    send,
    write_counts,
)

pytestmark = pytest.mark.django_db

# "²" passes str.isdigit() and fails int(); "٣" (Arabic-Indic three) passes both; a
# 5,000-digit number is beyond what int() parses from text (and any column holds).
ODD_NUMBERS = ["²", "٣", "9" * 5000]


def pointers(response) -> list[str]:
    return [e["source"]["pointer"] for e in errors_of(response)]


class TestOddNumbers:
    @pytest.mark.parametrize("param", ["page", "pageLimit", "customer", "location", "status"])
    @pytest.mark.parametrize("value", ODD_NUMBERS)
    def test_in_a_query_parameter_is_400_naming_it(self, client, demo, param, value):
        response = client.get(ORDERS_URL, {param: value}, **bearer(demo["reader"]["token"]))
        assert response.status_code == 400
        [error] = errors_of(response)
        assert error["source"] == {"parameter": param}
        assert len(error["detail"]) < 200  # the message quotes a short part of the value

    @pytest.mark.parametrize("value", ODD_NUMBERS)
    def test_a_search_that_is_no_order_id_searches_the_names(self, client, demo, value):
        response = client.get(ORDERS_URL, {"search": value}, **bearer(demo["reader"]["token"]))
        assert response.status_code == 200
        assert response.json()["data"] == []

    @pytest.mark.parametrize("value", ODD_NUMBERS)
    @pytest.mark.parametrize("field", ["location_id", "status_id", "customer_id", "address_id",
                                       "assignee_id", "assignee_group_id"])
    def test_in_a_body_id_is_422_pointing_at_it(self, client, demo, writer, field, value):
        before = write_counts()
        response = send(client, "post", ORDERS_URL, payload_with(**{field: value}), writer)
        assert response.status_code == 422, response.content
        assert pointers(response) == [f"/data/attributes/{field}"]
        assert write_counts() == before

    @pytest.mark.parametrize("value", ODD_NUMBERS)
    @pytest.mark.parametrize("line, field", [
        ({"qty": 1}, "id"), ({"id": 1}, "qty"),
    ])
    def test_in_an_order_menu_is_422_pointing_at_it(self, client, demo, writer, line, field,
                                                    value):
        before = write_counts()
        payload = payload_with(order_menus=[{**line, field: value}])
        response = send(client, "post", ORDERS_URL, payload, writer)
        assert response.status_code == 422, response.content
        assert pointers(response) == [f"/data/attributes/order_menus/0/{field}"]
        assert write_counts() == before

    @pytest.mark.parametrize("value", ODD_NUMBERS)
    def test_in_an_order_total_priority_is_422(self, client, demo, writer, value):
        payload = payload_with(order_totals=[{"code": "t", "title": "T", "value": 1,
                                              "priority": value}])
        response = send(client, "post", ORDERS_URL, payload, writer)
        assert response.status_code == 422
        assert pointers(response) == ["/data/attributes/order_totals/0/priority"]

    @pytest.mark.parametrize("value", ODD_NUMBERS)
    @pytest.mark.parametrize("field", ["status_id", "assignee_id", "assignee_group_id"])
    def test_in_an_update_is_422_and_changes_nothing(self, client, demo, writer, field, value):
        before = write_counts()
        response = send(client, "patch", f"{ORDERS_URL}/1", {field: value}, writer)
        assert response.status_code == 422, response.content
        assert pointers(response) == [f"/data/attributes/{field}"]
        assert write_counts() == before

    @pytest.mark.parametrize("value", ODD_NUMBERS)
    def test_in_a_json_api_relationship_is_422(self, client, demo, writer, value):
        attributes = payload_with(location_id=...)
        document = {"data": {"type": "orders", "attributes": attributes, "relationships": {
            "location": {"data": {"type": "locations", "id": value}}}}}
        response = send(client, "post", ORDERS_URL, document, writer,
                        content_type="application/vnd.api+json")
        assert response.status_code == 422, response.content
        assert pointers(response) == ["/data/attributes/location_id"]

    @pytest.mark.parametrize("value", ODD_NUMBERS)
    def test_the_validation_the_importer_shares_refuses_the_same(self, demo, value):
        with pytest.raises(InputErrors) as raised:
            order_create_checked(payload_with(order_menus=[{"id": value, "qty": 1}]))
        assert list(raised.value.as_dict()) == ["order_menus[0].id"]


class TestUnstorableText:
    """NUL and lone surrogates: the API's parser refuses them wherever they are; the
    validation an import shares refuses them too."""

    @pytest.mark.parametrize("text", ["a\u0000b", "a\ud800b"])
    @pytest.mark.parametrize("payload, pointer", [
        (lambda t: payload_with(order_menus=[{"id": 1, "qty": 1, "options": [t]}]),
         "order_menus/0/options/0"),
        (lambda t: payload_with(order_menus=[{"id": 1, "qty": 1, "options": [
            {"name": "Sauce", "values": [{"value": t}]}]}]),
         "order_menus/0/options/0/values/0/value"),
        (lambda t: payload_with(first_name=t), "first_name"),
        (lambda t: payload_with(comment=t), "comment"),
        (lambda t: payload_with(telephone=t), "telephone"),
        (lambda t: payload_with(status_comment=t), "status_comment"),
        (lambda t: payload_with(user_agent=t), "user_agent"),
        (lambda t: payload_with(order_menus=[{"id": 1, "qty": 1, "comment": t}]),
         "order_menus/0/comment"),
        (lambda t: payload_with(order_totals=[{"code": "t", "title": t, "value": 1}]),
         "order_totals/0/title"),
        (lambda t: payload_with(order_type="delivery", address={"address_1": t}),
         "address/address_1"),
    ])
    def test_in_a_create_is_422_pointing_at_it(self, client, demo, writer, text, payload,
                                               pointer):
        before = write_counts()
        body = json.dumps(payload(text))  # "\ud800" stays an escape: valid JSON text
        response = send(client, "post", ORDERS_URL, body, writer)
        assert response.status_code == 422, response.content
        assert pointers(response) == [f"/data/attributes/{pointer}"]
        assert write_counts() == before
        # The same body as an import gives it: refused by the service's own validation.
        with pytest.raises(InputErrors):
            order_create_checked(payload(text))

    @pytest.mark.parametrize("field", ["first_name", "last_name", "telephone",
                                       "status_comment", "email"])
    def test_in_an_update_is_422(self, client, demo, writer, field):
        before = write_counts()
        response = send(client, "patch", f"{ORDERS_URL}/1", {field: "x\ud800"}, writer)
        assert response.status_code == 422, response.content
        assert pointers(response) == [f"/data/attributes/{field}"]
        assert write_counts() == before


class TestDatetimesBeyondRange:
    """A time the database stores but cannot give back (year 10000 in UTC) or one before
    the renderer's range: 422 naming it, nothing written, the order still readable."""

    @pytest.mark.parametrize("field", ["status_updated_at", "assignee_updated_at"])
    @pytest.mark.parametrize("value", ["9999-12-31T20:00:00-05:00", "0001-01-01T00:00:00+14:00",
                                       "2020-01-01T00:00:00+16:00"])
    def test_an_update_is_422_and_writes_nothing(self, client, demo, writer, field, value):
        before = (write_counts(), list(Order.objects.values_list(
            "status_updated_at", "assignee_updated_at", "updated_at")))
        response = send(client, "patch", f"{ORDERS_URL}/1", {field: value, "status_id": 4},
                        writer)
        assert response.status_code == 422, response.content
        assert pointers(response) == [f"/data/attributes/{field}"]
        assert (write_counts(), list(Order.objects.values_list(
            "status_updated_at", "assignee_updated_at", "updated_at"))) == before
        assert Order.objects.get(pk=1).status_id == 3
        assert client.get(f"{ORDERS_URL}/1", **bearer(writer)).status_code == 200
        assert client.get(ORDERS_URL, **bearer(writer)).status_code == 200

    @pytest.mark.parametrize("value", ["9999-12-31 23:00:00", "0001-01-01 10:00:00"])
    def test_an_order_date_time_beyond_range_is_422(self, client, demo, writer, value):
        response = send(client, "patch", f"{ORDERS_URL}/1", {"order_date_time": value}, writer)
        assert response.status_code == 422
        assert pointers(response) == ["/data/attributes/order_date_time"]

    @pytest.mark.parametrize("payload, field", [
        (payload_with(invoice_date="9999-12-31T20:00:00-05:00"), "invoice_date"),
        (payload_with(invoice_date="0001-01-01T00:00:00+14:00"), "invoice_date"),
        (payload_with(order_date="0001-01-01"), "order_date"),
        (payload_with(order_date="9999-12-31"), "order_date"),
    ])
    def test_a_create_beyond_range_is_422(self, client, demo, writer, payload, field):
        before = write_counts()
        response = send(client, "post", ORDERS_URL, payload, writer)
        assert response.status_code == 422, response.content
        assert pointers(response) == [f"/data/attributes/{field}"]
        assert write_counts() == before

    def test_a_time_within_range_in_any_zone_is_kept(self, client, demo, writer):
        response = send(client, "patch", f"{ORDERS_URL}/1",
                        {"status_updated_at": "9999-12-28T20:00:00-05:00"}, writer)
        assert response.status_code == 200
        assert response.json()["data"]["attributes"]["status_updated_at"] == (
            "9999-12-29T01:00:00.000000Z")
        assert client.get(ORDERS_URL, **bearer(writer)).status_code == 200


class TestListLengths:
    @pytest.mark.parametrize("payload, field", [
        (payload_with(order_menus=[{"id": 1, "qty": 1}] * (MAX_LIST_LENGTH + 1)),
         "order_menus"),
        (payload_with(order_totals=[{"code": "t", "title": "T", "value": 1}]
                      * (MAX_LIST_LENGTH + 1)), "order_totals"),
        (payload_with(order_menus=[{"id": 1, "qty": 1,
                                    "options": ["x"] * (MAX_LIST_LENGTH + 1)}]),
         "order_menus/0/options"),
    ])
    def test_a_list_beyond_its_maximum_is_one_422(self, client, demo, writer, payload, field):
        before = write_counts()
        response = send(client, "post", ORDERS_URL, payload, writer)
        assert response.status_code == 422
        assert pointers(response) == [f"/data/attributes/{field}"]
        assert str(MAX_LIST_LENGTH) in errors_of(response)[0]["detail"]
        assert write_counts() == before

    def test_the_longest_lists_are_accepted_in_the_same_queries_as_one_line(
            self, client, demo, writer, django_assert_max_num_queries):
        menus = [MenuFactory() for _ in range(MAX_LIST_LENGTH)]
        one = payload_with(order_menus=[{"id": menus[0].pk, "qty": 1}])
        longest = payload_with(
            order_menus=[{"id": menu.pk, "qty": 2, "options": ["x"] * MAX_LIST_LENGTH}
                         for menu in menus],
            order_totals=[{"code": f"t{i}", "title": "T", "value": 1}
                          for i in range(MAX_LIST_LENGTH)])
        with django_assert_max_num_queries(100) as one_line:
            assert send(client, "post", ORDERS_URL, one, writer).status_code == 201
        with django_assert_max_num_queries(len(one_line.captured_queries)):
            response = send(client, "post", ORDERS_URL, longest, writer)
        assert response.status_code == 201
        assert response.json()["data"]["attributes"]["total_items"] == 2 * MAX_LIST_LENGTH


# The issue's reproduction: a customer's token naming its own prices and staff fields.
CUSTOMER_TAMPERING = {
    **CUSTOMER_PAYLOAD,
    "order_menus": [{"id": 1, "qty": 100, "price": "0.0000", "subtotal": "0.0000"}],
    "order_total": 0,
    "status_id": 5,
    "assignee_id": 1,
    "processed": True,
}


class TestWhatACustomerMaySet:
    def test_the_issues_tampering_is_refused_naming_every_field(self, client, demo):
        StaffFactory()  # an assignee_id that exists
        before = write_counts()
        response = send(client, "post", ORDERS_URL, CUSTOMER_TAMPERING,
                        demo["customer"]["token"])
        assert response.status_code == 422
        assert sorted(pointers(response)) == sorted(f"/data/attributes/{name}" for name in [
            "status_id", "assignee_id", "processed", "order_menus/0/price",
            "order_menus/0/subtotal"])
        assert write_counts() == before

    @pytest.mark.parametrize("field, value", [
        ("status_id", 1), ("status_comment", "rush it"), ("assignee_id", 1),
        ("assignee_group_id", 1), ("processed", 1), ("processed", False), ("notify", True),
        ("invoice_prefix", "INV-X"), ("invoice_date", "2021-03-01T10:00:00Z"),
        ("currency", "USD"), ("ip_address", "10.0.0.1"), ("user_agent", "curl"),
        ("external_id", "mine-1"),
    ])
    def test_each_staff_only_field_is_a_422_naming_it(self, client, demo, field, value):
        Staff.objects.create(name="Chef", email="chef@example.com")
        StaffGroup.objects.create(name="Kitchen")
        before = write_counts()
        response = send(client, "post", ORDERS_URL, {**CUSTOMER_PAYLOAD, field: value},
                        demo["customer"]["token"])
        assert response.status_code == 422, response.content
        assert pointers(response) == [f"/data/attributes/{field}"]
        assert "set by restaurant staff" in errors_of(response)[0]["detail"]
        assert write_counts() == before

    def test_prices_and_totals_come_from_the_menu(self, client, demo):
        dish = MenuFactory(name="Jollof", price=Decimal("7.2500"))
        payload = {**CUSTOMER_PAYLOAD, "order_menus": [
            {"id": 1, "qty": 3, "comment": "extra hot", "options": [{"name": "Sauce"}]},
            {"id": dish.pk, "qty": 2}]}
        response = send(client, "post", ORDERS_URL, payload, demo["customer"]["token"])
        assert response.status_code == 201, response.content
        attributes = response.json()["data"]["attributes"]
        assert [(m["name"], m["qty"], m["price"], m["subtotal"], m["comment"])
                for m in attributes["order_menus"]] == [
            ("Puff-Puff", 3, "4.9900", "14.9700", "extra hot"),
            ("Jollof", 2, "7.2500", "14.5000", "")]
        assert attributes["order_totals"] == [
            {"code": "total", "title": "Total", "value": "29.4700", "priority": 1}]
        assert attributes["order_total"] == "29.4700"
        assert attributes["total_items"] == 5
        # Staff fields are the defaults: a new order, received, unassigned, unpaid.
        assert (attributes["processed"], attributes["assignee_id"],
                attributes["assignee_group_id"], attributes["currency"]) == (
            False, None, None, "GBP")
        assert attributes["status_id"] == 1
        order = Order.objects.get(pk=response.json()["data"]["id"])
        assert [h.status.name for h in order.status_history.all()] == ["Received"]

    def test_the_menus_values_sent_back_are_accepted(self, client, demo):
        payload = {**CUSTOMER_PAYLOAD,
                   "order_menus": [{"id": 1, "name": "Puff-Puff", "qty": 3, "price": "4.99",
                                    "subtotal": 14.97}],
                   "order_totals": [{"code": "total", "title": "Total", "value": "14.97",
                                     "priority": 1}],
                   "order_total": "14.9700"}
        response = send(client, "post", ORDERS_URL, payload, demo["customer"]["token"])
        assert response.status_code == 201, response.content
        assert response.json()["data"]["attributes"]["order_total"] == "14.9700"

    @pytest.mark.parametrize("changes, field", [
        ({"order_menus": [{"id": 1, "qty": 3, "name": "Lobster"}]}, "order_menus/0/name"),
        ({"order_menus": [{"id": 1, "qty": 3, "price": "5.00"}]}, "order_menus/0/price"),
        ({"order_menus": [{"id": 1, "qty": 3, "subtotal": "4.99"}]}, "order_menus/0/subtotal"),
        ({"order_total": 10}, "order_total"),
        ({"order_totals": [{"code": "total", "title": "Total", "value": 10, "priority": 1}]},
         "order_totals"),
        ({"order_totals": [{"code": "discount", "title": "Discount", "value": -14.97}]},
         "order_totals"),
    ])
    def test_other_money_values_are_a_422_naming_the_menus_value(self, client, demo, changes,
                                                                 field):
        before = write_counts()
        response = send(client, "post", ORDERS_URL, {**CUSTOMER_PAYLOAD, **changes},
                        demo["customer"]["token"])
        assert response.status_code == 422, response.content
        assert pointers(response) == [f"/data/attributes/{field}"]
        assert write_counts() == before

    def test_a_customer_orders_for_themselves_with_their_own_address_only(self, client, demo):
        other = CustomerFactory()
        theirs = other.addresses.create(address_1="1 Elsewhere")
        response = send(client, "post", ORDERS_URL,
                        {**CUSTOMER_PAYLOAD, "order_type": "delivery", "address_id": theirs.pk,
                         "customer_id": other.pk}, demo["customer"]["token"])
        assert response.status_code == 422
        assert pointers(response) == ["/data/attributes/address_id"]

    def test_staff_still_set_prices_totals_and_staff_fields(self, client, demo, writer):
        response = send(client, "post", ORDERS_URL,
                        {**CUSTOMER_TAMPERING, "assignee_id": None,
                         "order_totals": [{"code": "total", "title": "Total", "value": 0}]},
                        writer)
        assert response.status_code == 201, response.content
        attributes = response.json()["data"]["attributes"]
        assert [(m["qty"], m["price"], m["subtotal"]) for m in attributes["order_menus"]] == [
            (100, "0.0000", "0.0000")]
        assert (attributes["order_total"], attributes["status_id"],
                attributes["processed"]) == ("0.0000", 5, True)

    def test_the_seeds_payload_with_a_staff_token_is_unchanged(self, client, demo, writer):
        response = send(client, "post", ORDERS_URL, SEED_PAYLOAD, writer)
        assert response.status_code == 201
        attributes = response.json()["data"]["attributes"]
        assert (attributes["order_total"], attributes["order_totals"][0]["value"]) == (
            "10.0000", "10.0000")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_delete_racing_patches_leaves_the_losers_a_404(demo):
    """One DELETE and several PATCHes of one order at once: each answers 200 or 404, never
    a 500; the order is gone, with its delete event."""
    token = demo["writer"]["token"]
    order_id = Order.objects.get(pk=1).pk
    lock = threading.Lock()
    statuses: dict[str, list[int]] = {"delete": [], "patch": []}

    def request(i):
        client = Client()
        if i == 0:
            response = client.delete(f"{ORDERS_URL}/{order_id}", **bearer(token))
            kind = "delete"
        else:
            response = client.patch(f"{ORDERS_URL}/{order_id}",
                                    json.dumps({"status_id": 4 if i % 2 else 5,
                                                "first_name": f"Racer{i}"}),
                                    content_type="application/json", **bearer(token))
            kind = "patch"
        with lock:
            statuses[kind].append(response.status_code)
        return response.status_code

    for _ in range(3):  # each round a fresh order to race over
        results = run_concurrently(8, request)
        assert set(results) <= {200, 404}, results
        assert statuses["delete"][-1] == 200
        assert not Order.objects.filter(pk=order_id).exists()
        assert not OrderMenu.objects.filter(order_id=order_id).exists()
        assert OrderEvent.objects.filter(object_id=order_id, action="delete").count() == 1
        assert not StatusHistory.objects.filter(order_id=order_id).exists()
        response = send(Client(), "post", ORDERS_URL, SEED_PAYLOAD, token)
        order_id = int(response.json()["data"]["id"])


@pytest.mark.parametrize("write", [
    lambda order: order_update(order=order, changes=OrderChanges({"first_name": "Late"})),
    lambda order: order_delete(order=order),
])
def test_a_write_to_an_order_deleted_meanwhile_is_a_404(demo, write):
    """The loser of the race above, step by step: it read the order, then the other
    request deleted it before the loser took the row lock."""
    order = Order.objects.get(pk=1)
    Order.objects.filter(pk=1).delete()
    with pytest.raises(Http404):
        write(order)
