"""Issue 13 for the marketplace API: odd numbers and text answer the origin's 400 naming
the field, never a 500; each account sets only what its role may set."""

import json
from urllib.parse import quote

import pytest
from django.utils import timezone

from marketplace.inputs import MAX_COMMENTS, order_create_input, record_input
from marketplace.models import MarketplaceOrder, Record
from orders.inputs import InputErrors
from tests.conftest import bearer
from tests.marketplace.conftest import write_counts
from tests.marketplace.factories import MerchantFactory
from tests.marketplace.test_bad_input import FORM, VALID, assert_refused
from tests.marketplace.test_orders_api import (
    CREATE_URL,
    CUSTOMER_ID,
    MERCHANT_ID,
    ORDER_ID,
    RECORD_ID,
)

pytestmark = pytest.mark.django_db

# "²" passes str.isdigit() and fails int(); "٣" (Arabic-Indic three) passes both; a
# 5,000-digit number is beyond what int() parses from text.
ODD_NUMBERS = ["²", "٣", "9" * 5000]
VALID_FORM = "&".join(f"{key}={quote(value)}" for key, value in VALID.items())
ORDER_TEXT_FIELDS = ["shipping_address1", "shipping_address2", "shipping_city",
                     "shipping_state", "shipping_zip", "paypal_email", "billing_address1",
                     "billing_address2", "billing_city", "billing_state", "billing_zip"]
RECORD_TEXT_FIELDS = ["artist", "title", "condition", "comments"]
RECORD = {"artist": "Nina Simone", "title": "Pastel Blues", "price": "25.00",
          "condition": "VG+"}


def form_key(key: str) -> str:
    return quote(key, safe="")


def assert_names_key(response, key: str) -> None:
    """A 400 in the origin's body whose message starts with the key (a long one shortened
    in the middle)."""
    assert_refused(response, 400, "")
    message = response.json()["error_message"]
    assert message.startswith(key[:40]) and key[-10:] + ": " in message, message


class TestOddNumbers:
    @pytest.mark.parametrize("number", ODD_NUMBERS + [str(MAX_COMMENTS)])
    @pytest.mark.parametrize("template", ["billing_info[{}][billing_city]", "comments[{}]"])
    def test_in_a_create_forms_key_is_400_naming_it(self, client, demo, template, number):
        key = template.format(number)
        before = write_counts()
        response = client.post(CREATE_URL, f"{VALID_FORM}&{form_key(key)}=x",
                               content_type=FORM, **bearer(demo["customer"]["token"]))
        assert_names_key(response, key)
        assert write_counts() == before

    @pytest.mark.parametrize("number", ODD_NUMBERS)
    @pytest.mark.parametrize("template", ["billing_info[{}][billing_city]", "comments[{}]"])
    def test_in_an_update_forms_key_is_400_naming_it(self, client, demo, template, number):
        key = template.format(number)
        before = write_counts()
        response = client.put(f"/api/v1/orders/{ORDER_ID}", f"{form_key(key)}=x",
                              content_type=FORM, **bearer(demo["merchant"]["token"]))
        assert_names_key(response, key)
        assert write_counts() == before

    def test_comment_indexes_up_to_the_maximum_order_the_comments(self, client, demo):
        form = (f"{form_key(f'comments[{MAX_COMMENTS - 1}]')}=last"
                f"&{form_key('comments[0]')}=first")
        response = client.put(f"/api/v1/orders/{ORDER_ID}", form, content_type=FORM,
                              **bearer(demo["merchant"]["token"]))
        assert response.status_code == 200
        assert response.json()["comments"] == ["first", "last"]

    @pytest.mark.parametrize("number", ODD_NUMBERS + ["-1", "1.5"])
    @pytest.mark.parametrize("param", ["limit", "offset"])
    @pytest.mark.parametrize("url, who", [
        ("/api/v1/records", "customer"),
        (f"/api/v1/orders/customers/{CUSTOMER_ID}", "customer"),
        (f"/api/v1/orders/merchants/{MERCHANT_ID}", "merchant"),
    ])
    def test_in_limit_and_offset_is_400_naming_it(self, client, demo, url, who, param,
                                                  number):
        response = client.get(url, {param: number}, **bearer(demo[who]["token"]))
        assert_refused(response, 400, param)
        assert len(response.json()["error_message"]) < 200

    @pytest.mark.parametrize("number", ODD_NUMBERS)
    def test_in_a_version_is_400(self, client, demo, number):
        before = write_counts()
        response = client.put(f"/api/v1/orders/{ORDER_ID}",
                               f"__v={quote(number)}&shipping_city=Q", content_type=FORM,
                               **bearer(demo["merchant"]["token"]))
        assert_refused(response, 400, "__v", "Must be a whole number")
        assert write_counts() == before


