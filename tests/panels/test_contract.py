"""The partner API's OpenAPI schema says what a client gets: read from /api/schema/, checked
against what the endpoints answer."""

import json
import re

import jsonschema
import pytest

from orders.inputs import BIGINT_MAX
from tests.commands import seed_demo
from tests.conftest import bearer
from tests.openapi import resolved

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/customer-panel-orders/"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return json.loads(Client().get("/api/schema/?format=json").content)


@pytest.fixture
def demo():
    return seed_demo("panels")


def response_schema(schema, path, method, status):
    content = schema["paths"][path][method]["responses"][status]["content"]
    assert list(content) == ["application/json"]
    return resolved(schema, content["application/json"]["schema"])


def conforms(body, body_schema):
    jsonschema.validate(body, body_schema, format_checker=jsonschema.FormatChecker())


def parameter(schema, path, method, name):
    [found] = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == name]
    return found


class TestLists:
    def test_the_order_list_is_the_bare_array_it_answers_with_its_paging_headers(
            self, client, schema, demo):
        response = client.get(ORDERS + "?limit=1", **bearer(demo["partner"]["token"]))
        declared = response_schema(schema, ORDERS, "get", "200")
        assert declared["type"] == "array"
        conforms(response.json(), declared)
        headers = schema["paths"][ORDERS]["get"]["responses"]["200"]["headers"]
        assert set(headers) == {"X-Total-Count", "Link"}
        assert response["X-Total-Count"] == "2" and 'rel="next"' in response["Link"]

    @pytest.mark.parametrize("path", ["/api/v1/customers/", "/api/v1/trait-panels/"])
    def test_the_other_lists_are_bare_arrays_too(self, client, schema, demo, path):
        response = client.get(path, **bearer(demo["partner"]["token"]))
        declared = response_schema(schema, path, "get", "200")
        assert declared["type"] == "array" and response.json()
        conforms(response.json(), declared)
        # every printed field is required: a client may rely on each one
        assert set(declared["items"]["required"]) == set(response.json()[0])

    def test_paging_bounds_and_empty_values_are_declared(self, client, schema, demo):
        limit = parameter(schema, ORDERS, "get", "limit")
        assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, BIGINT_MAX)
        token = demo["partner"]["token"]
        assert client.get(ORDERS + "?limit=0", **bearer(token)).status_code == 400
        assert client.get(ORDERS + f"?limit={BIGINT_MAX + 1}", **bearer(token)).status_code == 400
        # an empty value is declared as allowed, and is read as absent
        assert all(p["allowEmptyValue"] for p in schema["paths"][ORDERS]["get"]["parameters"])
        assert client.get(ORDERS + "?limit=&status=", **bearer(token)).json()[0]["id"] == 101

    def test_customer_id_filter_is_an_id(self, client, schema, demo):
        declared = parameter(schema, ORDERS, "get", "customer_id")["schema"]
        assert (declared["minimum"], declared["maximum"]) == (1, BIGINT_MAX)
        response = client.get(ORDERS + "?customer_id=0", **bearer(demo["partner"]["token"]))
        assert response.status_code == 400 and "customer_id" in response.json()["errors"]

    def test_time_filters_declare_what_the_server_takes(self, client, schema, demo):
        declared = parameter(schema, ORDERS, "get", "created_at_after")["schema"]
        pattern = re.compile(declared["pattern"])
        token = demo["partner"]["token"]
        for taken in ["2017-11-24T10:00:30Z", "2017-11-24T10:00:30.5+15:59"]:
            assert pattern.search(taken)
            assert client.get(f"{ORDERS}?created_at_after={taken.replace('+', '%2B')}",
                              **bearer(token)).status_code == 200
        for refused in ["1899-12-31T23:00:00Z", "2017-11-24T10:00:00+16:00"]:
            assert not pattern.search(refused)
            assert client.get(f"{ORDERS}?created_at_after={refused.replace('+', '%2B')}",
                              **bearer(token)).status_code == 400


