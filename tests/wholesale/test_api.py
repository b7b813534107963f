import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import OrderEvent
from tests.conftest import bearer
from tests.wholesale.conftest import basic
from tests.wholesale.factories import (
    ProductFactory,
    TradeAccountFactory,
    UserFactory,
    account_token,
)
from wholesale.models import Product, WholesaleOrder, WholesaleOrderLine

pytestmark = pytest.mark.django_db

ORDERS_URL = "/apis/customer/orders"

SEED_GET_1234 = {
    "order_id": 1234,
    "order_number": 606739,
    "customer_order_no": "MLA-API #12345",
    "order_state": "OPEN",
    "order_type": "WHOLESALE",
    "delivery_method": "DELIVER",
    "delivery_name": None,
    "delivery_company_name": "ML Accessories Limited",
    "delivery_address1": "Unit 4 Foster Avenue",
    "delivery_address2": "Woodside Park",
    "delivery_town": "Dunstable",
    "delivery_county": "Bedfordshire",
    "delivery_country_code": "GB",
    "delivery_postcode": "LU5 5TA",
    "delivery_telephone": "01582 88 77 60",
    "notes": None,
    "products": [
        {"product_code": "VFR8CW", "type": "stock", "quantity": 5,
         "description": "PROKNIGHT LED 8w IP65 FIRE RATED 4000K", "vat_code": "S",
         "vat_rate": 0.2, "unit_price": 23.45, "line_price": 117.25, "vat": 23.45,
         "unit_weight": 0.251, "line_weight": 1.255},
        {"product_code": "CA", "type": "nonstock", "quantity": 1,
         "description": "Carriage Charge", "vat_code": "S", "vat_rate": 0.2,
         "unit_price": 10.0, "line_price": 10.0, "vat": 2.0, "unit_weight": 0,
         "line_weight": 0},
    ],
    "carriage_tba": False,
    "total_vat": 25.45,
    "total_price": 127.25,
    "total_weight": 1.255,
    "created_at": "2017-02-27 12:00:00+00",
    "created_by": "John Doe",
    "placed_by": None,
    "deleted_by": None,
}

SEED_POST_BODY = {
    "customer_order_no": "MLA-API #23456",
    "order_type": "WHOLESALE",
    "delivery_method": "DELIVER",
    "delivery_name": "",
    "delivery_company_name": "ML Accessories Limited",
    "delivery_address1": "Unit 4 Foster Avenue",
    "delivery_address2": "Woodside Park",
    "delivery_town": "Dunstable",
    "delivery_county": "Bedfordshire",
    "delivery_country_code": "GB",
    "delivery_postcode": "LU5 5TA",
    "delivery_telephone": "01582 88 77 60",
    "notes": "Deliver to office.",
    "products": [
        {"product_code": "VFR8CW", "quantity": 10},
        {"product_code": "VFR8BEZMW", "quantity": 5},
        {"product_code": "VFR8BEZCBR", "quantity": 5},
    ],
}