class TestUnstorableText:
    """NUL and lone surrogates in any free-text field: the parser refuses them in a
    request, the shared validation in an import's record."""

    @pytest.mark.parametrize("text", ["a\u0000b", "a\ud800b"])
    @pytest.mark.parametrize("field", ORDER_TEXT_FIELDS + ["comments"])
    def test_in_a_create_or_an_update(self, client, demo, field, text):
        before = write_counts()
        create = client.post(CREATE_URL, json.dumps({**VALID, field: text}),
                             content_type="application/json",
                             **bearer(demo["customer"]["token"]))
        assert_refused(create, 400, field)
        update = client.put(f"/api/v1/orders/{ORDER_ID}", json.dumps({field: text}),
                            content_type="application/json",
                            **bearer(demo["merchant"]["token"]))
        assert_refused(update, 400, field)
        assert write_counts() == before
        with pytest.raises(InputErrors) as raised:
            order_create_input({**VALID, field: text})
        assert list(raised.value.as_dict()) == [field]

    @pytest.mark.parametrize("text", ["a\u0000b", "a\ud800b"])
    @pytest.mark.parametrize("field", RECORD_TEXT_FIELDS)
    def test_in_a_record(self, client, demo, field, text):
        before = write_counts()
        token = demo["merchant"]["token"]
        response = client.post("/api/v1/records", json.dumps({**RECORD, field: text}),
                               content_type="application/json", **bearer(token))
        assert_refused(response, 400, field)
        response = client.put(f"/api/v1/records/{RECORD_ID}", json.dumps({field: text}),
                              content_type="application/json", **bearer(token))
        assert_refused(response, 400, field)
        assert write_counts() == before
        with pytest.raises(InputErrors) as raised:
            record_input({**RECORD, field: text})
        assert list(raised.value.as_dict()) == [field]

    def test_a_surrogate_in_a_comment_of_a_list_names_its_place(self, client, demo):
        response = client.post(CREATE_URL, json.dumps({**VALID, "comments": ["ok", "\ud800"]}),
                               content_type="application/json",
                               **bearer(demo["customer"]["token"]))
        assert_refused(response, 400, "comments[1]", "lone surrogate")
        with pytest.raises(InputErrors) as raised:
            order_create_input({**VALID, "comments": ["ok", "\ud800"]})
        assert list(raised.value.as_dict()) == ["comments[1]"]


class TestListLengths:
    def test_comments_as_repeated_form_fields_beyond_the_maximum_are_400(self, client, demo):
        comments = "&".join(["comments=x"] * (MAX_COMMENTS + 1))
        before = write_counts()
        response = client.post(CREATE_URL, f"{VALID_FORM}&{comments}", content_type=FORM,
                               **bearer(demo["customer"]["token"]))
        assert_refused(response, 400, "comments", f"At most {MAX_COMMENTS} comments")
        assert write_counts() == before

    def test_the_maximum_number_of_comments_is_accepted(self, client, demo):
        comments = "&".join([f"{form_key('comments[]')}=x"] * MAX_COMMENTS)
        response = client.post(CREATE_URL, f"{VALID_FORM}&{comments}", content_type=FORM,
                               **bearer(demo["customer"]["token"]))
        assert response.status_code == 201
        assert len(response.json()["comments"]) == MAX_COMMENTS

    @pytest.mark.parametrize("group", ["shipping_info", "billing_info"])
    def test_an_info_list_holds_one_object(self, client, demo, group):
        response = client.put(f"/api/v1/orders/{ORDER_ID}",
                              json.dumps({group: [{}, {}, {}]}),
                              content_type="application/json",
                              **bearer(demo["merchant"]["token"]))
        assert_refused(response, 400, group, "one object")


# The order object's keys a client may send back: the system sets them, so they are
# ignored, whoever sends them and whatever they say.
FORGED_READ_ONLY = {
    "_id": "aaaaaaaaaaaaaaaaaaaaaaaa",
    "record_id": "bbbbbbbbbbbbbbbbbbbbbbbb",
    "merchant_id": "cccccccccccccccccccccccc",
    "_createdBy": "dddddddddddddddddddddddd",
    "customer_info": [{"username": "someone-else", "email": "else@example.com"}],
    "merchant_info": [{"merchant_id": "cccccccccccccccccccccccc", "companyName": "Forged"}],
    "created_date": "2001-01-01T00:00:00.000Z",
}


