"""One input layer (panels.inputs + selectors.references_resolve): the API, the admin's add
form and the importer accept and refuse the same orders, naming the same field with the
same message; and the OpenAPI schema's request body is the inputs' serializer."""

import json

import pytest

from orders.models import OrderEvent
from panels import inputs
from panels.models import CustomerPanelOrder, CustomerPanelOrderItem
from tests.commands import run_command, seed_demo, write_jsonl
from tests.panels.test_api import BAD_ORDER_BODIES, ORDERS_URL, post_json

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/panels/customerpanelorder/add/"
LONG_SKU = "x" * 101

# Beside the API tests' bad bodies: more that each surface must refuse alike.
MORE_BAD_BODIES = [
    {"customer_id": 999_999, "order_items": [{"panel_sku": "hormone-1"}]},
    {"customer_id": 999_999, "order_items": [{"panel_sku": "nope"}, {"panel_sku": "hormone-1"},
                                             {"panel_sku": "gone"}]},
    {"customer_id": 0, "order_items": [{"panel_sku": "hormone-1"}]},
    {"customer_id": str(2**63), "order_items": [{"panel_sku": "hormone-1"}]},
    {"customer_id": "٣", "order_items": [{"panel_sku": "hormone-1"}]},
    {"customer_id": 319, "order_items": [{"panel_sku": LONG_SKU}]},
    {"customer_id": 319, "order_items": [{"panel_sku": f"p-{i}"} for i in range(501)]},
    {"customer_id": 319, "order_items": [{"panel_sku": "nutri-opt-1"}, {"panel_sku": "a"},
                                         {"panel_sku": "a"}, {"panel_sku": "nutri-opt-1"}]},
]
BAD_BODIES = [body for body, _, _ in BAD_ORDER_BODIES] + MORE_BAD_BODIES


@pytest.fixture
def demo():
    return seed_demo("panels")


def counts():
    return (CustomerPanelOrder.objects.count(), CustomerPanelOrderItem.objects.count(),
            OrderEvent.objects.count())


def api_errors(client, token, body) -> dict[str, list[str]]:
    response = post_json(client, ORDERS_URL, body, token)
    assert response.status_code == 400, response.content
    return response.json()["errors"]


def import_errors(tmp_path, body) -> dict[str, list[str]]:
    errors_path = tmp_path / "errors.jsonl"
    status, _, _ = run_command("import_orders", "panels",
                               write_jsonl(tmp_path / "one.jsonl", [body]),
                               "--errors", str(errors_path))
    assert status == 1
    [rejected] = [json.loads(line) for line in errors_path.read_text().splitlines()]
    errors: dict[str, list[str]] = {}
    for error in rejected["_errors"]:
        errors.setdefault(error["field"], []).append(error["message"])
    return errors


def form_data(body) -> dict | None:
    """The body as the admin's add form takes it, if a form can say it: the customer's id
    as typed, one panel sku per line."""
    items = body.get("order_items")
    if not isinstance(items, list) or not all(
            isinstance(i, dict) and set(i) == {"panel_sku"} and isinstance(i["panel_sku"], str)
            for i in items):
        return None
    customer_id = body.get("customer_id", "")
    if isinstance(customer_id, bool) or not isinstance(customer_id, int | str):
        return None
    return {"customer_id": str(customer_id),
            "order_items": "\n".join(i["panel_sku"] for i in items)}


def admin_errors(admin_client, data) -> dict[str, list[str]]:
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 200, "the add form was accepted"
    return {name: list(messages)
            for name, messages in response.context["adminform"].form.errors.items()}


