"""Panels bodies -> typed, validated orders; no database access.

The API's create body, an import record (the same body plus its key and history) and the
admin's add form all become an `OrderInput` here, with the same rules and messages:
the serializers below are the one declaration of those rules, and the OpenAPI schema's
request bodies (panels.api.views). References (the customer, the panels' skus) stay ids
and codes; `panels.selectors.references_resolve` looks a batch of them up.
"""

from collections import Counter
from datetime import date, datetime
from typing import NamedTuple

from rest_framework import serializers

from orders.api.fields import StrictIntegerField
from orders.inputs import BodyRules, InputError, InputErrors, import_datetime
from panels.models import CustomerPanelOrder

# The most items one order may have: each panel at most once, so this is 500 distinct
# panels. Reading an order back prefetches its panels with one `id = ? OR ...` term each,
# and SQLite takes at most 1,000 of those.
MAX_ORDER_ITEMS = 500
Status = CustomerPanelOrder.Status
CREATED_AT_FORMAT = "%Y-%m-%d %H:%M:%S"  # the seed's "2017-11-24 10:00:00", UTC


class OrderItemsSerializer(serializers.ListSerializer):
    """A body's order items, each validated by OrderItemSerializer; an item that is just
    `{"panel_sku": "<text>"}` once per distinct text (an import repeats a catalog's few
    skus millions of times; the result is the serializer's own, kept)."""

    KEEP_AT_MOST = 10_000  # distinct skus remembered (a bound on memory)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validated_items: dict[str, dict] = {}

    def run_child_validation(self, data):
        if type(data) is dict and len(data) == 1 and type(sku := data.get("panel_sku")) is str:
            validated = self.validated_items.get(sku)
            if validated is None:
                validated = self.child.run_validation(data)  # (raises: nothing kept)
                if len(self.validated_items) >= self.KEEP_AT_MOST:
                    self.validated_items.clear()
                self.validated_items[sku] = validated
            return validated
        return self.child.run_validation(data)


class OrderItemSerializer(serializers.Serializer):
    panel_sku = serializers.CharField(max_length=100)

    class Meta:
        list_serializer_class = OrderItemsSerializer


class OrderCreateSerializer(serializers.Serializer):
    """The API's create body (POST /api/v1/customer-panel-orders/)."""

    customer_id = StrictIntegerField()
    order_items = OrderItemSerializer(many=True, allow_empty=False, max_length=MAX_ORDER_ITEMS)

    def validate_order_items(self, items):
        """Each panel at most once; every duplicate named."""
        skus = [item["panel_sku"] for item in items]
        if len(set(skus)) < len(skus):
            duplicates = sorted(sku for sku, count in Counter(skus).items() if count > 1)
            raise serializers.ValidationError(
                [f"Panel sku '{sku}' is given more than once." for sku in duplicates])
        return skus  # (what OrderInput keeps: the skus, in request order)


class ImportDateTimeField(serializers.Field):
    """A time an import record carries: an export's own format or ISO 8601, bounded."""

    def to_internal_value(self, data):
        try:
            return import_datetime(data)
        except InputError as error:
            raise serializers.ValidationError(error.message) from None

    def to_representation(self, value):
        return value.strftime(CREATED_AT_FORMAT)


class OrderImportSerializer(OrderCreateSerializer):
    """The create body, plus what an import record carries besides: its key in the
    system it comes from, and what an export keeps of the order's life."""

    external_id = serializers.CharField(max_length=100, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    created_at = ImportDateTimeField(required=False, allow_null=True)


class OrderInput(NamedTuple):
    """A validated order: what the services write, references still ids and codes."""

    customer_id: int
    panel_skus: tuple[str, ...]
    external_id: str | None = None
    status: str = Status.CREATED.value
    created_at: datetime | None = None  # None: now


CREATE_RULES = BodyRules(OrderCreateSerializer)
IMPORT_RULES = BodyRules(OrderImportSerializer)


def order_create_input(body) -> OrderInput:
    """An API create body (or the admin's add form as that body); raises InputErrors."""
    data = CREATE_RULES.parse(body)
    return OrderInput(data["customer_id"], tuple(data["order_items"]))


def order_import_input(record: dict) -> OrderInput:
    """An import record: the create body's rules, plus its key and history."""
    data = IMPORT_RULES.parse(record)
    get = data.get
    return OrderInput(data["customer_id"], tuple(data["order_items"]), get("external_id"),
                      get("status") or Status.CREATED.value, get("created_at"))


def order_form_body(customer_id: str, order_items: str) -> dict:
    """The admin's add form as the API's body: the customer's id as typed, one panel sku
    per line (blank lines skipped). An empty id is absent, as in a body without it."""
    body: dict = {"order_items": [{"panel_sku": line.strip()}
                                  for line in order_items.splitlines() if line.strip()]}
    if customer_id.strip():
        body["customer_id"] = customer_id.strip()
    return body


class TextField(serializers.CharField):
    """A CharField that takes a string only (DRF's takes the number 0 as "0")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CustomerCreateSerializer(serializers.Serializer):
    """The API's customer body (POST /api/v1/customers/)."""

    first_name = TextField(max_length=100)
    last_name = TextField(max_length=100)
    reference_id = TextField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)


class CustomerInput(NamedTuple):
    first_name: str
    last_name: str
    reference_id: str = ""
    email: str = ""
    date_of_birth: date | None = None


CUSTOMER_RULES = BodyRules(CustomerCreateSerializer)


def customer_create_input(body) -> CustomerInput:
    return CustomerInput(**CUSTOMER_RULES.parse(body))


class PanelCatalogSerializer(serializers.Serializer):
    """A panel as import_catalog reads it (upserted by sku)."""

    sku = serializers.SlugField(max_length=100)
    name = serializers.CharField(max_length=200)
    is_license_required = serializers.BooleanField(default=False)
    is_active = serializers.BooleanField(default=True)


__all__ = ["MAX_ORDER_ITEMS", "CustomerInput", "InputErrors", "OrderInput",
           "customer_create_input", "order_create_input", "order_form_body",
           "order_import_input"]
