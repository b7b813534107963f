"""No body makes an API answer 500: every field of each domain's write body (and of the
objects in its lists) replaced by a value of another JSON type, an empty or huge one, a
NUL, an impossible date, or a body nested thousands deep. Each answer is a 4xx, or for a
value the API takes, a success."""

import json

import pytest

from tests.commands import seed_demo
from tests.conftest import bearer
from tests.marketplace.test_orders_api import BILLING_INFO, CREATE_URL, ORDER_ID, SHIPPING_INFO
from tests.restaurant.test_api import SEED_PAYLOAD
from tests.wholesale.test_api import SEED_POST_BODY

pytestmark = pytest.mark.django_db

ODD_VALUES = [[], {}, [1], [{}], {"a": 1}, 1.5, True, -1, 10**30, "", "x" * 5000, "\u0000",
              None, "2021-13-45"]
TOO_DEEP = "[" * 5000 + "]" * 5000


def bodies_with_odd_values(body: dict):
    """(where, body) for each field, and each field of a list's first object, set to each
    odd value."""
    for key, value in body.items():
        for odd in ODD_VALUES:
            yield key, {**body, key: odd}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for name in value[0]:
                for odd in ODD_VALUES:
                    yield f"{key}[0].{name}", {**body, key: [{**value[0], name: odd},
                                                            *value[1:]]}


def server_errors(client, method, url, body: dict, token: str) -> list:
    errors = []
    for where, odd_body in [("(nested 5000 deep)", TOO_DEEP),
                            *bodies_with_odd_values(body)]:
        raw = odd_body if isinstance(odd_body, str) else json.dumps(odd_body)
        try:
            response = getattr(client, method)(url, raw, content_type="application/json",
                                               **bearer(token))
        except Exception as exc:  # the test client re-raises what a server would 500
            errors.append((where, f"{type(exc).__name__}: {exc}"[:200]))
            continue
        if response.status_code >= 500:
            errors.append((where, response.status_code))
    return errors


@pytest.fixture
def demo():
    return seed_demo()


def test_panels(client, demo):
    token = demo["panels"]["partner"]["token"]
    body = {"customer_id": 319, "order_items": [{"panel_sku": "cardiometabolic-1"}]}
    assert server_errors(client, "post", "/api/v1/customer-panel-orders/", body, token) == []


def test_wholesale(client, demo):
    token = demo["wholesale"]["customer"]["token"]
    assert server_errors(client, "post", "/apis/customer/orders", SEED_POST_BODY, token) == []


def test_marketplace(client, demo):
    customer, merchant = (demo["marketplace"][role]["token"] for role in ("customer",
                                                                           "merchant"))
    flat = {"shipping_address1": "1 Road", "shipping_city": "Austin", "shipping_state": "TX",
            "shipping_zip": "73301", "paypal_email": "me@example.com", "comments": "hi"}
    nested = {"shipping_info": SHIPPING_INFO, "billing_info": BILLING_INFO}
    update = {"billing_info": BILLING_INFO, "comments": "x", "__v": 0}
    assert server_errors(client, "post", CREATE_URL, flat, customer) == []
    assert server_errors(client, "post", CREATE_URL, nested, customer) == []
    assert server_errors(client, "put", f"/api/v1/orders/{ORDER_ID}", update, merchant) == []


def test_restaurant(client, demo):
    token = demo["restaurant"]["writer"]["token"]
    update = {"status_id": 2, "status_comment": "x", "first_name": "A",
              "order_date_time": "2021-03-01 10:00:00"}
    assert server_errors(client, "post", "/api/orders", SEED_PAYLOAD, token) == []
    assert server_errors(client, "patch", "/api/orders/1", update, token) == []


@pytest.mark.parametrize("url, token_of, error_key", [
    ("/api/v1/customer-panel-orders/", ("panels", "partner"), "non-field-errors"),
    ("/apis/customer/orders", ("wholesale", "customer"), "message"),
    ("/api/orders", ("restaurant", "writer"), "errors"),
])
def test_a_body_nested_too_deeply_is_a_400_in_the_domains_shape(client, demo, url, token_of,
                                                               error_key):
    domain, role = token_of
    response = client.post(url, TOO_DEEP, content_type="application/json",
                           **bearer(demo[domain][role]["token"]))
    assert response.status_code == 400
    assert "nested too deeply" in json.dumps(response.json()[error_key])