def as_form_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The body's errors as the add form shows them: on the field they come from, a
    nested one named in its message."""
    shown: dict[str, list[str]] = {}
    for name, messages in errors.items():
        field = name.split("[", 1)[0]
        shown.setdefault(field, []).extend(
            messages if field == name else [f"{name}: {m}" for m in messages])
    return shown


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_api_import_and_admin_refuse_alike_with_the_same_fields_and_messages(
        client, admin_client, demo, tmp_path, body):
    before = counts()
    errors = api_errors(client, demo["partner"]["token"], body)
    assert import_errors(tmp_path, body) == errors
    data = form_data(body)
    if data is not None:
        assert admin_errors(admin_client, data) == as_form_errors(errors)
    assert counts() == before


def test_every_unknown_reference_is_named_with_its_value(client, demo):
    errors = api_errors(client, demo["partner"]["token"], MORE_BAD_BODIES[1])
    assert errors == {"customer_id": ["No customer with id 999999."],
                      "order_items": ["Unknown or inactive panel sku 'nope'.",
                                      "Unknown or inactive panel sku 'gone'."]}


def test_the_parity_covers_the_admin_for_most_bodies():
    assert sum(form_data(body) is not None for body in BAD_BODIES) >= len(BAD_BODIES) - 2


def test_api_import_and_admin_accept_the_same_order_alike(client, admin_client, demo,
                                                          tmp_path):
    body = {"customer_id": 320, "order_items": [{"panel_sku": "hormone-1"},
                                                {"panel_sku": "nutri-opt-1"}]}
    api = post_json(client, ORDERS_URL, body, demo["partner"]["token"])
    assert api.status_code == 201
    status, out, _ = run_command("import_orders", "panels",
                                 write_jsonl(tmp_path / "one.jsonl", [body]))
    assert status == 0 and out.startswith("created 1,")
    response = admin_client.post(ADD_URL, form_data(body))
    assert response.status_code == 302, response.context["adminform"].form.errors
    orders = CustomerPanelOrder.objects.exclude(pk__in=[101, 102]).order_by("pk")
    assert [(o.customer_id, o.status, [i.panel.sku for i in o.items.all()]) for o in orders] == [
        (320, "created", ["hormone-1", "nutri-opt-1"])] * 3
    assert [(e.action, e.from_state, e.to_state, e.note, e.via) for e in OrderEvent.objects
            .filter(object_id__in=[o.pk for o in orders]).order_by("id")] == [
        ("create", "", "created", "", via) for via in ("api", "import", "admin")]
    admin_order = orders.last()
    assert response["Location"] == "/admin/panels/customerpanelorder/"
    assert OrderEvent.objects.get(object_id=admin_order.pk).actor.username == "admin"
    page = admin_client.get(response["Location"])
    assert f"#{admin_order.pk}" in " ".join(str(m) for m in page.context["messages"])


def test_staff_may_order_for_any_partners_customer(admin_client, demo):
    """Staff order for any partner's customer (the import too); an API client only for
    its own partner's (test_api: TestTenancy)."""
    response = admin_client.post(ADD_URL, {"customer_id": "900", "order_items": "hormone-1"})
    assert response.status_code == 302
    assert CustomerPanelOrder.objects.filter(customer_id=900).count() == 1


def test_the_inputs_are_typed_and_picklable():
    import pickle

    order = inputs.order_import_input({
        "external_id": "x-1", "customer_id": "42", "status": "canceled",
        "created_at": "2017-11-24 10:01:00",
        "order_items": [{"panel_sku": " hormone-1 "}, {"panel_sku": "nutri-opt-1"}]})
    assert (order.customer_id, order.panel_skus, order.external_id, order.status) == (
        42, ("hormone-1", "nutri-opt-1"), "x-1", "canceled")
    assert order.created_at.isoformat() == "2017-11-24T10:01:00+00:00"
    assert pickle.loads(pickle.dumps(order)) == order
    assert inputs.order_create_input({"customer_id": 1, "order_items": [
        {"panel_sku": "a"}]}) == inputs.OrderInput(1, ("a",))


def test_an_item_remembered_once_valid_is_still_checked_in_its_body():
    """Items are validated once per distinct sku; the body's own rules still apply."""
    inputs.order_create_input({"customer_id": 1, "order_items": [{"panel_sku": "a"}]})
    with pytest.raises(inputs.InputErrors) as raised:
        inputs.order_create_input({"customer_id": 1, "order_items": [
            {"panel_sku": "a"}, {"panel_sku": "a"}]})
    assert raised.value.pairs() == [("order_items", "Panel sku 'a' is given more than once.")]
    with pytest.raises(inputs.InputErrors) as raised:
        inputs.order_create_input({"customer_id": 1, "order_items": [{"panel_sku": "a\x00"}]})
    assert [name for name, _ in raised.value.pairs()] == ["order_items[0].panel_sku"]


def test_import_only_fields_are_refused_by_name():
    with pytest.raises(inputs.InputErrors) as raised:
        inputs.order_import_input({"customer_id": 1, "order_items": [{"panel_sku": "a"}],
                                   "status": "lost", "created_at": "yesterday",
                                   "external_id": "e" * 101})
    assert {name for name, _ in raised.value.pairs()} == {"status", "created_at",
                                                          "external_id"}


def test_the_schema_request_body_is_the_inputs_serializer(client):
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/json").content)
    post = schema["paths"]["/api/v1/customer-panel-orders/"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    declared = inputs.OrderCreateSerializer().fields
    assert set(body["properties"]) == set(declared)
    assert set(body["required"]) == {name for name, f in declared.items() if f.required}
    items = body["properties"]["order_items"]
    assert (items["minItems"], items["maxItems"]) == (1, inputs.MAX_ORDER_ITEMS)
