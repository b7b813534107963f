"""No odd value makes an API answer 500 or an import fail: every field of each domain's
write body and import record (and of the objects in its lists) replaced by a value of
another JSON type, an empty or huge one, a NUL or an impossible date, or a body nested
thousands deep. An API answers a 4xx, or for a value it takes, a success; an import
rejects the row (exit status 1) or takes it (0)."""

import json

import pytest
from django.conf import settings

from tests.commands import run_command, seed_demo
from tests.conftest import bearer
from tests.marketplace.test_orders_api import BILLING_INFO, CREATE_URL, ORDER_ID, SHIPPING_INFO
from tests.restaurant.test_api import SEED_PAYLOAD
from tests.wholesale.test_api import SEED_POST_BODY

pytestmark = pytest.mark.django_db

ODD_VALUES = [[], {}, [1], [{}], {"a": 1}, 1.5, True, -1, 10**30, "", "x" * 5000, "\u0000",
              None, "2021-13-45"]
TOO_DEEP = "[" * 5000 + "]" * 5000


def bodies_with_odd_values(body: dict, depth: int = 2):
    """(where, body) for each field, and each field of the first object in a list (to
    `depth` lists down), set to each odd value."""
    for key, value in body.items():
        for odd in ODD_VALUES:
            yield key, {**body, key: odd}
        if depth > 1 and isinstance(value, list) and value and isinstance(value[0], dict):
            for where, first in bodies_with_odd_values(value[0], depth - 1):
                yield f"{key}[0].{where}", {**body, key: [first, *value[1:]]}


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


@pytest.mark.parametrize("domain", ["panels", "wholesale", "marketplace", "restaurant", "labs"])
def test_an_import_rejects_or_takes_each_odd_value(demo, tmp_path, domain):
    """The first record of the domain's example file, with each odd value in turn, all in
    one file: every row is reported, none fails the run, and a dry run writes nothing."""
    example = settings.BASE_DIR / "examples" / f"{domain}-orders.jsonl"
    record = json.loads(example.read_text().splitlines()[0])
    if domain == "wholesale":
        record["account"] = demo["wholesale"]["customer"]["account_id"]
    odd_records = [odd for _, odd in bodies_with_odd_values(record, depth=3)]
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(odd) + "\n" for odd in odd_records))
    status, out, err = run_command("import_orders", domain, str(path), "--dry-run")
    assert status == 1, err[-500:]
    assert out.startswith("Dry run, nothing written:")
    assert f"({len(odd_records)} orders," in out
    assert "Traceback" not in err
