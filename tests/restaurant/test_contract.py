"""The restaurant API's OpenAPI schema (/api/schema/) says what a client gets: JSON:API
documents (not flat objects), the request document, the error body of every 4xx, where null
is printed, the seed's date formats, the parameters' bounds and values, the paths as the
document spells them; and an answer's body fits what the schema says of it."""

import pytest
from jsonschema import Draft7Validator

from tests.conftest import bearer
from tests.restaurant.test_api import JSON_API, ORDERS_URL, errors_of, payload_with, send

pytestmark = pytest.mark.django_db

ERRORS = {"$ref": "#/components/schemas/RestaurantErrors"}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def component(schema, ref_or_name) -> dict:
    name = ref_or_name["$ref"].rsplit("/", 1)[-1] if isinstance(ref_or_name, dict) \
        else ref_or_name
    return schema["components"]["schemas"][name]


def body_schema(operation: dict, status: str) -> dict:
    content = operation["responses"][status]["content"]
    assert list(content) == [JSON_API]
    return content[JSON_API]["schema"]


def parameter(operation: dict, name: str) -> dict:
    return next(p for p in operation["parameters"] if p["name"] == name)


def test_paths_as_the_document_spells_them(schema):
    restaurant = sorted(path for path in schema["paths"]
                        if path.startswith(("/api/orders", "/api/token")))
    assert restaurant == ["/api/orders", "/api/orders/{id}", "/api/token"]


def test_list_is_a_json_api_document_with_links_and_pagination(schema):
    document = component(schema, body_schema(schema["paths"]["/api/orders"]["get"], "200"))
    assert document["type"] == "object"
    assert set(document["required"]) == {"links", "data", "meta"}
    assert document["properties"]["data"]["type"] == "array"
    assert component(schema, document["properties"]["data"]["items"]) == \
        component(schema, "RestaurantOrder")
    pagination = document["properties"]["meta"]["properties"]["pagination"]
    assert set(pagination["required"]) == {"total", "count", "per_page", "current_page",
                                           "total_pages"}
    assert set(document["properties"]["links"]["required"]) == {"self", "first", "last"}
    included = document["properties"]["included"]["items"]
    types = {component(schema, component(schema, ref)["properties"]["type"])["enum"][0]
             for ref in component(schema, included)["oneOf"]}
    assert types == {"customers", "locations", "addresses", "payment_methods", "statuses",
                     "staff", "staff_groups", "status_history"}


def test_detail_create_and_update_answer_a_single_resource_document(schema):
    for path, method, status in [("/api/orders/{id}", "get", "200"),
                                 ("/api/orders", "post", "201"),
                                 ("/api/orders/{id}", "patch", "200"),
                                 ("/api/orders/{id}", "put", "200")]:
        document = component(schema, body_schema(schema["paths"][path][method], status))
        assert document["required"] == ["data"]
        assert component(schema, document["properties"]["data"]) == \
            component(schema, "RestaurantOrder")


def test_an_order_is_a_resource_object(schema):
    order = component(schema, "RestaurantOrder")
    assert set(order["required"]) == {"type", "id", "attributes", "relationships"}
    assert component(schema, order["properties"]["type"])["enum"] == ["orders"]
    assert order["properties"]["id"]["type"] == "string"
    attributes = order["properties"]["attributes"]
    assert "id" not in attributes["properties"]
    assert "customer" not in attributes["properties"]
    # Every attribute is printed, null where there is none.
    assert set(attributes["required"]) == set(attributes["properties"])
    relationships = order["properties"]["relationships"]["properties"]
    assert relationships["customer"]["properties"]["data"]["nullable"] is True
    assert relationships["customer"]["properties"]["data"]["properties"]["type"]["enum"] == \
        ["customers"]
    history = relationships["status_history"]["properties"]
    assert history["data"]["type"] == "array"
    assert history["meta"]["properties"]["count"]["type"] == "integer"


def test_nullable_and_formats_as_the_seed_prints_them(schema):
    attributes = component(schema, "RestaurantOrder")["properties"]["attributes"]["properties"]
    for name in ["customer_id", "address_id", "notify", "payment", "invoice_date",
                 "status_id", "status_updated_at", "assignee_id", "assignee_group_id",
                 "assignee_updated_at", "ip_address"]:
        assert attributes[name].get("nullable") is True, name
    for name in ["location_id", "first_name", "order_total", "created_at", "hash"]:
        assert not attributes[name].get("nullable"), name
    # "2020-05-24 12:58:43" is no RFC 3339 date-time: a pattern says what it is.
    for name in ["created_at", "updated_at", "order_date", "order_date_time", "order_time"]:
        assert "format" not in attributes[name], name
        assert attributes[name]["pattern"].startswith("^\\d"), name
    assert attributes["invoice_date"]["format"] == "date-time"  # "...T11:58:43.000000Z"


