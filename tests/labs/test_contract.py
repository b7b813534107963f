"""The lab API's OpenAPI schema (/api/schema/) says what a client gets: each body it answers
validates against the schema the operation documents, for its success and its errors."""

import re

import jsonschema
import pytest

from labs.models import LabOrder, Test
from tests.conftest import bearer
from tests.openapi import resolved

pytestmark = pytest.mark.django_db

LISTS = {"/api/1/orders": "orders", "/api/1/products": "products", "/api/1/skus": "skus",
         "/api/1/tests": "tests"}
DETAILS = {"/api/1/orders/{id}": "/api/1/orders/15", "/api/1/products/{id}": "/api/1/products/1",
           "/api/1/skus/{id}": "/api/1/skus/16", "/api/1/tests/{id}": "/api/1/tests/517"}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def validate(body, documented: dict) -> None:
    jsonschema.Draft4Validator(documented).validate(body)


def response_schema(schema: dict, path: str, status: str) -> dict:
    return resolved(schema, schema["paths"][path]["get"]["responses"][status]["content"][
        "application/json"]["schema"])


def parameter(schema: dict, path: str, name: str) -> dict:
    return next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_paths_are_spelled_as_the_document_does(schema):
    paths = {path for path in schema["paths"] if path.startswith("/api/1/")}
    assert paths == set(LISTS) | set(DETAILS)  # no trailing slash, no second spelling


@pytest.mark.parametrize("path, root", LISTS.items())
def test_a_list_is_its_root_key_and_pagination_as_answered(client, demo, schema, path, root):
    documented = response_schema(schema, path, "200")
    assert documented["required"] == [root, "pagination"]
    assert set(documented["properties"]) == {root, "pagination"}
    assert documented["properties"]["pagination"]["required"] == [
        "per_page", "current_page", "prev_page", "next_page"]
    for page in ("", "?per_page=1&page=2", "?page=99"):
        body = client.get(path + page, **bearer(demo["company"]["token"])).json()
        validate(body, documented)
        assert set(body) == {root, "pagination"}


@pytest.mark.parametrize("path, url", DETAILS.items())
def test_a_detail_validates_against_its_schema(client, demo, schema, path, url):
    body = client.get(url, **bearer(demo["company"]["token"])).json()
    validate(body, response_schema(schema, path, "200"))


def test_every_printed_field_is_required(schema):
    components = schema["components"]["schemas"]
    for name in ["LabOrder", "LabOrderDetail", "LabSample", "LabSampleTest", "LabSku",
                 "LabTest", "LabTestSample", "LabTestOrder", "LabProduct"]:
        assert set(components[name]["required"]) == set(components[name]["properties"]), name


def test_times_that_may_be_missing_are_nullable_and_others_not(client, demo, schema):
    order = schema["components"]["schemas"]["LabOrder"]["properties"]
    for name in ("ordered_at", "paid_at", "date_received"):
        assert order[name]["nullable"] is True
    assert "nullable" not in order["created_at"]
    seed_order = client.get("/api/1/orders/10", **bearer(demo["company"]["token"])).json()
    assert seed_order["ordered_at"] is None and seed_order["paid_at"] is None
    assert re.search(order["created_at"]["pattern"], seed_order["created_at"])
    assert order["created_at"]["format"] == "date-time"  # "2025-11-05T13:19:53.176Z" is one


def test_enumerations_are_the_states_a_body_prints(schema):
    components = schema["components"]["schemas"]
    order_status = resolved(schema, components["LabOrder"]["properties"]["status"])
    test_status = resolved(schema, components["LabTest"]["properties"]["status"])
    assert set(order_status["enum"]) == set(LabOrder.Status.values)
    assert set(test_status["enum"]) == set(Test.Status.values)
    assert set(parameter(schema, "/api/1/tests", "status")["schema"]["enum"]) == set(
        Test.Status.values)


@pytest.mark.parametrize("path", LISTS)
def test_paging_bounds_are_documented_and_answered(client, demo, schema, path):
    page = parameter(schema, path, "page")["schema"]
    per_page = parameter(schema, path, "per_page")["schema"]
    assert (page["minimum"], per_page["minimum"], per_page["maximum"]) == (1, 1, 100)
    error = response_schema(schema, path, "400")
    token = demo["company"]["token"]
    for query in ("page=0", "per_page=0", "per_page=101"):
        response = client.get(f"{path}?{query}", **bearer(token))
        assert response.status_code == 400
        validate(response.json(), error)
    assert client.get(f"{path}?per_page=100", **bearer(token)).status_code == 200


@pytest.mark.parametrize("path", LISTS)
def test_an_empty_parameter_is_documented_as_allowed_and_is_not_given(client, demo, schema,
                                                                      path):
    token = demo["company"]["token"]
    names = [p["name"] for p in schema["paths"][path]["get"]["parameters"]]
    assert all(parameter(schema, path, name)["allowEmptyValue"] for name in names)
    query = "&".join(f"{name}=" for name in names)
    assert client.get(f"{path}?{query}", **bearer(token)).json() == client.get(
        path, **bearer(token)).json()


def test_updated_since_pattern_takes_what_the_server_takes(client, demo, schema):
    pattern = parameter(schema, "/api/1/orders", "updated_since")["schema"]["pattern"]
    token = demo["company"]["token"]
    for value in ("2025-11-13", "2025-11-13T19:53", "2025-11-13T19:53:03.700Z",
                  "2025-11-13T20:53:03.700+01:00", "2024-12-31T23:59:59.123456-15:59"):
        assert re.search(pattern, value), value
        response = client.get("/api/1/orders", {"updated_since": value}, **bearer(token))
        assert response.status_code == 200, value
    for value in ("yesterday", "2025-13-01", "2025-02-30", "2025-11-13T19:00:00+16:00",
                  "9999-12-31"):
        assert not re.search(pattern, value), value
        response = client.get("/api/1/orders", {"updated_since": value}, **bearer(token))
        assert response.status_code == 400, value


@pytest.mark.parametrize("path", [*LISTS, *DETAILS])
def test_errors_are_documented_with_the_labs_error_body(client, demo, schema, path):
    responses = schema["paths"][path]["get"]["responses"]
    expected = {"200", "401", "403"} | ({"404"} if "{id}" in path else {"400"})
    assert set(responses) == expected
    url = DETAILS.get(path, path)
    refused = client.get(url, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert refused.status_code == 401
    validate(refused.json(), response_schema(schema, path, "401"))
    assert response_schema(schema, path, "401") == {
        "type": "object", "description": schema["components"]["schemas"]["LabError"][
            "description"], "properties": {"error": {
                "type": "string", "description": schema["components"]["schemas"]["LabError"][
                    "properties"]["error"]["description"]}}, "required": ["error"]}


@pytest.mark.parametrize("url", ["/api/1/orders/abc", "/api/1/orders/1.5", "/api/1/skus/-1",
                                 "/api/1/tests/" + "9" * 30, "/api/1/orders/999999"])
def test_an_id_that_is_none_or_unknown_is_the_documented_json_404(client, demo, schema, url):
    response = client.get(url, **bearer(demo["company"]["token"]))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    validate(response.json(), response_schema(schema, "/api/1/orders/{id}", "404"))