class TestWhatEachAccountMaySet:
    def test_a_customer_cannot_set_owners_ids_or_the_merchants_snapshot(self, client, demo):
        other = MerchantFactory(company_name="Forged")
        response = client.post(CREATE_URL, json.dumps({
            **VALID, **FORGED_READ_ONLY, "merchant_id": other.public_id}),
            content_type="application/json", **bearer(demo["customer"]["token"]))
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["_id"] != FORGED_READ_ONLY["_id"]
        assert (body["record_id"], body["merchant_id"], body["_createdBy"]) == (
            RECORD_ID, MERCHANT_ID, CUSTOMER_ID)
        assert body["merchant_info"][0]["companyName"] == "Record Stack Overflow"
        assert body["customer_info"][0]["username"] == "customerName"
        assert (body["status"], body["__v"]) == ("In progress", 0)
        order = MarketplaceOrder.objects.get(public_id=body["_id"])
        assert abs((timezone.now() - order.created_at).total_seconds()) < 60

    @pytest.mark.parametrize("field, value", [
        ("status", "Completed"), ("__v", 7), ("customer_id", CUSTOMER_ID),
        ("merchant", MERCHANT_ID), ("customer", CUSTOMER_ID), ("price", "0.01"),
        ("external_id", "mine"), ("version", 3), ("record", RECORD_ID),
        ("merchant_company_name", "Forged"),
    ])
    def test_a_customers_create_refuses_every_system_field_by_name(self, client, demo,
                                                                   field, value):
        before = write_counts()
        response = client.post(CREATE_URL, json.dumps({**VALID, field: value}),
                               content_type="application/json",
                               **bearer(demo["customer"]["token"]))
        assert_refused(response, 400, field)
        assert write_counts() == before

    def test_a_merchant_changes_only_the_order_fields_it_sends(self, client, demo):
        order = MarketplaceOrder.objects.get(public_id=ORDER_ID)
        owners = (order.customer_id, order.merchant_id, order.record_id, order.created_at,
                  order.merchant_company_name, order.public_id)
        response = client.put(f"/api/v1/orders/{ORDER_ID}", json.dumps({
            **FORGED_READ_ONLY, "comments": ["Shipped Monday"]}),
            content_type="application/json", **bearer(demo["merchant"]["token"]))
        assert response.status_code == 200, response.content
        order.refresh_from_db()
        assert (order.customer_id, order.merchant_id, order.record_id, order.created_at,
                order.merchant_company_name, order.public_id) == owners
        assert (order.comments, order.version) == (["Shipped Monday"], 1)

    @pytest.mark.parametrize("field, value", [
        ("customer_id", CUSTOMER_ID), ("external_id", "x"), ("version", 9),
        ("merchant_company_name", "Forged"), ("record", RECORD_ID),
    ])
    def test_a_merchants_update_refuses_system_fields_by_name(self, client, demo, field,
                                                              value):
        before = write_counts()
        response = client.put(f"/api/v1/orders/{ORDER_ID}", json.dumps({field: value}),
                              content_type="application/json",
                              **bearer(demo["merchant"]["token"]))
        assert_refused(response, 400, field)
        assert write_counts() == before

    def test_a_merchant_lists_records_as_its_own_only(self, client, demo):
        other = MerchantFactory()
        response = client.post("/api/v1/records", json.dumps({
            **RECORD, "merchant_id": other.public_id, "_id": "eeeeeeeeeeeeeeeeeeeeeeee",
            "created_date": "2001-01-01T00:00:00.000Z", "__v": 5}),
            content_type="application/json", **bearer(demo["merchant"]["token"]))
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["merchant_id"] == MERCHANT_ID
        assert body["_id"] != "eeeeeeeeeeeeeeeeeeeeeeee"
        record = Record.objects.get(public_id=body["_id"])
        assert record.merchant.public_id == MERCHANT_ID
        assert not body["created_date"].startswith("2001")

    @pytest.mark.parametrize("field", ["removed_at", "merchant", "public_id"])
    def test_a_record_body_refuses_system_fields_by_name(self, client, demo, field):
        before = write_counts()
        response = client.put(f"/api/v1/records/{RECORD_ID}",
                              json.dumps({field: "x", "title": "Changed"}),
                              content_type="application/json",
                              **bearer(demo["merchant"]["token"]))
        assert_refused(response, 400, field)
        assert write_counts() == before