def test_request_body_is_a_json_api_document(schema):
    operation = schema["paths"]["/api/orders"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {JSON_API, "application/json"}  # no form bodies
    document = content[JSON_API]["schema"]
    data = document["properties"]["data"]
    assert document["required"] == ["data"]
    assert data["properties"]["type"]["enum"] == ["orders"]
    attributes = component(schema, data["properties"]["attributes"])
    assert {"location_id", "first_name", "order_menus", "order_totals"} <= set(
        attributes["properties"])
    assert attributes["properties"]["order_menus"]["minItems"] == 1
    # As application/json the seed's plain attributes object is taken too.
    assert content["application/json"]["schema"]["anyOf"][0] == document
    update = schema["paths"]["/api/orders/{id}"]["patch"]["requestBody"]["content"]
    assert "id" in update[JSON_API]["schema"]["properties"]["data"]["required"]


def test_every_4xx_has_the_json_api_error_body(schema):
    expected = {
        ("/api/orders", "get"): {"400", "401", "403"},
        ("/api/orders", "post"): {"400", "401", "403", "409", "413", "415", "422"},
        ("/api/orders/{id}", "get"): {"400", "401", "403", "404"},
        ("/api/orders/{id}", "patch"): {"400", "401", "403", "404", "409", "413", "415",
                                        "422"},
        ("/api/orders/{id}", "delete"): {"401", "403", "404"},
        ("/api/token", "post"): {"400", "413", "415", "422", "429"},
    }
    for (path, method), statuses in expected.items():
        operation = schema["paths"][path][method]
        errors = {code for code in operation["responses"] if code.startswith("4")}
        assert errors == statuses, (path, method)
        for code in errors:
            assert body_schema(operation, code) == ERRORS
    error = component(schema, component(schema, "RestaurantErrors")["properties"]["errors"]
                      ["items"])
    assert set(error["required"]) == {"status", "title", "detail"}
    assert set(component(schema, error["properties"]["source"])["properties"]) == {
        "pointer", "parameter"}


def test_delete_answers_200_with_the_deletion_object(schema):
    responses = schema["paths"]["/api/orders/{id}"]["delete"]["responses"]
    assert "204" not in responses
    assert set(component(schema, body_schema({"responses": responses}, "200"))["required"]) \
        == {"id", "object", "deleted"}


def test_parameters_bounds_and_values(schema):
    listing = schema["paths"]["/api/orders"]["get"]
    assert parameter(listing, "pageLimit")["schema"]["minimum"] == 1
    assert parameter(listing, "pageLimit")["schema"]["maximum"] == 100
    assert parameter(listing, "page")["schema"]["minimum"] == 1
    include = parameter(listing, "include")
    assert include["explode"] is False  # include=customer,location
    assert set(include["schema"]["items"]["enum"]) == {
        "customer", "location", "address", "payment_method", "status", "assignee",
        "assignee_group", "status_history"}
    assert set(parameter(listing, "sort")["schema"]["items"]["enum"]) == {
        "order_id asc", "order_id desc", "created_at asc", "created_at desc", "order_id",
        "-order_id", "created_at", "-created_at"}
    detail = schema["paths"]["/api/orders/{id}"]["get"]
    assert parameter(detail, "include")["schema"] == include["schema"]


class TestAnswersFitTheSchema:
    """What the schema promises, checked on the seed's order as the API answers it."""

    def test_the_list_has_what_the_document_requires(self, client, schema):
        from tests.commands import seed_demo

        token = seed_demo("restaurant")["writer"]["token"]
        body = client.get(f"{ORDERS_URL}?include=customer,status_history",
                          **bearer(token)).json()
        document = component(schema, "PaginatedRestaurantOrderList")
        assert set(document["required"]) <= set(body)
        order = body["data"][0]
        attributes = component(schema, "RestaurantOrder")["properties"]["attributes"]
        assert set(order["attributes"]) == set(attributes["properties"])
        assert {item["type"] for item in body["included"]} == {"customers", "status_history"}

    @pytest.mark.parametrize("path", ["/api/orders/abc", "/api/orders/1x", "/api/orders/٣",
                                      "/api/orders/" + "9" * 30])
    def test_a_path_id_that_is_no_id_is_a_json_api_404(self, client, path):
        from tests.commands import seed_demo

        token = seed_demo("restaurant")["writer"]["token"]
        response = client.get(path, **bearer(token))
        assert response.status_code == 404
        assert response["Content-Type"] == JSON_API
        assert response.json()["errors"][0]["status"] == "404"


class TestAnswersTheSchemaDocuments:
    """Answers schemathesis found undocumented, now as the schema says."""

    @pytest.fixture
    def writer(self):
        from tests.commands import seed_demo

        return seed_demo("restaurant")["writer"]["token"]

    @pytest.mark.parametrize("data", [
        {"type": "orders", "attributes": [None, None]},
        {"type": "orders", "attributes": {}, "relationships": [1]},
        {"type": "orders", "attributes": {}, "relationships": {"location": 5}},
    ])
    def test_a_document_with_malformed_members_is_a_400(self, client, writer, data):
        response = client.post(ORDERS_URL, {"data": data}, content_type="application/json",
                               **bearer(writer))
        assert response.status_code == 400
        assert response["Content-Type"] == JSON_API
        assert response.json()["errors"][0]["detail"].startswith("The document's data.")

    def test_a_method_the_path_has_not_is_a_405_whatever_its_parameters(self, client, writer):
        response = client.generic("TRACE", f"{ORDERS_URL}?unknown=1", **bearer(writer))
        assert response.status_code == 405
        assert response.json()["errors"][0]["status"] == "405"

    def test_the_update_documents_id_is_the_paths(self, schema):
        data = schema["paths"]["/api/orders/{id}"]["put"]["requestBody"]["content"][JSON_API][
            "schema"]["properties"]["data"]
        assert data["properties"]["id"]["pattern"] == "^[0-9]{1,18}$"

    def test_optional_fields_take_an_empty_string_required_ones_do_not(self, schema):
        create = component(schema, "RestaurantOrderCreateInput")["properties"]
        # The rules read null and "" as absent: an optional date-time takes "" too.
        assert {"type": "string", "enum": [""]} in create["invoice_date"]["anyOf"]
        assert create["first_name"]["minLength"] == 1
        total = component(schema, "RestaurantOrderTotalInput")["properties"]
        assert total["code"]["minLength"] == 1
        assert {branch["type"] for branch in total["value"]["anyOf"]} == {"number", "string"}


def json_schema_of(schema: dict, name: str) -> Draft7Validator:
    """A component as JSON Schema (OpenAPI 3.0's `nullable` as a null type), its refs
    resolved in the document, as a client's validator would read it."""
    def converted(node):
        if isinstance(node, list):
            return [converted(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: converted(value) for key, value in node.items()}
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        return node

    document = converted({"components": schema["components"]})
    return Draft7Validator({**document, "$ref": f"#/components/schemas/{name}"})


class TestTheCreateBodySchemaIsTheRules:
    """What the create body's schema takes the rules take, and what they refuse it does not
    take (schemathesis's positive and negative data checks)."""

    def test_what_it_takes_is_created(self, client, schema, writer):
        body = payload_with(
            notify=0, processed="TRUE", order_time="10:30:15.5+02:00", address={},
            order_menus=[{"id": 1, "qty": 2, "price": None, "subtotal": "",
                          "options": {"size": "L"}}])
        assert not list(json_schema_of(schema, "RestaurantOrderCreateInput")
                        .iter_errors(body))
        response = send(client, "post", ORDERS_URL, body, writer)
        assert response.status_code == 201, response.content
        line = response.json()["data"]["attributes"]["order_menus"][0]
        assert (line["options"], line["price"], line["subtotal"]) == (
            {"size": "L"}, "4.9900", "9.9800")

    @pytest.mark.parametrize("changes, pointer", [
        ({"order_type": "delivery"}, "address_id"),  # a delivery order needs an address
        ({"order_type": "delivery", "address": {}}, "address_id"),
        ({"order_time": "23:59:60Z"}, "order_time"),  # no leap second
        ({"notify": 2}, "notify"),
        ({"order_menus": [{"id": 1, "qty": 1, "options": "L"}]}, "order_menus"),
    ])
    def test_what_it_refuses_is_a_422(self, client, schema, writer, changes, pointer):
        body = payload_with(**changes)
        assert list(json_schema_of(schema, "RestaurantOrderCreateInput").iter_errors(body))
        response = send(client, "post", ORDERS_URL, body, writer)
        assert response.status_code == 422
        assert errors_of(response)[0]["source"]["pointer"].startswith(
            f"/data/attributes/{pointer}")

    def test_nullable_only_beside_a_type(self, schema):
        """OpenAPI 3.0 reads `nullable` only beside a `type` (Redocly's
        nullable-type-sibling): an untyped `{nullable}` says nothing to a client."""
        untyped = []

        def visit(node, at):
            if isinstance(node, dict):
                if node.get("nullable") and "type" not in node:
                    untyped.append(at)
                for key, value in node.items():
                    visit(value, f"{at}/{key}")
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    visit(value, f"{at}/{index}")

        for name, component_schema in schema["components"]["schemas"].items():
            if name.startswith(("Restaurant", "PatchedRestaurant")):
                visit(component_schema, name)
        assert untyped == []