# The seed's response, except what a new order cannot repeat (order_id, order_number,
# created_at) and delivery_telephone, which the seed shows as null although it was sent.
SEED_POST_RESPONSE = {
    "customer_order_no": "MLA-API #23456",
    "order_state": "OPEN",
    "order_type": "WHOLESALE",
    "delivery_method": "DELIVER",
    "delivery_name": None,
    "delivery_company_name": "ML Accessories Limited",
    "delivery_address1": "Unit 4 Foster Avenue",
    "delivery_address2": "Woodside Park",
    "delivery_town": "Dunstable",
    "delivery_county": "Bedfordshire",
    "delivery_country_code": "GB",
    "delivery_postcode": "LU5 5TA",
    "delivery_telephone": "01582 88 77 60",
    "notes": "Deliver to office.",
    "products": [
        {"product_code": "VFR8CW", "type": "stock", "quantity": 10,
         "description": "PROKNIGHT LED 8w IP65 FIRE RATED 4000K", "vat_code": "S",
         "vat_rate": 0.2, "unit_price": 23.45, "line_price": 234.5, "vat": 46.9,
         "unit_weight": 0.251, "line_weight": 2.51},
        {"product_code": "VFR8BEZMW", "type": "stock", "quantity": 5,
         "description": "MATT WHITE BEZEL 2 VFR/VFR8 FIXED DOWNLIGHTS", "vat_code": "S",
         "vat_rate": 0.2, "unit_price": 1.23, "line_price": 6.15, "vat": 1.23,
         "unit_weight": 0.05, "line_weight": 0.25},
        {"product_code": "VFR8BEZCBR", "type": "stock", "quantity": 5,
         "description": "BRUSHED CHROME BEZEL 2 VFR/VFR8 FIXED DOWNLIGHTS", "vat_code": "S",
         "vat_rate": 0.2, "unit_price": 2.34, "line_price": 11.7, "vat": 2.34,
         "unit_weight": 0.05, "line_weight": 0.25},
    ],
    "carriage_tba": False,
    "total_vat": 50.47,
    "total_price": 252.35,
    "total_weight": 3.01,
    "created_by": "John Doe",
    "placed_by": None,
    "deleted_by": None,
}


def write_counts():
    return (WholesaleOrder.objects.count(), WholesaleOrderLine.objects.count(),
            OrderEvent.objects.count())


def post_json(client, body, token, url=ORDERS_URL):
    return client.post(url, body if isinstance(body, str) else json.dumps(body),
                       content_type="application/json", **bearer(token))


def numbers_in(raw: bytes) -> dict[str, list[str]]:
    """Every `"key":number` of a raw JSON text, as printed."""
    found: dict[str, list[str]] = {}
    for key, value in re.findall(rb'"(\w+)":\s*(-?\d[\d.eE+-]*)', raw):
        found.setdefault(key.decode(), []).append(value.decode())
    return found


