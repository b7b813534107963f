"""Who may do what, on every endpoint: each principal of seed_demo and no token."""

import pytest

from marketplace.models import MarketplaceOrder, Merchant, Record
from orders.services import api_token_create
from tests.conftest import bearer
from tests.marketplace.conftest import write_counts
from tests.marketplace.factories import UserFactory, account_token
from tests.marketplace.test_orders_api import (
    CREATE_URL,
    CUSTOMER_ID,
    MERCHANT_ID,
    ORDER_ID,
    RECORD_ID,
    SEED_CREATE_FORM,
)

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
UNORDERED_RECORD_ID = "5c679811bb102c001706bf0c"
RECORD_BODY = "artist=Sun%20Ra&title=Space%20Is%20The%20Place&price=30&condition=VG"
PRINCIPALS = ["customer", "other_customer", "merchant", "other_merchant", None]

# (method, url, form body, {principal: status}); the first status in each row is the
# principal who may do it (a write), the rest must be refused without writing.
ENDPOINTS = [
    ("post", CREATE_URL, SEED_CREATE_FORM,
     {"customer": 201, "other_customer": 201, "merchant": 403, "other_merchant": 403,
      None: 401}),
    ("put", CREATE_URL + "/", SEED_CREATE_FORM,
     {"customer": 201, "other_customer": 201, "merchant": 403, "other_merchant": 403,
      None: 401}),
    ("get", f"/api/v1/orders/customers/{CUSTOMER_ID}/", None,
     {"customer": 200, "other_customer": 404, "merchant": 403, "other_merchant": 403,
      None: 401}),
    ("get", f"/api/v1/orders/merchants/{MERCHANT_ID}", None,
     {"customer": 403, "other_customer": 403, "merchant": 200, "other_merchant": 404,
      None: 401}),
    ("put", f"/api/v1/orders/{ORDER_ID}", "comments=Packed",
     {"customer": 403, "other_customer": 403, "merchant": 200, "other_merchant": 404,
      None: 401}),
    ("delete", f"/api/v1/orders/{ORDER_ID}/customers/{CUSTOMER_ID}", None,
     {"customer": 200, "other_customer": 404, "merchant": 403, "other_merchant": 403,
      None: 401}),
    ("get", "/api/v1/records", None,
     {"customer": 200, "other_customer": 200, "merchant": 200, "other_merchant": 200,
      None: 401}),
    ("get", f"/api/v1/records/{RECORD_ID}/", None,
     {"customer": 200, "other_customer": 200, "merchant": 200, "other_merchant": 200,
      None: 401}),
    ("post", "/api/v1/records/", RECORD_BODY,
     {"customer": 403, "other_customer": 403, "merchant": 201, "other_merchant": 201,
      None: 401}),
    ("put", f"/api/v1/records/{RECORD_ID}", "price=12.50",
     {"customer": 403, "other_customer": 403, "merchant": 200, "other_merchant": 404,
      None: 401}),
    ("delete", f"/api/v1/records/{UNORDERED_RECORD_ID}/merchants/{MERCHANT_ID}/", None,
     {"customer": 403, "other_customer": 403, "merchant": 200, "other_merchant": 404,
      None: 401}),
]
CASES = [pytest.param(method, url, body, who, expected[who],
                      id=f"{method}-{url}-{who or 'no-token'}")
         for method, url, body, expected in ENDPOINTS for who in PRINCIPALS]


@pytest.mark.parametrize("method, url, body, who, expected", CASES)
def test_who_may_do_what(client, demo, method, url, body, who, expected):
    headers = bearer(demo[who]["token"]) if who else {}
    before = write_counts()
    if body is None:
        response = getattr(client, method)(url, **headers)
    else:
        response = getattr(client, method)(url, body, content_type=FORM, **headers)
    assert response.status_code == expected, response.content
    if expected >= 400:
        body = response.json()
        assert set(body) == {"error_message", "response_code"}
        assert body["response_code"] == expected
        assert write_counts() == before


