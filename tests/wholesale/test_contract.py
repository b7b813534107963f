"""The wholesale API's OpenAPI schema says what a client gets: read from /api/schema/ and
checked against what the endpoints answer."""

import json
from decimal import Decimal

import jsonschema
import pytest

from orders.inputs import BIGINT_MAX, INT_MAX
from tests.conftest import bearer
from tests.openapi import resolved
from wholesale.models import Product, WholesaleOrder, WholesaleOrderLine

pytestmark = pytest.mark.django_db

ORDERS = "/apis/customer/orders"
ORDER = "/apis/customer/orders/{id}"
PLACE = "/apis/customer/orders/{id}/place"
PRODUCTS = "/apis/customer/products"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return json.loads(Client().get("/api/schema/?format=json").content)


def operation(schema, path, method):
    return schema["paths"][path][method]


def response_schema(schema, path, method, status):
    content = operation(schema, path, method)["responses"][status]["content"]
    assert list(content) == ["application/json"]
    return resolved(schema, content["application/json"]["schema"])


def conforms(body, body_schema):
    jsonschema.Draft4Validator(body_schema, format_checker=jsonschema.FormatChecker()).validate(
        body)


def parameter(schema, path, method, name):
    [found] = [p for p in operation(schema, path, method)["parameters"] if p["name"] == name]
    return found


def make_orders(client, token, count):
    for i in range(count):
        body = {"customer_order_no": f"C-{i}", "delivery_method": "COLLECT",
                "products": [{"product_code": "VFR8CW", "quantity": i + 1}]}
        response = client.post(ORDERS, json.dumps(body), content_type="application/json",
                               **bearer(token))
        assert response.status_code == 201


def test_paths_are_spelled_as_the_document_spells_them(schema):
    paths = {path for path in schema["paths"] if path.startswith("/apis/customer")}
    assert paths == {ORDERS, ORDER, PLACE, PRODUCTS}


def test_the_orders_list_is_the_bare_array_it_answers_with_its_paging_headers(
        client, demo, schema):
    make_orders(client, demo["customer"]["token"], 2)
    response = client.get(f"{ORDERS}?limit=2", **bearer(demo["customer"]["token"]))
    declared = operation(schema, ORDERS, "get")["responses"]["200"]
    page = response_schema(schema, ORDERS, "get", "200")
    assert page["type"] == "array"
    conforms(response.json(), page)
    assert set(declared["headers"]) == {"X-Total-Count", "Link"}
    assert response["X-Total-Count"] == "3" and 'rel="next"' in response["Link"]


def test_the_products_list_and_an_order_conform_to_their_schemas(client, demo, schema):
    token = demo["customer"]["token"]
    products = client.get(PRODUCTS, **bearer(token))
    conforms(products.json(), response_schema(schema, PRODUCTS, "get", "200"))
    order = client.get(f"{ORDERS}/1234", **bearer(token))
    order_schema = response_schema(schema, ORDER, "get", "200")
    conforms(order.json(), order_schema)
    # Every printed field is declared and required: a client's model has each of them.
    assert set(order_schema["required"]) == set(order.json()) == set(order_schema["properties"])


def test_null_is_declared_where_it_is_printed(client, demo, schema):
    order = client.get(f"{ORDERS}/1234", **bearer(demo["customer"]["token"])).json()
    properties = response_schema(schema, ORDER, "get", "200")["properties"]
    printed_null = {name for name, value in order.items() if value is None}
    assert printed_null >= {"delivery_name", "notes", "placed_by", "deleted_by"}
    for name in printed_null:
        assert {"type": "null"} in properties[name]["anyOf"], name


def test_created_at_is_the_seeds_text_not_a_date_time(client, demo, schema):
    created_at = response_schema(schema, ORDER, "get", "200")["properties"]["created_at"]
    assert created_at["type"] == "string" and "format" not in created_at
    printed = client.get(f"{ORDERS}/1234", **bearer(demo["customer"]["token"])).json()
    assert printed["created_at"] == "2017-02-27 12:00:00+00"
    conforms(printed["created_at"], created_at)
    with pytest.raises(jsonschema.ValidationError):
        conforms("2017-02-27T12:00:00Z", created_at)


@pytest.mark.parametrize(("model", "field", "printed"), [
    (WholesaleOrder, "total_price", "total_price"), (WholesaleOrder, "total_vat", "total_vat"),
    (WholesaleOrder, "total_weight", "total_weight"),
    (WholesaleOrderLine, "line_price", "products.line_price"),
    (WholesaleOrderLine, "unit_price", "products.unit_price"),
    (WholesaleOrderLine, "line_weight", "products.line_weight"),
])
def test_money_and_weight_bounds_are_their_columns_range(schema, model, field, printed):
    properties = response_schema(schema, ORDER, "get", "200")["properties"]
    if printed.startswith("products."):
        properties = properties["products"]["items"]["properties"]
    declared = properties[printed.rsplit(".", 1)[-1]]
    column = model._meta.get_field(field)
    # The largest value the column holds is within the declared range.
    largest = Decimal(10) ** (column.max_digits - column.decimal_places) - Decimal(10) ** (
        -column.decimal_places)
    assert declared["type"] == "number"
    assert declared["minimum"] == 0
    assert largest < declared["maximum"] == 10 ** (column.max_digits - column.decimal_places)
    assert declared["exclusiveMaximum"] is True


def test_the_dearest_product_conforms_to_the_product_schema(client, demo, schema):
    Product.objects.filter(product_code="VFR8CW").update(unit_price=Decimal("99999999.9999"))
    response = client.get(PRODUCTS, **bearer(demo["customer"]["token"]))
    assert b'"unit_price":99999999.9999' in response.content
    conforms(response.json(), response_schema(schema, PRODUCTS, "get", "200"))