class TestSeedExamples:
    def test_get_order_as_the_seed_shows(self, client, demo):
        response = client.get(f"{ORDERS_URL}/1234", **bearer(demo["customer"]["token"]))
        assert response.status_code == 200
        assert response.json() == SEED_GET_1234

    def test_numbers_are_printed_as_the_seed_prints_them(self, client, demo):
        raw = client.get(f"{ORDERS_URL}/1234", **bearer(demo["customer"]["token"])).content
        numbers = numbers_in(raw)
        assert numbers["unit_price"] == ["23.4500", "10.0000"]
        assert numbers["line_price"] == ["117.25", "10.00"]
        assert numbers["vat"] == ["23.45", "2.00"]
        assert numbers["vat_rate"] == ["0.2", "0.2"]
        assert numbers["unit_weight"] == ["0.251", "0"]
        assert numbers["line_weight"] == ["1.255", "0"]
        assert (numbers["total_vat"], numbers["total_price"], numbers["total_weight"]) == (
            ["25.45"], ["127.25"], ["1.255"])
        assert numbers["order_id"] == ["1234"] and numbers["order_number"] == ["606739"]

    def test_create_as_the_seed_shows(self, client, demo):
        response = post_json(client, SEED_POST_BODY, demo["customer"]["token"])
        assert response.status_code == 201
        body = response.json()
        order_id, number, created_at = (body.pop("order_id"), body.pop("order_number"),
                                        body.pop("created_at"))
        assert body == SEED_POST_RESPONSE
        assert number == 606740  # numbering continues after the seed's order 606739
        assert order_id != number
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00", created_at)
        numbers = numbers_in(response.content)
        assert numbers["line_price"] == ["234.50", "6.15", "11.70"]
        assert numbers["vat"] == ["46.90", "1.23", "2.34"]
        assert numbers["unit_price"] == ["23.4500", "1.2300", "2.3400"]
        assert numbers["line_weight"] == ["2.51", "0.25", "0.25"]
        order = WholesaleOrder.objects.get(pk=order_id)
        assert (order.total_price, order.total_vat, order.total_weight) == (
            Decimal("252.35"), Decimal("50.47"), Decimal("3.010"))
        assert order.created_by.email == demo["customer"]["email"]
        event = OrderEvent.objects.get(object_id=order_id, action="create")
        assert (event.via, event.to_state, event.actor_id) == ("api", "OPEN",
                                                               order.created_by_id)
        assert client.get(f"{ORDERS_URL}/{order_id}",
                          **bearer(demo["customer"]["token"])).json()["order_id"] == order_id

    def test_second_post_with_the_number_replaces_the_open_order(self, client, demo):
        token = demo["customer"]["token"]
        first = post_json(client, SEED_POST_BODY, token).json()
        changed = {**SEED_POST_BODY, "delivery_method": "COLLECT", "notes": None,
                   "products": [{"product_code": "CA", "quantity": 2}]}
        before = write_counts()
        response = post_json(client, changed, token)
        assert response.status_code == 200
        body = response.json()
        assert (body["order_id"], body["order_number"]) == (first["order_id"],
                                                            first["order_number"])
        assert body["delivery_method"] == "COLLECT" and body["notes"] is None
        assert [(p["product_code"], p["quantity"]) for p in body["products"]] == [("CA", 2)]
        assert (body["total_price"], body["total_vat"], body["total_weight"]) == (20, 4, 0)
        orders, lines, events = write_counts()
        assert (orders, lines, events) == (before[0], before[1] - 3 + 1, before[2] + 1)
        event = OrderEvent.objects.filter(object_id=first["order_id"]).last()
        assert (event.action, event.via) == ("update", "api")

    def test_basic_authentication_with_email_and_password(self, client, demo):
        customer = demo["customer"]
        response = client.get(f"{ORDERS_URL}/1234",
                              **basic(customer["email"].upper(), customer["password"]))
        assert response.status_code == 200
        assert response.json() == SEED_GET_1234

    @pytest.mark.parametrize("path", [ORDERS_URL, ORDERS_URL + "/", f"{ORDERS_URL}/1234/",
                                      "/apis/customer/products/"])
    def test_paths_answer_with_and_without_trailing_slash(self, client, demo, path):
        assert client.get(path, **bearer(demo["customer"]["token"])).status_code == 200

    def test_post_with_trailing_slash_creates(self, client, demo):
        response = post_json(client, SEED_POST_BODY, demo["customer"]["token"],
                             url=ORDERS_URL + "/")
        assert response.status_code == 201


class TestAuthentication:
    @pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Bearer",
                                       "Basic !!!", "Token abc"])
    def test_missing_or_bad_credentials_are_401_with_a_challenge(self, client, demo, header):
        extra = {"HTTP_AUTHORIZATION": header} if header else {}
        response = client.get(f"{ORDERS_URL}/1234", **extra)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Basic realm="wholesale"'
        assert set(response.json()) == {"message"} and response.json()["message"]

    def test_wrong_password_or_unknown_email_is_401(self, client, demo):
        email = demo["customer"]["email"]
        for headers in [basic(email, "wrong"), basic("nobody@example.com", "x")]:
            response = client.get(ORDERS_URL, **headers)
            assert response.status_code == 401
            assert response.json() == {"message": "Invalid email or password."}

    def test_token_without_write_ability_is_403_on_writes(self, client, demo):
        account = TradeAccountFactory()
        token = account_token(account, abilities=["orders:read"])
        before = write_counts()
        response = post_json(client, SEED_POST_BODY, token)
        assert response.status_code == 403
        assert "orders:write" in response.json()["message"]
        assert write_counts() == before
        assert client.get(ORDERS_URL, **bearer(token)).status_code == 200

    def test_user_without_a_trade_account_answers_like_a_wrong_password(self, client, demo):
        user = UserFactory()
        response = client.get(ORDERS_URL, **basic(user.email, "secret-pass"))
        assert response.status_code == 401
        assert response.json() == {"message": "Invalid email or password."}