class TestOrder:
    def test_created_at_is_the_documents_format_not_iso(self, client, schema, demo):
        order = resolved(schema, schema["components"]["schemas"]["Order"])
        created_at = order["properties"]["created_at"]
        assert "format" not in created_at
        assert re.search(created_at["pattern"], "2017-11-24 10:00:00")
        body = client.get(f"{ORDERS}101/", **bearer(demo["partner"]["token"])).json()
        conforms(body, response_schema(schema, f"{ORDERS}{{id}}/", "get", "200"))
        assert body["created_at"] == "2017-11-24 10:00:00"

    def test_order_fields_status_values_and_items(self, schema):
        order = resolved(schema, schema["components"]["schemas"]["Order"])
        assert set(order["required"]) == {"id", "created_at", "customer_id", "order_items",
                                          "status"}
        status = order["properties"]["status"]
        assert set(status.get("enum") or status["allOf"][0]["enum"]) == {"created", "canceled"}
        item = order["properties"]["order_items"]["items"]
        assert item["required"] == ["panel_sku"]

    def test_the_create_body_is_json_only_and_answers_201_with_the_order(self, client, schema,
                                                                        demo):
        post = schema["paths"][ORDERS]["post"]
        assert list(post["requestBody"]["content"]) == ["application/json"]
        assert set(post["responses"]) == {"201", "400", "401", "403", "413", "415"}
        response = client.post(ORDERS, "customer_id=319", content_type="application/x-www-form-"
                               "urlencoded", **bearer(demo["partner"]["token"]))
        assert response.status_code == 415
        conforms(response.json(), response_schema(schema, ORDERS, "post", "415"))

    def test_cancel_declares_its_409_in_the_error_body(self, client, schema, demo):
        path = f"{ORDERS}{{id}}/cancel/"
        assert "requestBody" not in schema["paths"][path]["post"]
        token = demo["partner"]["token"]
        client.post(f"{ORDERS}101/cancel/", **bearer(token))
        again = client.post(f"{ORDERS}101/cancel/", **bearer(token))
        assert again.status_code == 409
        conforms(again.json(), response_schema(schema, path, "post", "409"))


class TestErrors:
    @pytest.mark.parametrize("path, method, statuses", [
        (ORDERS, "get", {"400", "401", "403"}),
        (f"{ORDERS}{{id}}/", "get", {"401", "403", "404"}),
        (f"{ORDERS}{{id}}/cancel/", "post", {"401", "403", "404", "409"}),
        ("/api/v1/customers/", "post", {"400", "401", "403", "413", "415"}),
        ("/api/v1/customers/{id}/", "get", {"401", "403", "404"}),
        ("/api/v1/trait-panels/", "get", {"400", "401", "403"}),
        ("/api/v1/api-token-auth/", "post", {"400", "413", "415", "429"}),
    ])
    def test_each_operation_declares_its_4xx_with_the_partner_error_body(
            self, schema, path, method, statuses):
        responses = schema["paths"][path][method]["responses"]
        assert {code for code in responses if code.startswith("4")} == statuses
        for code in statuses:
            error = response_schema(schema, path, method, code)
            assert set(error["required"]) == {"errors", "non-field-errors"}

    @pytest.mark.parametrize("path", [f"{ORDERS}abc/", f"{ORDERS}abc", f"{ORDERS}%C2%B2/",
                                      "/api/v1/customers/1.5/"])
    def test_a_non_integer_id_is_the_json_404(self, client, schema, demo, path):
        response = client.get(path, **bearer(demo["partner"]["token"]))
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        conforms(response.json(), response_schema(schema, f"{ORDERS}{{id}}/", "get", "404"))

    def test_a_missing_token_answers_the_declared_401(self, client, schema, demo):
        response = client.get(ORDERS)
        assert response.status_code == 401
        conforms(response.json(), response_schema(schema, ORDERS, "get", "401"))


class TestCustomersAndTokens:
    def test_date_of_birth_is_nullable_as_printed(self, client, schema, demo):
        customer = resolved(schema, schema["components"]["schemas"]["Customer"])
        assert customer["properties"]["date_of_birth"]["anyOf"][1] == {"type": "null"}
        body = client.get("/api/v1/customers/319/", **bearer(demo["partner"]["token"])).json()
        assert body["date_of_birth"] is None
        conforms(body, customer)

    def test_customer_create_is_json_and_refuses_a_number_for_a_text(self, client, schema,
                                                                      demo):
        post = schema["paths"]["/api/v1/customers/"]["post"]
        assert list(post["requestBody"]["content"]) == ["application/json"]
        body = resolved(schema, post["requestBody"]["content"]["application/json"]["schema"])
        assert body["required"] == ["first_name", "last_name"]
        assert not re.search(body["properties"]["first_name"]["pattern"], "   ")
        response = client.post("/api/v1/customers/", json.dumps(
            {"first_name": "A", "last_name": "B", "reference_id": 0}),
            content_type="application/json", **bearer(demo["partner"]["token"]))
        assert response.status_code == 400 and "reference_id" in response.json()["errors"]

    def test_token_auth_answers_the_token_object(self, schema):
        declared = response_schema(schema, "/api/v1/api-token-auth/", "post", "200")
        assert declared["required"] == ["token"]
        assert set(declared["properties"]) == {"token"}


def test_paths_are_spelled_as_the_document_does(schema):
    paths = {path for path in schema["paths"] if path.startswith("/api/v1/customer-panel")}
    assert paths == {ORDERS, f"{ORDERS}{{id}}/", f"{ORDERS}{{id}}/cancel/"}
