"""wholesale.inputs: the one reading of a body, and the schema built from the same rules."""

import json
from decimal import Decimal

import pytest

from orders.inputs import BodyRules, InputErrors
from tests.wholesale.test_api import BAD_BODIES_422, SEED_POST_BODY, body_with
from wholesale import inputs
from wholesale.inputs import (
    OrderBodyInvalid,
    OrderBodyMalformed,
    WholesaleOrderBodySerializer,
    order_body_input,
    order_body_product_codes,
)
from wholesale.models import Product

D = Decimal


def product(code: str, **fields) -> Product:
    return Product(product_code=code, description=code, unit_price=D("1.0000"),
                   unit_weight=D("0.100"), **fields)


# The demo's catalog, unsaved: the validator reads no database.
CATALOG = {code: product(code) for code in ["VFR8CW", "VFR8BEZMW", "VFR8BEZCBR", "CA"]}


class TestOrderBodyInput:
    def test_a_valid_body_as_typed_values(self):
        body = {"customer_order_no": " PO-1 ", "delivery_method": "DELIVER",
                "delivery_country_code": "gb", "delivery_name": None, "notes": "",
                "products": [{"product_code": "CA", "quantity": 3}]}
        assert order_body_product_codes(body) == {"CA"}
        fields, lines = order_body_input(body, CATALOG)
        assert [(line.product.product_code, line.quantity) for line in lines] == [("CA", 3)]
        assert fields["customer_order_no"] == "PO-1"
        assert fields["order_type"] == "WHOLESALE"
        assert fields["delivery_country_code"] == "GB"
        assert fields["delivery_name"] == "" and fields["delivery_town"] == ""

    @pytest.mark.parametrize("body", [[], "x", {"products": "CA"}, {"products": [1]}])
    def test_wrong_structure_is_malformed(self, body):
        with pytest.raises(OrderBodyMalformed):
            order_body_input(body, {})
        assert order_body_product_codes(body) == set()

    def test_field_errors_are_all_named(self):
        with pytest.raises(OrderBodyInvalid) as caught:
            order_body_input({"products": [{"product_code": "NOPE", "quantity": 0}]}, {})
        assert isinstance(caught.value, InputErrors)
        assert set(caught.value.as_dict()) == {
            "customer_order_no", "delivery_method", "products[0].product_code",
            "products[0].quantity"}

    def test_a_line_beyond_the_money_column_is_refused_by_name(self):
        gold = Product(product_code="GOLD", description="Gold bar", unit_price=D("50000.0000"),
                       unit_weight=D("0"))
        body = {"customer_order_no": "BIG-1", "delivery_method": "COLLECT",
                "products": [{"product_code": "GOLD", "quantity": 100_000_000}]}
        with pytest.raises(OrderBodyInvalid) as refused:
            order_body_input(body, {"GOLD": gold})
        assert "beyond what a line can hold" in refused.value.as_dict()["products[0].quantity"][0]

    @pytest.mark.parametrize("text", ["Dun\u0000stable", "Dun\ud800stable"])
    def test_text_the_database_cannot_store_is_refused_by_name(self, text):
        with pytest.raises(OrderBodyInvalid) as refused:
            order_body_input(body_with(delivery_town=text), CATALOG)
        assert "delivery_town" in refused.value.as_dict()


# --- the serializer the schema shows and the validator: one declaration, one behaviour ---

# Bodies beyond BAD_BODIES_422 at the rules' edges.
EDGE_BODIES = [
    SEED_POST_BODY,
    body_with(order_type=None, delivery_country_code=" fr ", notes="x" * 5000),
    body_with(delivery_country_code="", delivery_name=None),
    body_with(delivery_country_code="G"),
    body_with(delivery_country_code="1!"),
    body_with(delivery_name="x" * 200),
    body_with(delivery_name="x" * 201),
    body_with(delivery_postcode="x" * 21),
    body_with(customer_order_no="x" * 100),
    body_with(customer_order_no="  x  "),
    body_with(delivery_method=None),
    body_with(delivery_county="Bed\ud800fordshire"),
    body_with(products=[{"product_code": "CA", "quantity": 2_147_483_647}]),
    body_with(products=[{"product_code": "CA", "quantity": 1}] * inputs.MAX_ORDER_LINES),
    body_with(products=[{"product_code": "CA", "quantity": 1}] * (inputs.MAX_ORDER_LINES + 1)),
    body_with(products=None),
    body_with(products=[{"product_code": "CA", "quantity": 1, "price": 0}]),
    "x",
    [SEED_POST_BODY],
]
# What only the catalog decides (which codes exist, what their prices add up to).
CATALOG_CASES = {"'NOPE'", "beyond what an order can hold"}


def validator_verdict(body):
    try:
        order_body_input(body, CATALOG)
    except OrderBodyMalformed:
        return "malformed"
    except OrderBodyInvalid as exc:
        return set(exc.as_dict())
    return "valid"


@pytest.mark.parametrize("body", [body for body, _, text in BAD_BODIES_422
                                  if text not in CATALOG_CASES] + EDGE_BODIES)
def test_the_schemas_serializer_accepts_and_refuses_what_the_validator_does(body):
    """The serializer the OpenAPI schema is generated from, run as DRF runs it: valid
    exactly where the validator is, and faulting the same fields."""
    body = json.loads(json.dumps(body))  # as a client sends it
    verdict = validator_verdict(body)
    try:
        BodyRules(WholesaleOrderBodySerializer).parse(body)
    except InputErrors as exc:
        assert verdict != "valid", exc.as_dict()
        if verdict != "malformed":
            assert set(exc.as_dict()) == verdict
    else:
        assert verdict == "valid"


@pytest.mark.django_db
def test_the_schema_states_the_validators_limits(client):
    schemas = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/json").content)[
        "components"]["schemas"]
    body = schemas["WholesaleOrderBody"]
    properties = body["properties"]
    country, blank = properties["delivery_country_code"]["anyOf"]  # two letters, or ""
    assert (country["pattern"], country["maxLength"], blank["maxLength"]) == (
        "^[A-Za-z]{2}$", 2, 0)
    for name, limit in inputs.TEXT_LIMITS.items():
        if name != inputs.COUNTRY_FIELD:
            assert properties[name].get("maxLength") == limit, name
        assert properties[name]["nullable"] is True
    assert properties["customer_order_no"]["maxLength"] == inputs.MAX_CUSTOMER_ORDER_NO
    assert (properties["products"]["minItems"], properties["products"]["maxItems"]) == (
        1, inputs.MAX_ORDER_LINES)
    assert set(body["required"]) == {"customer_order_no", "delivery_method", "products"}
    line = schemas["WholesaleOrderBodyLine"]["properties"]
    assert (line["quantity"]["minimum"], line["quantity"]["maximum"]) == (
        1, inputs.MAX_QUANTITY)