class TestTenancy:
    def test_another_accounts_order_is_404_everywhere(self, client, demo):
        token = demo["other_customer"]["token"]
        assert client.get(f"{ORDERS_URL}/1234", **bearer(token)).status_code == 404
        assert client.put(f"{ORDERS_URL}/1234/place", **bearer(token)).status_code == 404
        response = client.delete(f"{ORDERS_URL}/1234", **bearer(token))
        assert response.status_code == 404
        assert response.json() == {"message": "Not found."}
        assert client.get(ORDERS_URL, **bearer(token)).json() == []
        order = WholesaleOrder.objects.get(pk=1234)
        assert (order.order_state, order.placed_by, order.deleted_by) == ("OPEN", None, None)
        assert not OrderEvent.objects.filter(object_id=1234).exists()

    def test_the_same_number_in_another_account_is_another_order(self, client, demo):
        body = {**SEED_POST_BODY, "customer_order_no": "MLA-API #12345"}
        response = post_json(client, body, demo["other_customer"]["token"])
        assert response.status_code == 201
        assert response.json()["order_id"] != 1234
        assert WholesaleOrder.objects.get(pk=1234).lines.count() == 2
        assert WholesaleOrder.objects.filter(customer_order_no="MLA-API #12345").count() == 2


def body_with(**changes):
    body = {**SEED_POST_BODY, **changes}
    return {key: value for key, value in body.items() if value is not ...}


# (body, field named in the 422, text in its message); the importer must agree.
BAD_BODIES_422 = [
    (body_with(customer_order_no=...), "customer_order_no", "required"),
    (body_with(customer_order_no="  "), "customer_order_no", "blank"),
    (body_with(customer_order_no=12), "customer_order_no", "string"),
    (body_with(customer_order_no="x" * 101), "customer_order_no", "100"),
    (body_with(delivery_method=...), "delivery_method", "required"),
    (body_with(delivery_method="POST"), "delivery_method", "'POST'"),
    (body_with(order_type="RETAIL"), "order_type", "'RETAIL'"),
    (body_with(order_type=["WHOLESALE"]), "order_type", "is not one of"),
    (body_with(delivery_method={"method": "DELIVER"}), "delivery_method", "is not one of"),
    (body_with(delivery_country_code="GBR"), "delivery_country_code", "'GBR'"),
    (body_with(delivery_telephone=1582887760), "delivery_telephone", "string"),
    (body_with(delivery_name="x" * 201), "delivery_name", "At most 200 characters"),
    (body_with(products=...), "products", "required"),
    (body_with(products=[]), "products", "At least one"),
    (body_with(products=[{"product_code": "NOPE", "quantity": 1}]),
     "products[0].product_code", "'NOPE'"),
    (body_with(products=[{"product_code": "CA"}]), "products[0].quantity", "required"),
    (body_with(products=[{"product_code": "CA", "quantity": 0}]),
     "products[0].quantity", "positive integer"),
    (body_with(products=[{"product_code": "CA", "quantity": -2}]),
     "products[0].quantity", "positive integer"),
    (body_with(products=[{"product_code": "CA", "quantity": 1.5}]),
     "products[0].quantity", "positive integer"),
    (body_with(products=[{"product_code": "CA", "quantity": "3"}]),
     "products[0].quantity", "positive integer"),
    (body_with(products=[{"product_code": "CA", "quantity": True}]),
     "products[0].quantity", "positive integer"),
    (body_with(products=[{"product_code": "CA", "quantity": 3_000_000_000}]),
     "products[0].quantity", "At most 2147483647"),
    # Totals beyond the money column (numeric(14,2)): a 422, not a 500.
    (body_with(products=[{"product_code": "VFR8CW", "quantity": 2_000_000_000}] * 25),
     "products", "beyond what an order can hold"),
    (body_with(products=[{"quantity": 1}]), "products[0].product_code", "required"),
    (body_with(products=[{"product_code": ["CA"], "quantity": 1}]),
     "products[0].product_code", "string"),
    # PostgreSQL text cannot hold a NUL character: a 422, not a 500.
    (body_with(customer_order_no="MLA\u0000"), "customer_order_no", "NUL"),
    (body_with(notes="Deliver\u0000"), "notes", "NUL"),
    (body_with(delivery_town="Dun\u0000stable"), "delivery_town", "NUL"),
    (body_with(products=[{"product_code": "CA\u0000", "quantity": 1}]),
     "products[0].product_code", "NUL"),
]


