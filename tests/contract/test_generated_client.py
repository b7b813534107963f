"""A client generated from /api/schema/ creates, reads and lists an order in each domain
(issue 14, part 4).

openapi-python-client generates a package from the schema at test time (no post-hooks, no
network); each test calls a live server through it with seed_demo's tokens. Request bodies
are the documents' own examples read through the generated body model (`from_dict`), as a
client holding that JSON would; responses are read as the typed models give them. Where the
schema lies (a body it does not describe, a format it misstates, a status it omits), the
client cannot do its job and the test says where.
"""

import importlib
import json
import re
import sys
import typing

import pytest
from django.core.management import call_command
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.strings import PythonIdentifier

from tests.commands import seed_demo

PACKAGE = "backoffice_client"
SEED_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")  # "2017-11-24 10:00:00"


@pytest.fixture(scope="session")
def generated_client(tmp_path_factory):
    """The generated package, imported; and the schema it was generated from."""
    root = tmp_path_factory.mktemp("generated_client")
    schema_path = root / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(schema_path))
    config = Config.from_sources(
        # No post-hooks: formatting the generated code is not the test's business.
        ConfigFile(package_name_override=PACKAGE, post_hooks=[]), MetaType.NONE,
        schema_path, "utf-8", True, root / PACKAGE)
    errors = generate(config=config)
    assert not errors, "\n".join(f"{e.level}: {e.header}: {e.detail}" for e in errors)
    import_unset_where_used(root / PACKAGE)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE), json.loads(schema_path.read_text())
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def import_unset_where_used(package):
    """openapi-python-client 0.29.1 annotates a required body with several media types
    `... | Unset` without importing `Unset`, so the module fails at import (upstream issue
    openapi-generators/openapi-python-client#1451, fix proposed in #1478). Add the import."""
    stock = "from ...types import Response, UNSET\n"
    fixed = "from ...types import Response, UNSET, Unset\n"
    for module in (package / "api").glob("*/*.py"):
        source = module.read_text()
        if stock in source and re.search(r"\bUnset\b", source):
            module.write_text(source.replace(stock, fixed))


class Api:
    """The generated client as one caller sees it: operations named by method and path."""

    def __init__(self, generated_client, base_url: str, token: str):
        self.package, self.schema = generated_client
        self.client = self.package.AuthenticatedClient(base_url=base_url, token=token,
                                                       raise_on_unexpected_status=False)

    def operation(self, method: str, path: str):
        operation = self.schema["paths"][path][method.lower()]
        tag = PythonIdentifier(operation["tags"][0], prefix="tag")
        name = PythonIdentifier(operation["operationId"], prefix="field_")
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")

    def body(self, method: str, path: str, document: dict):
        """The generated request body model, read from the JSON a client sends."""
        # The generated annotations name `Unset` without importing it at run time.
        types = vars(importlib.import_module(f"{PACKAGE}.types"))
        body_type = typing.get_type_hints(self.operation(method, path).sync_detailed,
                                          localns=types)["body"]
        body_types = [model for model in typing.get_args(body_type) or (body_type,)
                      if model is not types["Unset"]]
        problems = []
        for model in body_types:  # a body with several media types is a union of models
            try:
                return model.from_dict(document)
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(f"{model.__name__}: {type(exc).__name__}: {exc}")
        pytest.fail(f"{method} {path}: the schema's request body does not read the "
                    f"document's JSON {document!r}: {'; '.join(problems)}")

    def call(self, method: str, path: str, **kwargs):
        """Send through the generated function; the typed answer of a success the schema
        documents."""
        response = self.operation(method, path).sync_detailed(client=self.client, **kwargs)
        status = int(response.status_code)
        documented = self.schema["paths"][path][method.lower()]["responses"]
        assert 200 <= status < 300, f"{method} {path}: {status} {response.content[:500]!r}"
        assert str(status) in documented and response.parsed is not None, (
            f"{method} {path}: answered {status}, documented {sorted(documented)}: "
            f"{response.content[:300]!r}")
        return response.parsed


@pytest.fixture
def demo(live_server):
    return seed_demo()


def test_panels(generated_client, live_server, demo):
    api = Api(generated_client, live_server.url, demo["panels"]["partner"]["token"])
    customer_id = demo["panels"]["partner"]["customer_ids"][0]
    document = {"customer_id": customer_id, "order_items": [
        {"panel_sku": "cardiometabolic-1"}, {"panel_sku": "nutri-opt-1"}]}
    orders = "/api/v1/customer-panel-orders/"
    body = api.body("POST", orders, document)

    created = api.call("POST", orders, body=body)
    assert created.customer_id == customer_id
    assert [item.panel_sku for item in created.order_items] == [
        "cardiometabolic-1", "nutri-opt-1"]
    assert isinstance(created.created_at, str) and SEED_TIME.fullmatch(created.created_at), (
        f"created_at as the client reads it: {created.created_at!r}")

    read = api.call("GET", "/api/v1/customer-panel-orders/{id}/", id=created.id)
    assert read.to_dict() == created.to_dict()

    listed = api.call("GET", orders, limit=100)
    assert created.id in [order.id for order in listed]


