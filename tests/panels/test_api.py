import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import OrderEvent
from panels.models import CustomerPanelOrder, CustomerPanelOrderItem
from tests.commands import seed_demo
from tests.conftest import bearer
from tests.panels.factories import CustomerFactory, PanelFactory, PartnerFactory, partner_token

pytestmark = pytest.mark.django_db

ORDERS_URL = "/api/v1/customer-panel-orders/"
SEED_ORDER_101 = {
    "id": 101,
    "created_at": "2017-11-24 10:00:00",
    "customer_id": 319,
    "order_items": [{"panel_sku": "cardiometabolic-1"}, {"panel_sku": "nutri-opt-1"}],
    "status": "created",
}
SEED_ORDER_102 = {
    "id": 102,
    "created_at": "2017-11-24 10:01:00",
    "customer_id": 320,
    "order_items": [{"panel_sku": "weight-management-1"}, {"panel_sku": "hormone-1"}],
    "status": "created",
}


@pytest.fixture
def demo():
    return seed_demo("panels")


def write_counts():
    return (
        CustomerPanelOrder.objects.count(),
        CustomerPanelOrderItem.objects.count(),
        OrderEvent.objects.count(),
    )


def post_json(client, url, body, token):
    return client.post(url, body if isinstance(body, str) else json.dumps(body),
                       content_type="application/json", **bearer(token))


# (body, field named in the 400, text in its message); the importer must agree.
BAD_ORDER_BODIES = [
    ({"customer_id": 319, "order_items": [{"panel_sku": "no-such-panel"}]},
     "order_items", "no-such-panel"),
    ({"customer_id": 319, "order_items": []}, "order_items", ""),
    ({"customer_id": 319, "order_items": [{"panel_sku": "hormone-1"},
                                           {"panel_sku": "hormone-1"}]},
     "order_items", "hormone-1"),
    ({"order_items": [{"panel_sku": "hormone-1"}]}, "customer_id", "required"),
    ({"customer_id": "abc", "order_items": [{"panel_sku": "hormone-1"}]},
     "customer_id", "integer"),
    ({"customer_id": 319, "order_items": [{}]}, "order_items[0].panel_sku", "required"),
    ({"customer_id": 319, "order_items": "hormone-1"}, "order_items", ""),
]


class TestSeedExamples:
    def test_get_one_order_as_the_seed_shows(self, client, demo):
        response = client.get(f"{ORDERS_URL}101/", **bearer(demo["partner"]["token"]))
        assert response.status_code == 200
        assert response.json() == SEED_ORDER_101

    def test_list_is_a_json_array_of_the_seed_orders(self, client, demo):
        response = client.get(ORDERS_URL, **bearer(demo["partner"]["token"]))
        assert response.status_code == 200
        assert response.json() == [SEED_ORDER_101, SEED_ORDER_102]
        assert response["X-Total-Count"] == "2"

    def test_create_as_the_seed_shows(self, client, demo):
        payload = {"customer_id": 319, "order_items": [
            {"panel_sku": "cardiometabolic-1"}, {"panel_sku": "nutri-opt-1"}]}
        response = post_json(client, ORDERS_URL, payload, demo["partner"]["token"])
        assert response.status_code == 201
        body = response.json()
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", body["created_at"])
        assert body["customer_id"] == 319
        assert body["order_items"] == payload["order_items"]
        assert body["status"] == "created"
        order = CustomerPanelOrder.objects.get(pk=body["id"])
        assert [i.panel.sku for i in order.items.all()] == ["cardiometabolic-1", "nutri-opt-1"]
        event = OrderEvent.objects.get(object_id=order.pk, action="create")
        assert (event.via, event.to_state) == ("api", "created")

    def test_order_items_keep_request_order(self, client, demo):
        skus = ["hormone-1", "cardiometabolic-1", "weight-management-1"]
        response = post_json(client, ORDERS_URL, {
            "customer_id": 320, "order_items": [{"panel_sku": s} for s in skus]},
            demo["partner"]["token"])
        assert [i["panel_sku"] for i in response.json()["order_items"]] == skus

    @pytest.mark.parametrize("path", ["/api/v1/customer-panel-orders",
                                      "/api/v1/customer-panel-orders/101",
                                      "/api/v1/trait-panels", "/api/v1/customers/319"])
    def test_paths_answer_without_trailing_slash(self, client, demo, path):
        response = client.get(path, **bearer(demo["partner"]["token"]))
        assert response.status_code == 200

    def test_post_without_trailing_slash_creates(self, client, demo):
        response = post_json(client, ORDERS_URL.rstrip("/"),
                             {"customer_id": 319, "order_items": [{"panel_sku": "hormone-1"}]},
                             demo["partner"]["token"])
        assert response.status_code == 201


