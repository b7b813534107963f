"""The read-only pages (order lists, record list and detail) print their rows straight from
the database (no model objects) and render with orjson: what a client reads there must be
what the same object reads as everywhere else, byte for byte where JSON allows a choice."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import bearer
from tests.marketplace.test_orders_api import CREATE_URL, CUSTOMER_ID, MERCHANT_ID

pytestmark = pytest.mark.django_db

# Text a JSON encoder may write in more than one way: DRF escapes U+2028 and U+2029 (they
# end a line in JavaScript), writes other non-ASCII as it is, and control characters escaped.
AWKWARD = "line\u2028separator\u2029, \"quoted\" é 漢 \x01 \\ end"


def order_json(**changes) -> str:
    return json.dumps({
        "shipping_address1": "1 Lane", "shipping_city": "Raleigh", "shipping_state": "NC",
        "shipping_zip": "27615", "paypal_email": "paypal@example.com",
        "comments": [AWKWARD, "second"], **changes})


class TestOrderLists:
    def test_an_order_reads_the_same_in_both_lists_as_when_created(self, client, demo):
        created = client.post(CREATE_URL, order_json(), content_type="application/json",
                              **bearer(demo["customer"]["token"]))
        assert created.status_code == 201
        order_id = created.json()["_id"]
        for token, url in ((demo["customer"]["token"], f"/api/v1/orders/customers/{CUSTOMER_ID}"),
                           (demo["merchant"]["token"], f"/api/v1/orders/merchants/{MERCHANT_ID}")):
            listed = client.get(url, **bearer(token))
            assert listed.status_code == 200
            assert [o for o in listed.json() if o["_id"] == order_id] == [created.json()]

    def test_line_separators_are_escaped_and_other_text_is_written_as_it_is(self, client, demo):
        client.post(CREATE_URL, order_json(), content_type="application/json",
                    **bearer(demo["customer"]["token"]))
        response = client.get(f"/api/v1/orders/customers/{CUSTOMER_ID}?sort=desc&limit=1",
                              **bearer(demo["customer"]["token"]))
        assert response["Content-Type"] == "application/json"
        assert (b'"comments":["line\\u2028separator\\u2029, \\"quoted\\" '
                + "é 漢".encode() + b' \\u0001 \\\\ end","second"]') in response.content
        assert response.json()[0]["comments"] == [AWKWARD, "second"]

    @pytest.mark.parametrize("who", ["customer", "merchant"])
    def test_a_page_reads_the_account_with_the_token(self, client, demo, who):
        """One principal lookup: the token's query; then only the orders' own queries."""
        url = f"/api/v1/orders/{who}s/{CUSTOMER_ID if who == 'customer' else MERCHANT_ID}"
        token = bearer(demo[who]["token"])
        client.get(url, **token)  # (the token's first use records last_used_at)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **token).status_code == 200
        tables = [q["sql"].split(" FROM ", 1)[1].split()[0] for q in queries.captured_queries]
        assert tables[0] == '"orders_apitoken"'
        assert set(tables[1:]) == {'"marketplace_marketplaceorder"'}


class TestRecordPages:
    def test_a_record_reads_the_same_when_created_listed_and_read(self, client, demo):
        created = client.post("/api/v1/records", json.dumps({
            "artist": "A" + AWKWARD, "title": "T", "price": 1234567.89, "condition": "VG",
            "comments": AWKWARD}), content_type="application/json",
            **bearer(demo["merchant"]["token"]))
        assert created.status_code == 201
        record_id = created.json()["_id"]
        token = bearer(demo["customer"]["token"])
        detail = client.get(f"/api/v1/records/{record_id}", **token)
        assert detail.content == created.content
        listed = client.get("/api/v1/records?sort=-1", **token)
        assert [r for r in listed.json() if r["_id"] == record_id] == [created.json()]
        assert b'"price":1234567.89,' in detail.content

    def test_an_accept_header_the_api_cannot_answer_is_406_in_its_body(self, client, demo):
        response = client.get("/api/v1/records", HTTP_ACCEPT="text/html",
                              **bearer(demo["customer"]["token"]))
        assert response.status_code == 406
        assert response.json()["response_code"] == 406

    @pytest.mark.parametrize("accept", ["*/*", "application/json", "application/*",
                                        "text/html, application/json;q=0.9"])
    def test_accept_headers_of_json_answer_json(self, client, demo, accept):
        response = client.get("/api/v1/records", HTTP_ACCEPT=accept,
                              **bearer(demo["customer"]["token"]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
