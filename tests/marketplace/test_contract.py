"""The marketplace's operations in /api/schema/ as a client reads them: what each takes and
answers, its error body for every 4xx, its paths as the seed spells them."""

import re

import pytest

from marketplace import inputs
from marketplace.models import MarketplaceOrder
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

CREATE = "/api/v1/orders/merchants/{merchant_id}/records/{record_id}/"
CUSTOMER_LIST = "/api/v1/orders/customers/{customer_id}/"
MERCHANT_LIST = "/api/v1/orders/merchants/{merchant_id}/"
UPDATE = "/api/v1/orders/{order_id}/"
CANCEL = "/api/v1/orders/{order_id}/customers/{customer_id}/"
RECORD_REMOVE = "/api/v1/records/{record_id}/merchants/{merchant_id}/"


@pytest.fixture
def schema(client):
    return client.get("/api/schema/?format=json").json()


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def body_schema(schema, path, method, media_type="application/json"):
    body = schema["paths"][path][method]["requestBody"]
    assert body["required"] is True
    return resolve(schema, body["content"][media_type]["schema"])


def parameters(schema, path, method):
    return {p["name"]: p for p in schema["paths"][path][method]["parameters"]}


def test_paths_are_spelled_as_the_seed_with_its_trailing_slash(schema):
    paths = {path for path in schema["paths"] if path.startswith("/api/v1/orders")}
    assert paths == {CREATE, CUSTOMER_LIST, MERCHANT_LIST, UPDATE, CANCEL}


def test_both_spellings_answer(client, demo):
    token = demo["customer"]["token"]
    for url in (f"/api/v1/orders/customers/{demo['customer']['id']}",
                f"/api/v1/orders/customers/{demo['customer']['id']}/"):
        assert client.get(url, **bearer(token)).status_code == 200


@pytest.mark.parametrize("path", [CUSTOMER_LIST, MERCHANT_LIST])
def test_lists_are_a_bare_array_of_orders_with_their_total(schema, path):
    ok = schema["paths"][path]["get"]["responses"]["200"]
    listed = ok["content"]["application/json"]["schema"]
    assert listed["type"] == "array"
    order = resolve(schema, listed["items"])
    assert set(order["required"]) == set(order["properties"])  # every field always sent
    assert "__v" in order["properties"] and "merchant_info" in order["properties"]
    assert ok["headers"]["X-Total-Count"]["schema"]["type"] == "integer"
    query = parameters(schema, path, "get")
    assert query["limit"]["schema"]["minimum"] == 1
    assert query["offset"]["schema"]["minimum"] == 0
    assert set(query["sort"]["schema"]["enum"]) == {"asc", "1", "desc", "-1"}


def test_the_list_answers_what_the_schema_says(client, demo, schema):
    response = client.get(f"/api/v1/orders/customers/{demo['customer']['id']}/?limit=1",
                          **bearer(demo["customer"]["token"]))
    [order] = response.json()
    described = resolve(schema, schema["paths"][CUSTOMER_LIST]["get"]["responses"]["200"][
        "content"]["application/json"]["schema"]["items"])
    assert list(order) == list(described["properties"])
    assert response["X-Total-Count"] == "2"


@pytest.mark.parametrize("method", ["post", "put"])
def test_create_takes_the_order_fields_not_the_order_object(schema, method):
    for media_type in ("application/json", "application/x-www-form-urlencoded"):
        body = body_schema(schema, CREATE, method, media_type)
        assert set(body["properties"]) == {*inputs.ADDRESS_FIELDS, "comments"}
        assert set(body["required"]) == inputs.REQUIRED_ORDER_FIELDS
        assert body["additionalProperties"] is False
    email = body["properties"]["paypal_email"]
    assert email["format"] == "email"
    assert not re.match(email["pattern"], "a@b.c")  # refused by the server too
    required = body["properties"]["shipping_city"]
    assert not re.match(required["pattern"], "   ") and re.match(required["pattern"], " NC ")
    assert not re.match(required["pattern"], "N\x00C")
    assert body["properties"]["shipping_address2"]["nullable"] is True
    comments = body["properties"]["comments"]
    assert [shape["type"] for shape in comments["anyOf"]] == ["string", "array"]
    assert comments["anyOf"][1]["maxItems"] == inputs.MAX_COMMENTS
    responses = schema["paths"][CREATE][method]["responses"]
    assert resolve(schema, responses["201"]["content"]["application/json"]["schema"])[
        "properties"]["_id"]