class TestTenancy:
    def test_other_partner_cannot_see_or_cancel_an_order(self, client, demo):
        token = demo["other_partner"]["token"]
        assert client.get(f"{ORDERS_URL}101/", **bearer(token)).status_code == 404
        assert client.post(f"{ORDERS_URL}101/cancel/", **bearer(token)).status_code == 404
        assert client.get(ORDERS_URL, **bearer(token)).json() == []
        assert CustomerPanelOrder.objects.get(pk=101).status == "created"

    def test_ordering_for_another_partners_customer_is_400_and_writes_nothing(self, client, demo):
        before = write_counts()
        response = post_json(client, ORDERS_URL, {
            "customer_id": 319, "order_items": [{"panel_sku": "hormone-1"}]},
            demo["other_partner"]["token"])
        assert response.status_code == 400
        assert "customer_id" in response.json()["errors"]
        assert write_counts() == before

    def test_customers_are_scoped_to_the_partner(self, client, demo):
        token = demo["other_partner"]["token"]
        ids = [c["id"] for c in client.get("/api/v1/customers/", **bearer(token)).json()]
        assert ids == demo["other_partner"]["customer_ids"]
        assert client.get("/api/v1/customers/319/", **bearer(token)).status_code == 404


class TestBadInput:
    @pytest.mark.parametrize("body, field, text", BAD_ORDER_BODIES)
    def test_rejected_with_400_naming_the_field_and_nothing_written(
        self, client, demo, body, field, text
    ):
        before = write_counts()
        response = post_json(client, ORDERS_URL, body, demo["partner"]["token"])
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert field in errors, errors
        assert text in " ".join(errors[field])
        assert write_counts() == before

    def test_inactive_panel_is_rejected_by_name(self, client, demo):
        PanelFactory(sku="retired-1", is_active=False)
        response = post_json(client, ORDERS_URL, {
            "customer_id": 319, "order_items": [{"panel_sku": "retired-1"}]},
            demo["partner"]["token"])
        assert response.status_code == 400
        assert "retired-1" in response.json()["errors"]["order_items"][0]

    @pytest.mark.parametrize("raw", ['{"customer_id": 319,', "[1, 2]", '"text"'])
    def test_malformed_or_wrongly_shaped_json_is_400(self, client, demo, raw):
        before = write_counts()
        response = post_json(client, ORDERS_URL, raw, demo["partner"]["token"])
        assert response.status_code == 400
        body = response.json()
        assert set(body) == {"errors", "non-field-errors"}
        assert body["non-field-errors"]
        assert write_counts() == before

    @pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Token abc", "Bearer"])
    def test_missing_or_bad_token_is_401(self, client, demo, header):
        extra = {"HTTP_AUTHORIZATION": header} if header else {}
        response = client.get(ORDERS_URL, **extra)
        assert response.status_code == 401
        assert response.json()["non-field-errors"]

    def test_token_without_write_ability_is_403_on_create(self, client, demo):
        partner = PartnerFactory()
        token = partner_token(partner, abilities=["orders:read"])
        customer = CustomerFactory(partner=partner)
        response = post_json(client, ORDERS_URL, {
            "customer_id": customer.pk, "order_items": [{"panel_sku": "hormone-1"}]}, token)
        assert response.status_code == 403
        assert "orders:write" in response.json()["non-field-errors"][0]
        assert client.get(ORDERS_URL, **bearer(token)).status_code == 200


class TestCancel:
    def test_cancel_answers_the_order_and_records_one_event(self, client, demo):
        token = demo["partner"]["token"]
        response = client.post(f"{ORDERS_URL}101/cancel/", **bearer(token))
        assert response.status_code == 200
        assert response.json() == {**SEED_ORDER_101, "status": "canceled"}
        events = OrderEvent.objects.filter(object_id=101, action="cancel")
        assert [(e.from_state, e.to_state, e.via) for e in events] == [
            ("created", "canceled", "api")]
        assert CustomerPanelOrder.objects.get(pk=101).canceled_at is not None

    def test_cancelling_again_is_409(self, client, demo):
        token = demo["partner"]["token"]
        client.post(f"{ORDERS_URL}101/cancel", **bearer(token))
        response = client.post(f"{ORDERS_URL}101/cancel", **bearer(token))
        assert response.status_code == 409
        assert "canceled" in response.json()["non-field-errors"][0]
        assert OrderEvent.objects.filter(object_id=101, action="cancel").count() == 1