class TestBadInput:
    @pytest.mark.parametrize("body, field, text", BAD_BODIES_422)
    def test_field_errors_are_422_naming_the_field_and_nothing_is_written(
        self, client, demo, body, field, text
    ):
        before = write_counts()
        response = post_json(client, body, demo["customer"]["token"])
        assert response.status_code == 422
        payload = response.json()
        assert field in payload["errors"], payload
        assert text in " ".join(payload["errors"][field])
        assert field in payload["message"]
        assert write_counts() == before

    def test_every_bad_line_is_named_and_unknown_codes_are_in_the_message(self, client, demo):
        body = body_with(products=[{"product_code": "VFR8CW", "quantity": 1},
                                   {"product_code": "NOPE", "quantity": 1},
                                   {"product_code": "GONE", "quantity": 0}])
        response = post_json(client, body, demo["customer"]["token"])
        assert response.status_code == 422
        payload = response.json()
        assert set(payload["errors"]) == {"products[1].product_code",
                                          "products[2].product_code", "products[2].quantity"}
        assert "'NOPE'" in payload["message"] and "'GONE'" in payload["message"]

    @pytest.mark.parametrize("quantity, status", [(9_998, 201), (10_001, 422)])
    def test_the_dearest_product_fits_up_to_the_money_column(self, client, demo, quantity,
                                                             status):
        """The unit price column's largest value, ordered thousands of times: the order's
        total still fits numeric(14,2), or it is a 422 naming the quantity."""
        Product.objects.create(product_code="DEAR", description="Dearest",
                               unit_price=Decimal("99999999.9999"), vat_code="Z")
        response = post_json(client, body_with(
            products=[{"product_code": "DEAR", "quantity": quantity}]),
            demo["customer"]["token"])
        assert response.status_code == status, response.json()
        if status == 201:
            order = WholesaleOrder.objects.get(pk=response.json()["order_id"])
            assert order.total_price == Decimal("999799999999.00")
        else:
            assert "products[0].quantity" in response.json()["errors"]

    def test_an_inactive_product_is_rejected_by_code(self, client, demo):
        Product.objects.filter(product_code="CA").update(is_active=False)
        before = write_counts()
        response = post_json(client, body_with(products=[{"product_code": "CA", "quantity": 1}]),
                             demo["customer"]["token"])
        assert response.status_code == 422
        assert "'CA'" in response.json()["errors"]["products[0].product_code"][0]
        assert write_counts() == before

    def test_an_invalid_update_leaves_the_open_order_as_it_was(self, client, demo):
        body = body_with(customer_order_no="MLA-API #12345",
                         products=[{"product_code": "NOPE", "quantity": 1}])
        before = write_counts()
        response = post_json(client, body, demo["customer"]["token"])
        assert response.status_code == 422
        assert write_counts() == before
        assert client.get(f"{ORDERS_URL}/1234",
                          **bearer(demo["customer"]["token"])).json() == SEED_GET_1234

    @pytest.mark.parametrize("raw, field", [
        ('{"customer_order_no": "X",', None),
        ("[1, 2]", None),
        ('"text"', None),
        (json.dumps(body_with(products="CA")), "products"),
        (json.dumps(body_with(products=["CA"])), "products"),
        (json.dumps(body_with(products={"product_code": "CA", "quantity": 1})), "products"),
    ])
    def test_malformed_json_or_wrong_structure_is_400(self, client, demo, raw, field):
        before = write_counts()
        response = post_json(client, raw, demo["customer"]["token"])
        assert response.status_code == 400
        payload = response.json()
        assert payload["message"]
        if field:
            assert field in payload["errors"]
        else:
            assert "errors" not in payload
        assert write_counts() == before

    def test_unknown_order_is_404(self, client, demo):
        token = demo["customer"]["token"]
        assert client.get(f"{ORDERS_URL}/999999", **bearer(token)).status_code == 404
        assert client.put(f"{ORDERS_URL}/999999/place", **bearer(token)).status_code == 404

    def test_bad_list_parameters_are_400_naming_them(self, client, demo):
        token = demo["customer"]["token"]
        response = client.get(f"{ORDERS_URL}?limit=abc", **bearer(token))
        assert response.status_code == 400
        assert "limit" in response.json()["errors"]
        response = client.get(f"{ORDERS_URL}?order_state=SHIPPED", **bearer(token))
        assert response.status_code == 400
        assert "order_state" in response.json()["errors"]


