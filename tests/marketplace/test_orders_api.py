import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import MarketplaceOrder
from orders.models import OrderEvent
from tests.conftest import bearer
from tests.marketplace.conftest import write_counts
from tests.marketplace.factories import (
    CustomerFactory,
    MerchantFactory,
    OrderFactory,
    RecordFactory,
    account_token,
)

pytestmark = pytest.mark.django_db

CUSTOMER_ID = "5c6777d1d6a7470017de33c3"
MERCHANT_ID = "5c679751bb102c001706bf0a"
RECORD_ID = "5c679811bb102c001706bf0b"
ORDER_ID = "5c68a588fc924b00178bf143"
SECOND_ORDER_ID = "5c68a604fc924b00178bf144"
CREATE_URL = f"/api/v1/orders/merchants/{MERCHANT_ID}/records/{RECORD_ID}"
# The seed's curl bodies, byte for byte.
SEED_CREATE_FORM = (
    "shipping_address1=123%20Shipping%20Lane&shipping_address2=&shipping_city=Raleigh"
    "&shipping_state=NC&shipping_zip=27615&paypal_email=paypal%40example.com"
    "&billing_address1=123%20Billing%20Drive&billing_address2=Ste.%20%23100"
    "&billing_city=Raleigh&billing_state=NC&billing_zip=27615&comments=This%20is%20a%20comment"
)
SEED_UPDATE_FORM = (
    "billing_info%5B0%5D%5Bbilling_address1%5D=789%20New%20Billing%20Ave"
    "&billing_info%5B0%5D%5Bbilling_address2%5D=Ste.%20%23950"
    "&billing_info%5B0%5D%5Bbilling_city%5D=Boston&billing_info%5B0%5D%5Bbilling_state%5D=MA"
    "&billing_info%5B0%5D%5Bbilling_zip%5D=02101&comments=Updated%20billing%20address"
)
FORM = "application/x-www-form-urlencoded"
SHIPPING_INFO = [{
    "shipping_address1": "123 Shipping Lane", "shipping_address2": "",
    "shipping_city": "Raleigh", "shipping_state": "NC", "shipping_zip": "27615",
}]
BILLING_INFO = [{
    "paypal_email": "paypal@example.com", "billing_address1": "123 Billing Drive",
    "billing_address2": "Ste. #100", "billing_city": "Raleigh", "billing_state": "NC",
    "billing_zip": "27615",
}]
CUSTOMER_INFO = [{"username": "customerName", "email": "email@example.com",
                  "firstName": "First", "lastName": "Name"}]
MERCHANT_INFO = [{"merchant_id": MERCHANT_ID, "companyName": "Record Stack Overflow",
                  "primaryContact": "Pat Seller", "phoneNumber": "919-555-0100"}]


def seed_order(order_id, created_date, **changes):
    """The seed's order object (plus the merchant_info the issue asks for)."""
    return {
        "status": "In progress", "_id": order_id, "record_id": RECORD_ID,
        "merchant_id": MERCHANT_ID, "customer_info": CUSTOMER_INFO,
        "shipping_info": SHIPPING_INFO, "billing_info": BILLING_INFO,
        "merchant_info": MERCHANT_INFO, "comments": ["This is a comment"],
        "_createdBy": CUSTOMER_ID, "created_date": created_date, "__v": 0, **changes,
    }


SEED_LIST = [seed_order(ORDER_ID, "2019-02-17T00:06:32.391Z"),
             seed_order(SECOND_ORDER_ID, "2019-02-17T00:08:36.722Z")]


def send(client, method, url, token, body=None, content_type="application/json"):
    if isinstance(body, dict):
        body = json.dumps(body)
    return getattr(client, method)(url, body, content_type=content_type, **bearer(token))