class TestListing:
    def test_filters(self, client, demo):
        token = demo["partner"]["token"]
        client.post(f"{ORDERS_URL}102/cancel/", **bearer(token))

        def ids(query):
            return [o["id"] for o in client.get(ORDERS_URL + query, **bearer(token)).json()]

        assert ids("?customer_id=319") == [101]
        assert ids("?status=canceled") == [102]
        assert ids("?created_at_after=2017-11-24T10:00:30Z") == [102]
        assert ids("?created_at_before=2017-11-24T10:00:30Z") == [101]

    @pytest.mark.parametrize("query, name", [("?status=lost", "status"),
                                             ("?customer_id=x", "customer_id"),
                                             ("?limit=abc", "limit"), ("?offset=-1", "offset"),
                                             ("?created_at_after=yesterday", "created_at")])
    def test_bad_query_values_are_400_naming_the_parameter(self, client, demo, query, name):
        response = client.get(ORDERS_URL + query, **bearer(demo["partner"]["token"]))
        assert response.status_code == 400
        assert any(k.startswith(name) for k in response.json()["errors"])

    def test_limit_offset_paging_with_headers(self, client, demo):
        partner = PartnerFactory()
        token = partner_token(partner)
        customer = CustomerFactory(partner=partner)
        PanelFactory(sku="p-1")
        body = {"customer_id": customer.pk, "order_items": [{"panel_sku": "p-1"}]}
        created = [post_json(client, ORDERS_URL, body, token).json()["id"] for _ in range(5)]
        page = client.get(ORDERS_URL + "?limit=2&offset=2", **bearer(token))
        assert [o["id"] for o in page.json()] == created[2:4]
        assert page["X-Total-Count"] == "5"
        assert 'rel="next"' in page["Link"] and "offset=4" in page["Link"]
        assert 'rel="prev"' in page["Link"]
        last = client.get(ORDERS_URL + "?limit=2&offset=4", **bearer(token))
        assert [o["id"] for o in last.json()] == created[4:]
        assert 'rel="next"' not in last.get("Link", "")

    def test_query_count_does_not_grow_with_page_size(self, client, demo):
        partner = PartnerFactory()
        token = partner_token(partner)
        customers = [CustomerFactory(partner=partner) for _ in range(3)]
        skus = [PanelFactory(sku=f"q-{i}").sku for i in range(3)]
        for i in range(30):
            post_json(client, ORDERS_URL, {
                "customer_id": customers[i % 3].pk,
                "order_items": [{"panel_sku": s} for s in skus]}, token)

        def queries(limit):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(f"{ORDERS_URL}?limit={limit}", **bearer(token))
            assert len(response.json()) == limit
            return len(ctx)

        assert queries(2) == queries(30)


class TestSupportingEndpoints:
    def test_trait_panels_lists_active_panels(self, client, demo):
        PanelFactory(sku="retired-2", is_active=False)
        body = client.get("/api/v1/trait-panels/", **bearer(demo["partner"]["token"])).json()
        assert [p["sku"] for p in body] == demo["panel_skus"]
        assert set(body[0]) == {"id", "name", "sku", "is_license_required"}

    def test_create_and_read_a_customer(self, client, demo):
        token = demo["partner"]["token"]
        response = post_json(client, "/api/v1/customers/", {
            "first_name": "Grace", "last_name": "Hopper", "reference_id": "R-9",
            "email": "grace@example.com", "date_of_birth": "1906-12-09"}, token)
        assert response.status_code == 201
        customer_id = response.json()["id"]
        assert client.get(f"/api/v1/customers/{customer_id}/", **bearer(token)).json() == {
            "id": customer_id, "first_name": "Grace", "last_name": "Hopper",
            "reference_id": "R-9", "email": "grace@example.com", "date_of_birth": "1906-12-09"}
        # and the new customer can be ordered for
        order = post_json(client, ORDERS_URL, {
            "customer_id": customer_id, "order_items": [{"panel_sku": "hormone-1"}]}, token)
        assert order.status_code == 201

    def test_customer_needs_names(self, client, demo):
        response = post_json(client, "/api/v1/customers/", {"first_name": ""},
                             demo["partner"]["token"])
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"first_name", "last_name"}

    def test_api_token_auth_gives_a_working_token(self, client, demo):
        partner = PartnerFactory()
        user = partner.users.get()
        user.set_password("s3cret-pass")
        user.save()
        response = client.post("/api/v1/api-token-auth/",
                               {"username": user.username, "password": "s3cret-pass"})
        assert response.status_code == 200
        token = response.json()["token"]
        assert client.get(ORDERS_URL, **bearer(token)).status_code == 200

    def test_api_token_auth_refuses_bad_credentials(self, client, demo):
        response = client.post("/api/v1/api-token-auth/",
                               {"username": "panels-partner", "password": "wrong"})
        assert response.status_code == 400
        assert response.json()["non-field-errors"] == [
            "Unable to log in with provided credentials."]


class TestBeyondTheDatabase:
    @pytest.mark.parametrize("value", [str(10**20), str(-10**20), str(2**63), "9" * 5000,
                                       "%C2%B2", "%D9%A3", "1e3", "1.0"])
    def test_a_customer_id_filter_that_is_no_bigint_is_400_naming_it(self, client, demo,
                                                                      value):
        response = client.get(f"{ORDERS_URL}?customer_id={value}",
                              **bearer(demo["partner"]["token"]))
        assert response.status_code == 400
        body = response.json()
        assert list(body["errors"]) == ["customer_id"] and body["non-field-errors"] == []

    @pytest.mark.parametrize("param", ["limit", "offset"])
    def test_a_paging_number_beyond_a_bigint_is_400(self, client, demo, param):
        response = client.get(f"{ORDERS_URL}?{param}={10**20}", **bearer(demo["partner"]["token"]))
        assert response.status_code == 400
        assert "must be at most" in response.json()["errors"][param][0]