class TestPlaceAndCancel:
    def test_place_is_204_without_body_and_sets_placed_by(self, client, demo):
        token = demo["customer"]["token"]
        response = client.put(f"{ORDERS_URL}/1234/place", **bearer(token))
        assert response.status_code == 204
        assert response.content == b""
        body = client.get(f"{ORDERS_URL}/1234", **bearer(token)).json()
        assert (body["order_state"], body["placed_by"]) == ("PLACED", "John Doe")
        assert WholesaleOrder.objects.get(pk=1234).placed_at is not None
        events = OrderEvent.objects.filter(object_id=1234, action="place")
        assert [(e.from_state, e.to_state, e.via) for e in events] == [("OPEN", "PLACED", "api")]

    def test_placing_twice_is_409_with_one_event(self, client, demo):
        token = demo["customer"]["token"]
        client.put(f"{ORDERS_URL}/1234/place/", **bearer(token))
        response = client.put(f"{ORDERS_URL}/1234/place/", **bearer(token))
        assert response.status_code == 409
        assert "PLACED" in response.json()["message"]
        assert OrderEvent.objects.filter(object_id=1234, action="place").count() == 1

    def test_placing_a_deliver_order_without_an_address_is_409_naming_what_is_missing(
        self, client, demo
    ):
        token = demo["customer"]["token"]
        body = body_with(delivery_address1=None, delivery_town="", delivery_postcode=...)
        created = post_json(client, body, token)
        assert created.status_code == 201  # an OPEN order may be incomplete
        order_id = created.json()["order_id"]
        response = client.put(f"{ORDERS_URL}/{order_id}/place", **bearer(token))
        assert response.status_code == 409
        message = response.json()["message"]
        assert "delivery_address1, delivery_town, delivery_postcode" in message
        assert "delivery_country_code" not in message
        assert WholesaleOrder.objects.get(pk=order_id).order_state == "OPEN"
        assert not OrderEvent.objects.filter(object_id=order_id, action="place").exists()

    def test_a_collect_order_is_placed_without_an_address(self, client, demo):
        token = demo["customer"]["token"]
        body = body_with(delivery_method="COLLECT", delivery_address1=..., delivery_town=...,
                         delivery_postcode=..., delivery_country_code=...)
        order_id = post_json(client, body, token).json()["order_id"]
        assert client.put(f"{ORDERS_URL}/{order_id}/place", **bearer(token)).status_code == 204

    def test_posting_over_a_placed_order_is_409_and_changes_nothing(self, client, demo):
        token = demo["customer"]["token"]
        client.put(f"{ORDERS_URL}/1234/place", **bearer(token))
        before_body = client.get(f"{ORDERS_URL}/1234", **bearer(token)).json()
        before = write_counts()
        response = post_json(client, body_with(customer_order_no="MLA-API #12345"), token)
        assert response.status_code == 409
        assert "PLACED" in response.json()["message"]
        assert write_counts() == before
        assert client.get(f"{ORDERS_URL}/1234", **bearer(token)).json() == before_body

    def test_delete_cancels_an_open_order_and_keeps_it(self, client, demo):
        token = demo["customer"]["token"]
        response = client.delete(f"{ORDERS_URL}/1234", **bearer(token))
        assert response.status_code == 204
        body = client.get(f"{ORDERS_URL}/1234", **bearer(token)).json()
        assert (body["order_state"], body["deleted_by"]) == ("CANCELLED", "John Doe")
        assert WholesaleOrder.objects.get(pk=1234).deleted_at is not None
        assert client.delete(f"{ORDERS_URL}/1234", **bearer(token)).status_code == 409
        assert client.put(f"{ORDERS_URL}/1234/place", **bearer(token)).status_code == 409
        assert [e.action for e in OrderEvent.objects.filter(object_id=1234)] == ["cancel"]

    def test_a_placed_order_cannot_be_cancelled_by_the_customer(self, client, demo):
        token = demo["customer"]["token"]
        client.put(f"{ORDERS_URL}/1234/place", **bearer(token))
        response = client.delete(f"{ORDERS_URL}/1234", **bearer(token))
        assert response.status_code == 409
        assert WholesaleOrder.objects.get(pk=1234).order_state == "PLACED"