def test_wholesale(generated_client, live_server, demo):
    api = Api(generated_client, live_server.url, demo["wholesale"]["customer"]["token"])
    document = {
        "customer_order_no": "MLA-API #23456-client", "order_type": "WHOLESALE",
        "delivery_method": "DELIVER", "delivery_name": "",
        "delivery_company_name": "ML Accessories Limited",
        "delivery_address1": "Unit 4 Foster Avenue", "delivery_address2": "Woodside Park",
        "delivery_town": "Dunstable", "delivery_county": "Bedfordshire",
        "delivery_country_code": "GB", "delivery_postcode": "LU5 5TA",
        "delivery_telephone": "01582 88 77 60", "notes": "Deliver to office.",
        "products": [{"product_code": "VFR8CW", "quantity": 10},
                     {"product_code": "VFR8BEZMW", "quantity": 5}],
    }
    orders = "/apis/customer/orders"
    body = api.body("POST", orders, document)

    created = api.call("POST", orders, body=body)
    assert created.customer_order_no == "MLA-API #23456-client"
    assert str(created.order_state) == "OPEN"
    assert [(line.product_code, line.quantity) for line in created.products] == [
        ("VFR8CW", 10), ("VFR8BEZMW", 5)]
    assert created.placed_by is None

    read = api.call("GET", "/apis/customer/orders/{id}", id=created.order_id)
    assert read.to_dict() == created.to_dict()

    listed = api.call("GET", orders)
    assert created.order_id in [order.order_id for order in listed]


def test_marketplace(generated_client, live_server, demo):
    """A customer orders a merchant's record through its record path; the customer's and the
    merchant's order lists show it (the document has no single-order read)."""
    marketplace = demo["marketplace"]
    merchant_id, record_id = marketplace["merchant"]["id"], marketplace["merchant"]["record_ids"][0]
    customer = Api(generated_client, live_server.url, marketplace["customer"]["token"])
    document = {
        "shipping_address1": "123 Shipping Lane", "shipping_address2": "",
        "shipping_city": "Raleigh", "shipping_state": "NC", "shipping_zip": "27615",
        "paypal_email": "paypal@example.com", "billing_address1": "123 Billing Drive",
        "billing_address2": "Ste. #100", "billing_city": "Raleigh", "billing_state": "NC",
        "billing_zip": "27615", "comments": ["This is a comment"],
    }
    create = "/api/v1/orders/merchants/{merchant_id}/records/{record_id}/"
    body = customer.body("POST", create, document)

    created = customer.call("POST", create, merchant_id=merchant_id, record_id=record_id,
                            body=body)
    order = created.to_dict()
    assert (order["record_id"], order["merchant_id"]) == (record_id, merchant_id)
    assert [info.shipping_city for info in created.shipping_info] == ["Raleigh"]
    assert [info.paypal_email for info in created.billing_info] == ["paypal@example.com"]
    assert created.comments == ["This is a comment"]

    mine = customer.call("GET", "/api/v1/orders/customers/{customer_id}/",
                         customer_id=marketplace["customer"]["id"])
    assert order in [listed.to_dict() for listed in mine]

    merchant = Api(generated_client, live_server.url, marketplace["merchant"]["token"])
    theirs = merchant.call("GET", "/api/v1/orders/merchants/{merchant_id}/",
                           merchant_id=merchant_id)
    assert order["_id"] in [listed.to_dict()["_id"] for listed in theirs]


def test_restaurant(generated_client, live_server, demo):
    """A JSON:API client: the seed's payload as a resource document's attributes."""
    api = Api(generated_client, live_server.url, demo["restaurant"]["writer"]["token"])
    attributes = {
        "location_id": 1, "first_name": "Tucker", "last_name": "Vega",
        "email": "vavur@mailinator.com", "telephone": "+1 (604) 376-2674",
        "comment": "Give me my food", "order_type": "collection", "order_date": "2021-03-01",
        "order_time": "10:00", "payment": "cod", "processed": 1, "status_id": 1,
        "status_comment": "My comment",
        "order_menus": [{"rowId": 0, "id": 1, "name": "Puff-Puff", "qty": 3,
                         "price": "4.9900", "subtotal": "14.9700", "comment": "",
                         "options": []}],
        "order_totals": [{"code": "total", "title": "Total", "value": 10, "priority": 1}],
        "order_total": 10.00,
    }
    orders = "/api/orders"
    body = api.body("POST", orders, {"data": {"type": "orders", "attributes": attributes}})

    created = api.call("POST", orders, body=body).data
    assert created.to_dict()["type"] == "orders"
    assert (created.attributes.first_name, created.attributes.total_items) == ("Tucker", 3)
    assert str(created.attributes.order_type) == "collection"
    assert created.attributes.order_total == "10.0000"

    read = api.call("GET", "/api/orders/{id}", id=int(created.id)).data
    assert read.id == created.id
    assert read.attributes.to_dict() == created.attributes.to_dict()

    listed = api.call("GET", orders).data
    assert created.id in [order.id for order in listed]


def test_labs(generated_client, live_server, demo):
    """The labs document has no create: a client reads the document's order 15 (its nulls,
    its nested samples and tests) and finds it listed."""
    company = demo["labs"]["company"]
    api = Api(generated_client, live_server.url, company["token"])

    read = api.call("GET", "/api/1/orders/{id}", id=15)
    assert (read.id, str(read.status), str(read.payment_status)) == (15, "created", "pending")
    assert (read.paid_at, read.date_received) == (None, None)
    assert read.orderer.email == "dev@lightlabs.com"
    sample = read.samples[0]
    assert (sample.sku.product.name, sample.tests[0].assay.name) == (
        "Protein Powder", "Phthalates")

    listed = api.call("GET", "/api/1/orders")
    assert 15 in [order.id for order in listed.orders]