def test_messages_say_what_was_refused(client, demo):
    merchant = bearer(demo["merchant"]["token"])
    other = bearer(demo["other_customer"]["token"])
    assert client.post(CREATE_URL, **merchant).json()["error_message"] == (
        "This request is for customer accounts only.")
    assert client.get(f"/api/v1/orders/customers/{CUSTOMER_ID}", **other).json()[
        "error_message"] == f"No customer with id {CUSTOMER_ID}."
    assert client.get("/api/v1/records").json()["error_message"] == (
        "Authentication credentials were not provided.")


def test_another_customers_order_under_ones_own_id_is_404(client, demo):
    other = demo["other_customer"]
    response = client.delete(f"/api/v1/orders/{ORDER_ID}/customers/{other['id']}",
                             **bearer(other["token"]))
    assert response.status_code == 404
    assert response.json()["error_message"] == f"No order with id {ORDER_ID}."
    assert MarketplaceOrder.objects.get(public_id=ORDER_ID).status == "In progress"


def test_ordering_a_record_through_another_merchant_is_404(client, demo):
    other_record = demo["other_merchant"]["record_ids"][0]
    before = write_counts()
    response = client.post(f"/api/v1/orders/merchants/{MERCHANT_ID}/records/{other_record}",
                           SEED_CREATE_FORM, content_type=FORM,
                           **bearer(demo["customer"]["token"]))
    assert response.status_code == 404
    assert other_record in response.json()["error_message"]
    assert write_counts() == before


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Token abc", "Bearer", "Bearer a b"])
def test_bad_tokens_are_401_in_the_origins_body(client, demo, header):
    response = client.get("/api/v1/records", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["response_code"] == 401


def test_read_only_token_reads_but_may_not_write(client, demo):
    token = account_token(Merchant.objects.get(public_id=MERCHANT_ID),
                          abilities=["orders:read"])
    assert client.get(f"/api/v1/orders/merchants/{MERCHANT_ID}", **bearer(token)).status_code \
        == 200
    before = write_counts()
    response = client.put(f"/api/v1/orders/{ORDER_ID}", "comments=x", content_type=FORM,
                          **bearer(token))
    assert response.status_code == 403
    assert response.json() == {"error_message": "This token lacks the 'orders:write' ability.",
                               "response_code": 403}
    assert write_counts() == before


def test_a_user_without_a_marketplace_account_is_403(client, demo):
    user = UserFactory()
    _, token = api_token_create(user=user)
    response = client.get("/api/v1/records", **bearer(token))
    assert response.status_code == 403
    assert "marketplace customer or merchant account" in response.json()["error_message"]


class TestErrorBodyEverywhere:
    def test_method_not_allowed(self, client, demo):
        response = client.get(f"/api/v1/orders/{ORDER_ID}", **bearer(demo["merchant"]["token"]))
        assert response.status_code == 405
        assert response.json() == {"error_message": 'Method "GET" not allowed.',
                                   "response_code": 405}

    @pytest.mark.parametrize("path", ["/api/v1/orders/a/b/c/d", "/api/v1/records/x/y",
                                      "/api/v1/auth/login/admin", "/api/v1/orders"])
    def test_unknown_paths_under_the_marketplace(self, client, path):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"error_message": f"No endpoint GET {path}.",
                                   "response_code": 404}

    def test_malformed_json(self, client, demo):
        before = write_counts()
        response = client.post(CREATE_URL, '{"shipping_city": ', content_type="application/json",
                               **bearer(demo["customer"]["token"]))
        assert response.status_code == 400
        assert response.json()["error_message"].startswith("JSON parse error")
        assert write_counts() == before

    def test_unsupported_media_type(self, client, demo):
        response = client.post(CREATE_URL, "<order/>", content_type="application/xml",
                               **bearer(demo["customer"]["token"]))
        assert response.status_code == 415
        assert response.json()["response_code"] == 415

    def test_unknown_ids_are_404(self, client, demo):
        token = bearer(demo["merchant"]["token"])
        assert client.put("/api/v1/orders/ffffffffffffffffffffffff", "comments=x",
                          content_type=FORM, **token).status_code == 404
        assert client.get("/api/v1/records/nope", **token).json() == {
            "error_message": "No record with id nope.", "response_code": 404}
        assert Record.objects.filter(public_id="nope").count() == 0