def test_the_create_body_is_the_input_and_only_json(schema):
    body = operation(schema, ORDERS, "post")["requestBody"]
    assert list(body["content"]) == ["application/json"]  # the products list is nested
    declared = resolved(schema, body["content"]["application/json"]["schema"])
    assert set(declared["required"]) == {"customer_order_no", "delivery_method", "products"}
    assert "order_id" not in declared["properties"]  # not the response object
    assert declared["properties"]["customer_order_no"]["minLength"] == 1
    lines = declared["properties"]["products"]
    assert lines["minItems"] == 1
    assert lines["items"]["properties"]["quantity"]["maximum"] == INT_MAX


def test_a_form_body_is_refused_with_415_in_the_error_body(client, demo, schema):
    response = client.post(ORDERS, {"customer_order_no": "F-1"}, **bearer(
        demo["customer"]["token"]))
    assert response.status_code == 415
    conforms(response.json(), response_schema(schema, ORDERS, "post", "415"))


@pytest.mark.parametrize(("path", "method", "statuses"), [
    (ORDERS, "get", {"400", "401", "403", "429"}),
    (ORDERS, "post", {"400", "401", "403", "409", "413", "415", "422", "429"}),
    (ORDER, "get", {"401", "403", "404", "429"}),
    (ORDER, "delete", {"401", "403", "404", "409", "429"}),
    (PLACE, "put", {"401", "403", "404", "409", "429"}),
    (PRODUCTS, "get", {"400", "401", "403", "429"}),
])
def test_every_error_status_is_declared_with_the_error_body(schema, path, method, statuses):
    responses = operation(schema, path, method)["responses"]
    assert {code for code in responses if code.startswith("4")} == statuses
    for code in statuses:
        body = response_schema(schema, path, method, code)
        assert body["required"] == ["message"]
        assert set(body["properties"]) == {"message", "errors"}


@pytest.mark.parametrize(("path", "method", "status"), [
    (ORDER, "delete", "204"), (PLACE, "put", "204"), (ORDERS, "post", "201")])
def test_success_statuses_are_the_ones_answered(schema, path, method, status):
    responses = operation(schema, path, method)["responses"]
    assert status in responses
    if status == "204":
        assert "content" not in responses[status]


def test_errors_answered_conform_to_the_declared_body(client, demo, schema):
    token = demo["customer"]["token"]
    unknown = client.get(f"{ORDERS}/999999", **bearer(token))
    assert unknown.status_code == 404
    conforms(unknown.json(), response_schema(schema, ORDER, "get", "404"))
    invalid = client.post(ORDERS, json.dumps({"delivery_method": "DELIVER"}),
                          content_type="application/json", **bearer(token))
    assert invalid.status_code == 422
    conforms(invalid.json(), response_schema(schema, ORDERS, "post", "422"))
    assert "customer_order_no" in invalid.json()["errors"]
    no_token = client.get(ORDERS)
    assert no_token.status_code == 401
    conforms(no_token.json(), response_schema(schema, ORDERS, "get", "401"))


@pytest.mark.parametrize("path", [f"{ORDERS}/abc", f"{ORDERS}/1.5", f"{ORDERS}/abc/place",
                                  f"{ORDERS}/{'9' * 30}"])
def test_a_path_id_that_is_not_one_is_the_json_404(client, demo, path):
    response = client.get(path, **bearer(demo["customer"]["token"]))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"message"}


@pytest.mark.parametrize(("path", "name", "minimum"), [
    (ORDERS, "limit", 1), (ORDERS, "offset", 0), (PRODUCTS, "limit", 1),
    (PRODUCTS, "offset", 0)])
def test_paging_bounds_are_the_ones_answered(client, demo, schema, path, name, minimum):
    declared = parameter(schema, path, "get", name)["schema"]
    assert (declared["minimum"], declared["maximum"]) == (minimum, BIGINT_MAX)
    token = demo["customer"]["token"]
    assert client.get(f"{path}?{name}={minimum}", **bearer(token)).status_code == 200
    assert client.get(f"{path}?{name}={BIGINT_MAX}", **bearer(token)).status_code == 200
    assert client.get(f"{path}?{name}={minimum - 1}", **bearer(token)).status_code == 400
    assert client.get(f"{path}?{name}={BIGINT_MAX + 1}", **bearer(token)).status_code == 400


def test_the_created_at_bounds_say_what_is_read(client, demo, schema):
    token = demo["customer"]["token"]
    declared = resolved(schema, parameter(schema, ORDERS, "get", "created_at_after")["schema"])
    for taken in ["2017-02-27T12:00:00Z", "1900-01-02T00:00:00+15:59", ""]:
        conforms(taken, declared)
        response = client.get(f"{ORDERS}?created_at_after={taken.replace('+', '%2B')}",
                              **bearer(token))
        assert response.status_code == 200, taken
    for refused in ["1899-12-31T00:00:00Z", "2017-02-27T12:00:00+16:00", "yesterday"]:
        with pytest.raises(jsonschema.ValidationError):
            conforms(refused, declared)
        response = client.get(f"{ORDERS}?created_at_after={refused.replace('+', '%2B')}",
                              **bearer(token))
        assert response.status_code == 400, refused


def test_the_order_state_filter_lists_its_values(schema):
    declared = parameter(schema, ORDERS, "get", "order_state")["schema"]
    assert set(declared["enum"]) == set(WholesaleOrder.State.values)