class TestSeedExamples:
    @pytest.mark.parametrize("method", ["post", "put"])
    def test_create_with_the_seeds_form_body(self, client, demo, method):
        response = send(client, method, CREATE_URL, demo["customer"]["token"],
                        SEED_CREATE_FORM, FORM)
        assert response.status_code == 201
        body = response.json()
        assert re.fullmatch(r"[0-9a-f]{24}", body["_id"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["created_date"])
        assert body == seed_order(body["_id"], body["created_date"])
        assert list(body) == list(SEED_LIST[0])  # the seed's key order
        order = MarketplaceOrder.objects.get(public_id=body["_id"])
        event = OrderEvent.objects.get(object_id=order.pk, action="create")
        assert (event.via, event.to_state, event.actor.username) == (
            "api", "In progress", "marketplace-customer")

    def test_create_with_nested_json_info_lists(self, client, demo):
        response = send(client, "post", CREATE_URL + "/", demo["customer"]["token"], {
            "shipping_info": SHIPPING_INFO, "billing_info": BILLING_INFO,
            "comments": ["This is a comment"]})
        assert response.status_code == 201
        body = response.json()
        assert body == seed_order(body["_id"], body["created_date"])

    def test_create_with_flat_json_and_no_billing_address(self, client, demo):
        response = send(client, "post", CREATE_URL, demo["customer"]["token"], {
            "shipping_address1": "1 Road", "shipping_city": "Austin", "shipping_state": "TX",
            "shipping_zip": "73301", "paypal_email": "me@example.com"})
        assert response.status_code == 201
        body = response.json()
        assert body["billing_info"] == [{
            "paypal_email": "me@example.com", "billing_address1": "", "billing_address2": "",
            "billing_city": "", "billing_state": "", "billing_zip": ""}]
        assert body["comments"] == []

    def test_customer_list_is_the_seeds_array(self, client, demo):
        response = client.get(f"/api/v1/orders/customers/{CUSTOMER_ID}",
                              **bearer(demo["customer"]["token"]))
        assert response.status_code == 200
        assert response.json() == SEED_LIST
        assert response["X-Total-Count"] == "2"

    def test_merchant_list_is_the_seeds_array(self, client, demo):
        response = client.get(f"/api/v1/orders/merchants/{MERCHANT_ID}/",
                              **bearer(demo["merchant"]["token"]))
        assert response.status_code == 200
        assert response.json() == SEED_LIST

    def test_update_with_the_seeds_bracketed_form(self, client, demo):
        response = send(client, "put", f"/api/v1/orders/{ORDER_ID}", demo["merchant"]["token"],
                        SEED_UPDATE_FORM, FORM)
        assert response.status_code == 200
        # The seed's answer, except that paypal_email is kept and __v counts the change.
        assert response.json() == seed_order(
            ORDER_ID, "2019-02-17T00:06:32.391Z", __v=1,
            billing_info=[{"paypal_email": "paypal@example.com",
                           "billing_address1": "789 New Billing Ave",
                           "billing_address2": "Ste. #950", "billing_city": "Boston",
                           "billing_state": "MA", "billing_zip": "02101"}],
            comments=["Updated billing address"])
        event = OrderEvent.objects.get(action="update")
        assert event.via == "api" and event.note.startswith("__v 1; changed ")
        assert "billing_city" in event.note and "comments" in event.note

    def test_cancel_as_the_seed_shows(self, client, demo):
        response = client.delete(f"/api/v1/orders/{ORDER_ID}/customers/{CUSTOMER_ID}",
                                 **bearer(demo["customer"]["token"]))
        assert response.status_code == 200
        assert response.json() == {"success_message": "Order cancelled", "response_code": 200}
        order = MarketplaceOrder.objects.get(public_id=ORDER_ID)
        assert (order.status, order.version) == ("Cancelled", 1)
        events = OrderEvent.objects.filter(object_id=order.pk)
        assert [(e.action, e.from_state, e.to_state, e.note) for e in events] == [
            ("cancel", "In progress", "Cancelled", "__v 1")]


class TestUpdate:
    def url(self, order_id=ORDER_ID):
        return f"/api/v1/orders/{order_id}/"

    def test_json_nested_update_keeps_other_fields_and_replaces_comments(self, client, demo):
        response = send(client, "put", self.url(), demo["merchant"]["token"], {
            "shipping_info": [{"shipping_city": "Durham"}], "comments": ["a", "b"]})
        assert response.status_code == 200
        body = response.json()
        assert body["shipping_info"][0] == {**SHIPPING_INFO[0], "shipping_city": "Durham"}
        assert body["billing_info"] == BILLING_INFO
        assert (body["comments"], body["__v"]) == (["a", "b"], 1)

    def test_repeated_form_comments_and_indexed_comments(self, client, demo):
        token = demo["merchant"]["token"]
        response = send(client, "put", self.url(), token, "comments=one&comments=two", FORM)
        assert response.json()["comments"] == ["one", "two"]
        response = send(client, "put", self.url(), token,
                        "comments%5B1%5D=second&comments%5B0%5D=first", FORM)
        assert response.json()["comments"] == ["first", "second"]
        assert response.json()["__v"] == 2

    def test_status_completed_is_a_transition_with_one_event(self, client, demo):
        response = send(client, "put", self.url(), demo["merchant"]["token"],
                        {"status": "Completed", "shipping_zip": "27601", "__v": 0})
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["__v"]) == ("Completed", 1)
        assert response.json()["shipping_info"][0]["shipping_zip"] == "27601"
        events = list(OrderEvent.objects.all())
        assert [(e.action, e.from_state, e.to_state) for e in events] == [
            ("complete", "In progress", "Completed")]
        assert events[0].note == "__v 1; changed shipping_zip"

    def test_sending_back_the_whole_order_object_changes_only_what_differs(self, client, demo):
        token = demo["merchant"]["token"]
        order = client.get(f"/api/v1/orders/merchants/{MERCHANT_ID}", **bearer(token)).json()[0]
        order["shipping_info"][0]["shipping_address2"] = "Apt 4"
        response = send(client, "put", self.url(), token, order)
        assert response.status_code == 200
        assert response.json() == {**order, "__v": 1}
        assert OrderEvent.objects.get().note == "__v 1; changed shipping_address2"

    def test_no_actual_change_keeps_the_version(self, client, demo):
        response = send(client, "put", self.url(), demo["merchant"]["token"],
                        {"shipping_city": "Raleigh", "status": "In progress"})
        assert (response.status_code, response.json()["__v"]) == (200, 0)
        assert not OrderEvent.objects.exists()

    def test_stale_version_is_409_and_writes_nothing(self, client, demo):
        token = demo["merchant"]["token"]
        send(client, "put", self.url(), token, {"comments": "first edit"})
        before = write_counts()
        response = send(client, "put", self.url(), token, {"comments": "second", "__v": 0})
        assert response.status_code == 409
        assert response.json() == {
            "error_message": f"Marketplace order {ORDER_ID}: __v 0 is not the current version"
                             " 1: the order changed since, fetch it again",
            "response_code": 409}
        assert write_counts() == before

    @pytest.mark.parametrize("current, target", [("Completed", "Cancelled"),
                                                 ("Cancelled", "Completed"),
                                                 ("Completed", "In progress")])
    def test_status_change_not_allowed_from_the_current_status_is_409(
        self, client, demo, current, target
    ):
        MarketplaceOrder.objects.filter(public_id=ORDER_ID).update(status=current)
        before = write_counts()
        response = send(client, "put", self.url(), demo["merchant"]["token"],
                        {"status": target, "comments": "x"})
        assert response.status_code == 409
        assert current in response.json()["error_message"]
        assert write_counts() == before

    def test_fields_of_a_completed_order_can_still_be_edited(self, client, demo):
        MarketplaceOrder.objects.filter(public_id=ORDER_ID).update(status="Completed")
        response = send(client, "put", self.url(), demo["merchant"]["token"],
                        {"comments": "Shipped with tracking 1Z999"})
        assert response.status_code == 200
        assert response.json()["comments"] == ["Shipped with tracking 1Z999"]


