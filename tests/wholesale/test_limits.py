"""Wholesale input limits: date and integer query parameters parsed strictly and bounded,
at most MAX_ORDER_LINES products in a body."""

import json

import pytest

from tests.conftest import bearer
from tests.wholesale.factories import ProductFactory, TradeAccountFactory, account_token
from wholesale.models import WholesaleOrder
from wholesale.services import MAX_ORDER_LINES

pytestmark = pytest.mark.django_db

ORDERS_URL = "/apis/customer/orders"


@pytest.fixture
def token():
    return account_token(TradeAccountFactory())


def body_with_lines(count: int, code: str) -> dict:
    return {"customer_order_no": "LIMITS-1", "delivery_method": "COLLECT",
            "products": [{"product_code": code, "quantity": 1}] * count}


def refused(response, status: int, name: str) -> str:
    """`status` in the origin's body {"message", "errors"}, naming `name`."""
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert name in body["errors"] and name in body["message"], body
    return " ".join(body["errors"][name])


@pytest.mark.parametrize("name", ["created_at_after", "created_at_before"])
@pytest.mark.parametrize("value, problem", [
    ("2020-01-01T00:00:00%2B16:00", "UTC offset"),  # beyond PostgreSQL's 15:59
    ("9999-12-31T20:00:00-05:00", "Must be between"),  # year 10000 in UTC
    ("0001-01-01T00:00:00%2B14:00", "Must be between"),
    ("2020-13-01", "ISO 8601"),
])
def test_a_date_filter_beyond_the_database_is_400_naming_it(client, token, name, value,
                                                           problem):
    response = client.get(f"{ORDERS_URL}?{name}={value}", **bearer(token))
    assert problem in refused(response, 400, name)


@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize("value", ["%C2%B2", "%D9%A3", "9" * 5000, "-1"])
def test_a_paging_parameter_that_is_not_ascii_digits_in_bounds_is_400(client, token, name,
                                                                      value):
    refused(client.get(f"{ORDERS_URL}?{name}={value}", **bearer(token)), 400, name)


def test_the_maximum_number_of_products_is_accepted(client, token):
    product = ProductFactory()
    response = client.post(ORDERS_URL, json.dumps(body_with_lines(MAX_ORDER_LINES,
                                                                  product.product_code)),
                           content_type="application/json", **bearer(token))
    assert response.status_code == 201, response.content[:300]
    assert len(response.json()["products"]) == MAX_ORDER_LINES


@pytest.mark.parametrize("count", [MAX_ORDER_LINES + 1, 20_000])
def test_more_products_than_the_maximum_are_422(client, token, count):
    product = ProductFactory()
    response = client.post(ORDERS_URL, json.dumps(body_with_lines(count, product.product_code)),
                           content_type="application/json", **bearer(token))
    assert f"At most {MAX_ORDER_LINES} products" in refused(response, 422, "products")
    assert not WholesaleOrder.objects.exists()