class TestLists:
    def make_orders(self, client, token, count):
        for i in range(count):
            body = body_with(customer_order_no=f"LIST-{i}",
                             products=[{"product_code": "CA", "quantity": i + 1}])
            assert post_json(client, body, token).status_code == 201

    def test_orders_newest_first_with_filters_and_paging(self, client, demo):
        token = demo["customer"]["token"]
        self.make_orders(client, token, 3)
        response = client.get(ORDERS_URL, **bearer(token))
        numbers = [o["customer_order_no"] for o in response.json()]
        assert numbers == ["LIST-2", "LIST-1", "LIST-0", "MLA-API #12345"]
        assert response["X-Total-Count"] == "4"
        page = client.get(f"{ORDERS_URL}?limit=2&offset=1", **bearer(token))
        assert [o["customer_order_no"] for o in page.json()] == ["LIST-1", "LIST-0"]
        assert 'rel="next"' in page["Link"] and 'rel="prev"' in page["Link"]
        by_number = client.get(f"{ORDERS_URL}?customer_order_no=LIST-1", **bearer(token))
        assert [o["customer_order_no"] for o in by_number.json()] == ["LIST-1"]
        client.put(f"{ORDERS_URL}/1234/place", **bearer(token))
        placed = client.get(f"{ORDERS_URL}?order_state=PLACED", **bearer(token)).json()
        assert [o["order_id"] for o in placed] == [1234]
        old = client.get(f"{ORDERS_URL}?created_at_before=2018-01-01T00:00:00Z",
                         **bearer(token)).json()
        assert [o["order_id"] for o in old] == [1234]
        recent = client.get(f"{ORDERS_URL}?created_at_after=2018-01-01T00:00:00Z",
                            **bearer(token)).json()
        assert len(recent) == 3

    def test_list_query_count_does_not_grow_with_the_page(self, client, demo):
        token = demo["customer"]["token"]
        self.make_orders(client, token, 6)
        counts = []
        for limit in (1, 7):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"{ORDERS_URL}?limit={limit}", **bearer(token))
            assert len(response.json()) == limit
            counts.append(len(queries))
        assert counts[0] == counts[1], counts

    def test_products_are_the_active_catalog(self, client, demo):
        ProductFactory(product_code="OLD1", is_active=False)
        response = client.get("/apis/customer/products", **bearer(demo["customer"]["token"]))
        assert response.status_code == 200
        assert [p["product_code"] for p in response.json()] == [
            "CA", "VFR8BEZCBR", "VFR8BEZMW", "VFR8CW"]
        assert response.json()[-1] == {
            "product_code": "VFR8CW", "type": "stock",
            "description": "PROKNIGHT LED 8w IP65 FIRE RATED 4000K", "vat_code": "S",
            "vat_rate": 0.2, "unit_price": 23.45, "unit_weight": 0.251}
        assert b'"unit_price":23.4500' in response.content

    def test_a_catalog_price_change_does_not_alter_an_existing_order(self, client, demo):
        Product.objects.filter(product_code="VFR8CW").update(unit_price=Decimal("99.9900"))
        body = client.get(f"{ORDERS_URL}/1234", **bearer(demo["customer"]["token"])).json()
        assert body == SEED_GET_1234