def test_update_takes_at_least_one_field_and_may_answer_409(schema):
    body = body_schema(schema, UPDATE, "put")
    assert set(body["properties"]) == {*inputs.ADDRESS_FIELDS, "comments", "status", "__v"}
    assert "required" not in body
    assert {"required": ["status"]} in body["anyOf"]
    assert {"required": ["__v"]} not in body["anyOf"]  # __v alone changes nothing: a 400
    assert body["properties"]["__v"]["maximum"] == inputs.MAX_VERSION
    assert "409" in schema["paths"][UPDATE]["put"]["responses"]


def test_an_empty_update_is_the_400_the_schema_forbids(client, demo):
    response = client.put("/api/v1/orders/5c68a588fc924b00178bf143", "{}",
                          content_type="application/json", **bearer(demo["merchant"]["token"]))
    assert response.status_code == 400
    assert response.json()["response_code"] == 400


@pytest.mark.parametrize("path", [CANCEL, RECORD_REMOVE])
def test_delete_answers_200_with_its_message(schema, path):
    responses = schema["paths"][path]["delete"]["responses"]
    assert "204" not in responses
    message = resolve(schema, responses["200"]["content"]["application/json"]["schema"])
    assert set(message["required"]) == {"success_message", "response_code"}
    assert "409" in responses


def test_every_4xx_is_documented_with_the_origins_error_body(schema):
    expected = {CREATE: {"post": {"400", "401", "403", "404", "413", "415"}},
                CUSTOMER_LIST: {"get": {"400", "401", "403", "404"}},
                UPDATE: {"put": {"400", "401", "403", "404", "409", "413", "415"}},
                CANCEL: {"delete": {"401", "403", "404", "409"}},
                "/api/v1/auth/login/customer/": {"post": {"400", "401", "413", "415", "429"}}}
    for path, methods in expected.items():
        for method, codes in methods.items():
            responses = schema["paths"][path][method]["responses"]
            assert codes <= set(responses), (path, method)
            for code in codes:
                error = resolve(schema, responses[code]["content"]["application/json"]["schema"])
                assert set(error["required"]) == {"error_message", "response_code"}


def test_path_ids_are_the_24_hex_public_ids(schema):
    pattern = parameters(schema, CANCEL, "delete")["order_id"]["schema"]["pattern"]
    assert re.match(pattern, "5c68a588fc924b00178bf143")
    assert not re.match(pattern, "15")


@pytest.mark.parametrize("url", ["/api/v1/orders/abc/customers/xyz", "/api/v1/orders/%C2%B2",
                                 "/api/v1/records/not-an-id"])
def test_an_unknown_or_malformed_id_is_the_json_404(client, demo, url):
    method = client.delete if "customers" in url else client.get
    token = demo["customer"]["token"] if "customers" in url else demo["merchant"]["token"]
    response = method(url, **bearer(token))
    if response.status_code == 405:  # (a GET of an order path: the order has no GET)
        return
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["response_code"] == 404


def test_record_price_is_whole_cents_up_to_the_columns_range(schema):
    body = body_schema(schema, "/api/v1/records/", "post")
    number = body["properties"]["price"]["anyOf"][0]
    field = MarketplaceOrder._meta.get_field("record").related_model._meta.get_field("price")
    assert number["maximum"] == float(10 ** (field.max_digits - field.decimal_places)) - 0.01
    assert number["minimum"] == 0 and number["multipleOf"] == 0.01
