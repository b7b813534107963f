"""What the schema states for every operation, whichever domain (orders.api.schema,
SPECTACULAR_SETTINGS): what Redocly's recommended rules and a generated client rely on."""

import json

import pytest

from tests.contract.harness import DOMAINS, principals_for

METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture
def schema(client):
    return json.loads(client.get("/api/schema/?format=json").content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def test_each_operation_is_tagged_with_its_domain_and_summarized(schema):
    assert [tag["name"] for tag in schema["tags"]] == list(DOMAINS)
    for method, path, operation in operations(schema):
        domain, _ = principals_for(method, path)
        assert operation["tags"] == [domain], (method, path)
        assert operation["summary"], (method, path)
    cancel = schema["paths"]["/api/v1/customer-panel-orders/{id}/cancel/"]["post"]
    assert cancel["summary"] == "Cancel customer-panel-orders/{id}"
    assert schema["paths"]["/apis/customer/orders"]["get"]["summary"] == "List customer/orders"


def test_each_operation_states_its_security_a_log_in_none(schema):
    schemes = schema["components"]["securitySchemes"]
    for method, path, operation in operations(schema):
        assert "security" in operation, (method, path)
        for requirement in operation["security"]:
            assert set(requirement) <= set(schemes), (method, path)
    assert schema["paths"]["/api/v1/api-token-auth/"]["post"]["security"] == []
    assert {"bearerAuth": []} in schema["paths"]["/api/1/orders"]["get"]["security"]


def test_the_document_names_its_server_and_license(schema):
    assert schema["servers"] == [{"url": "/", "description": "The server that serves this schema."}]
    assert schema["info"]["license"]["name"]


def test_nullable_stands_beside_a_type(schema):
    """OpenAPI 3.0 reads `nullable` only beside `type` (Redocly's nullable-type-sibling): a
    failure lists each schema that has `nullable` without one."""

    def typeless_nullable(node, where):
        if isinstance(node, dict):
            if node.get("nullable") is True and "type" not in node:
                yield where
            for key, value in node.items():
                yield from typeless_nullable(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from typeless_nullable(value, f"{where}/{i}")

    found = list(typeless_nullable(schema, "#"))
    assert found == [], found
