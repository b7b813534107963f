import json

import pytest

from marketplace.models import Record
from tests.conftest import bearer
from tests.marketplace.conftest import write_counts
from tests.marketplace.test_orders_api import CREATE_URL, MERCHANT_ID, RECORD_ID, SEED_CREATE_FORM

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


class TestRecords:
    def test_list_filter_sort_and_page(self, client, demo):
        token = bearer(demo["customer"]["token"])

        def titles(query=""):
            response = client.get(f"/api/v1/records/{query}", **token)
            assert response.status_code == 200
            return [r["title"] for r in response.json()]

        assert titles() == ["Lady Soul", "Sunday at the Village Vanguard", "Blue Train",
                            "Kind of Blue", "Pastel Blues"]
        assert titles("?sort=-1&limit=2") == ["Pastel Blues", "Kind of Blue"]
        assert titles("?offset=3") == ["Kind of Blue", "Pastel Blues"]
        assert titles("?artist=miles") == ["Kind of Blue"]

    def test_record_object(self, client, demo):
        body = client.get(f"/api/v1/records/{RECORD_ID}",
                          **bearer(demo["other_customer"]["token"])).json()
        assert {k: v for k, v in body.items() if k != "created_date"} == {
            "_id": RECORD_ID, "merchant_id": MERCHANT_ID, "artist": "Miles Davis",
            "title": "Kind of Blue", "price": 24.99, "condition": "Near Mint", "comments": ""}

    def test_create_json_and_update(self, client, demo):
        token = bearer(demo["merchant"]["token"])
        response = client.post("/api/v1/records", json.dumps({
            "artist": "Sun Ra", "title": "Lanquidity", "price": 31.5, "condition": "VG+",
            "comments": "Original pressing"}), content_type="application/json", **token)
        assert response.status_code == 201
        created = response.json()
        assert (created["merchant_id"], created["price"]) == (MERCHANT_ID, 31.5)
        assert str(Record.objects.get(public_id=created["_id"]).price) == "31.50"
        response = client.put(f"/api/v1/records/{created['_id']}/", "price=29.99&condition=VG",
                              content_type=FORM, **token)
        assert response.status_code == 200
        assert response.json() == {**created, "price": 29.99, "condition": "VG"}

    @pytest.mark.parametrize("body, field", [
        ({"title": "T", "price": "1", "condition": "VG"}, "artist"),
        ({"artist": "A", "title": "T", "price": "1.234", "condition": "VG"}, "price"),
        ({"artist": "A", "title": "T", "price": "1", "condition": "VG", "colour": "red"},
         "colour"),
    ])
    def test_bad_record_bodies_are_400(self, client, demo, body, field):
        before = write_counts()
        response = client.post("/api/v1/records/", json.dumps(body),
                               content_type="application/json",
                               **bearer(demo["merchant"]["token"]))
        assert response.status_code == 400
        assert response.json()["error_message"].startswith(f"{field}: ")
        assert write_counts() == before

    def test_delete_is_refused_while_orders_are_in_progress(self, client, demo):
        token = bearer(demo["merchant"]["token"])
        url = f"/api/v1/records/{RECORD_ID}/merchants/{MERCHANT_ID}"
        before = write_counts()
        response = client.delete(url, **token)
        assert response.status_code == 409
        assert "2 order(s) in progress" in response.json()["error_message"]
        assert write_counts() == before

    def test_deleted_record_is_unlisted_and_cannot_be_ordered(self, client, demo):
        token = bearer(demo["merchant"]["token"])
        for order_id in ("5c68a588fc924b00178bf143", "5c68a604fc924b00178bf144"):
            client.put(f"/api/v1/orders/{order_id}", "status=Completed", content_type=FORM,
                       **token)
        response = client.delete(f"/api/v1/records/{RECORD_ID}/merchants/{MERCHANT_ID}/",
                                  **token)
        assert response.json() == {"success_message": "Record deleted", "response_code": 200}
        assert client.get(f"/api/v1/records/{RECORD_ID}", **token).status_code == 404
        customer = bearer(demo["customer"]["token"])
        assert client.post(CREATE_URL, SEED_CREATE_FORM, content_type=FORM,
                           **customer).status_code == 404
        # its orders still show it
        orders = client.get(f"/api/v1/orders/merchants/{MERCHANT_ID}", **token).json()
        assert {o["record_id"] for o in orders} == {RECORD_ID}


class TestLogIn:
    @pytest.mark.parametrize("who, kind", [("customer", "customer"),
                                           ("other_merchant", "merchant")])
    def test_log_in_gives_a_working_token(self, client, demo, who, kind):
        principal = demo[who]
        response = client.post(f"/api/v1/auth/login/{kind}",
                               {"email": principal["email"].upper(),
                                "password": principal["password"]})
        assert response.status_code == 200
        assert list(response.json()) == ["secret token"]
        token = response.json()["secret token"]
        assert client.get(f"/api/v1/records/{RECORD_ID}", **bearer(token)).status_code == 200

    def test_json_log_in(self, client, demo):
        response = client.post("/api/v1/auth/login/merchant/", json.dumps({
            "email": "merchant@example.com", "password": demo["merchant"]["password"]}),
            content_type="application/json")
        assert response.status_code == 200

    @pytest.mark.parametrize("kind, email, password", [
        ("customer", "email@example.com", "wrong"),
        ("merchant", "email@example.com", "customer-demo-pass"),  # a customer, not a merchant
        ("customer", "nobody@example.com", "x"),
    ])
    def test_wrong_credentials_are_401(self, client, demo, kind, email, password):
        response = client.post(f"/api/v1/auth/login/{kind}", {"email": email,
                                                             "password": password})
        assert response.status_code == 401
        assert response.json() == {
            "error_message": f"Wrong email or password for a {kind} account.",
            "response_code": 401}

    def test_missing_fields_are_400_naming_them(self, client, demo):
        response = client.post("/api/v1/auth/login/customer", {"email": "email@example.com"})
        assert response.status_code == 400
        assert response.json()["error_message"] == "password: This field is required."