class TestCancel:
    def test_cancel_twice_is_409_with_one_event(self, client, demo):
        url = f"/api/v1/orders/{ORDER_ID}/customers/{CUSTOMER_ID}/"
        token = demo["customer"]["token"]
        client.delete(url, **bearer(token))
        before = write_counts()
        response = client.delete(url, **bearer(token))
        assert response.status_code == 409
        assert response.json() == {
            "error_message": f"Marketplace order {ORDER_ID}: cannot cancel an order that is "
                             "Cancelled (allowed from: In progress)",
            "response_code": 409}
        assert write_counts() == before

    def test_completed_order_cannot_be_cancelled(self, client, demo):
        MarketplaceOrder.objects.filter(public_id=ORDER_ID).update(status="Completed")
        response = client.delete(f"/api/v1/orders/{ORDER_ID}/customers/{CUSTOMER_ID}",
                                 **bearer(demo["customer"]["token"]))
        assert response.status_code == 409
        assert MarketplaceOrder.objects.get(public_id=ORDER_ID).status == "Completed"


class TestListing:
    def orders(self, client, token, customer_id, query=""):
        response = client.get(f"/api/v1/orders/customers/{customer_id}/{query}",
                              **bearer(token))
        assert response.status_code == 200, response.json()
        return [o["_id"] for o in response.json()]

    def test_sort_limit_offset(self, client, demo):
        token = demo["customer"]["token"]
        assert self.orders(client, token, CUSTOMER_ID) == [ORDER_ID, SECOND_ORDER_ID]
        for sort in ("desc", "-1"):
            assert self.orders(client, token, CUSTOMER_ID, f"?sort={sort}") == [
                SECOND_ORDER_ID, ORDER_ID]
        for sort in ("asc", "1"):
            assert self.orders(client, token, CUSTOMER_ID, f"?sort={sort}") == [
                ORDER_ID, SECOND_ORDER_ID]
        assert self.orders(client, token, CUSTOMER_ID, "?limit=1") == [ORDER_ID]
        assert self.orders(client, token, CUSTOMER_ID, "?limit=1&offset=1") == [
            SECOND_ORDER_ID]
        assert self.orders(client, token, CUSTOMER_ID, "?sort=-1&offset=1") == [ORDER_ID]
        assert self.orders(client, token, CUSTOMER_ID, "?offset=5") == []

    @pytest.mark.parametrize("query, name", [("?sort=up", "sort"), ("?limit=abc", "limit"),
                                             ("?limit=0", "limit"), ("?offset=-1", "offset")])
    def test_bad_query_values_are_400_naming_the_parameter(self, client, demo, query, name):
        response = client.get(f"/api/v1/orders/merchants/{MERCHANT_ID}{query}",
                              **bearer(demo["merchant"]["token"]))
        assert response.status_code == 400
        body = response.json()
        assert body["response_code"] == 400
        assert body["error_message"].startswith(f"{name}: ")

    @pytest.mark.parametrize("who", ["customer", "merchant"])
    def test_query_count_does_not_grow_with_page_size(self, client, who):
        merchant = MerchantFactory()
        customer = CustomerFactory()
        for _ in range(30):
            OrderFactory(record=RecordFactory(merchant=merchant), customer=customer)
        account = customer if who == "customer" else merchant
        token = account_token(account)
        url = f"/api/v1/orders/{who}s/{account.public_id}/"

        def queries(limit):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(f"{url}?limit={limit}", **bearer(token))
            assert len(response.json()) == limit
            return len(ctx)

        queries(1)  # the token's first use records last_used_at: keep it out of the count
        assert queries(2) == queries(30)
