"""JSON:API (djangorestframework-jsonapi) serializers: attributes as the seed shows them.

Date formats of the seed: `created_at` "2020-05-24 12:58:43", `invoice_date`
"2020-05-24T11:58:43.000000Z", `order_date` "2020-05-24 00:00:00", `order_time` "13:13:00"
(all UTC). Money is a string with 4 decimals ("15.0449").
"""

import datetime
import decimal
from operator import attrgetter

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import ISO_8601
from rest_framework import serializers as drf_serializers
from rest_framework.relations import ManyRelatedField
from rest_framework_json_api import serializers
from rest_framework_json_api.relations import ResourceRelatedField

from restaurant.api.jsonapi import ResourceRelation, json_value, related_rows
from restaurant.models import (
    Address,
    Customer,
    Location,
    Order,
    PaymentMethod,
    Staff,
    StaffGroup,
    Status,
    StatusHistory,
)
from restaurant.selectors import ORDER_CHILD_ROWS

PLAIN_DATETIME = "%Y-%m-%d %H:%M:%S"
ISO_DATETIME = "%Y-%m-%dT%H:%M:%S.%fZ"
# Schema components are prefixed "Restaurant": other domains have an "Order" too.


class PlannedRepresentation:
    """A read-only serializer's to_representation planned once per class from its declared
    fields: per field, how to read the value off the row and how to print it, so that no
    per-row or per-request work repeats what depends only on the field. (DRF's
    Serializer.to_representation walks `_readable_fields`, each field's get_attribute and
    None check on every row, and a ModelSerializer builds its fields from the model on
    every instance; with djangorestframework-jsonapi each walk also resolves the resource
    type again.) The declared fields stay the schema's source and the plan prints what
    they print. A request with a sparse fieldset (`fields[type]`), or a field the plan does
    not know (whose printing may depend on the request), takes the stock path."""

    def to_representation(self, instance):
        plan = self.representation_plan()
        if plan is None:
            return super().to_representation(instance)
        return represent(plan, self, instance)

    def representation_plan(self):
        try:
            return self._plan
        except AttributeError:
            pass
        request = self.context.get("request") if self.context else None
        if request is not None and any(
                key.startswith("fields[") for key in request.query_params):
            self._plan = None
        else:
            self._plan = self.class_plan()
        return self._plan

    def class_plan(self):
        cls = type(self)
        if "_class_plan" not in cls.__dict__:
            steps = [(field.field_name, field_step(self, field))
                     for field in self._readable_fields]
            cls._class_plan = None if any(step is None for _, step in steps) else tuple(
                (name, *step) for name, step in steps)
        return cls._class_plan


def represent(plan, serializer, instance) -> dict:
    out = {}
    for name, read, write, with_serializer in plan:
        value = read(serializer, instance) if with_serializer else read(instance)
        out[name] = None if value is None else write(value)
    return out


def identity(value):
    return value


def rows_reader(serializer, source: str):
    """How the plan reads a to-many relation's rows (jsonapi.related_rows)."""
    return lambda instance: related_rows(serializer, instance, source)


# Fields whose printing depends on their declaration only (not on the request, the parent
# or the row's serializer): the plan may keep the first instance's bound to_representation.
PLAIN_FIELDS = (drf_serializers.BooleanField, drf_serializers.ChoiceField,
                drf_serializers.DateField, drf_serializers.TimeField,
                drf_serializers.FloatField)


def field_step(serializer, field):
    """(read, write, read takes the serializer) of one declared field, as DRF's
    get_attribute and to_representation would; None where the plan would differ."""
    attrs = field.source_attrs
    if isinstance(field, drf_serializers.SerializerMethodField):
        return getattr(type(serializer), field.method_name), identity, True
    if len(attrs) != 1:
        return None
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is not None and callable(getattr(model, attrs[0], None)):
        return None  # a method: DRF calls it
    if isinstance(field, ResourceRelatedField):
        if model is None:
            return None
        resource_type = field.get_resource_type_from_included_serializer()
        if resource_type is None:
            return None  # typed by each instance: DRF's path
        attname = model._meta.get_field(attrs[0]).attname
        return (attrgetter(attname), lambda pk: {"type": resource_type, "id": str(pk)},
                False)
    if isinstance(field, ManyRelatedField):
        child = field.child_relation
        resource_type = (child.get_resource_type_from_included_serializer()
                         if isinstance(child, ResourceRelatedField) else None)
        if resource_type is None:
            return None
        return rows_reader(serializer, attrs[0]), lambda related: [
            {"type": resource_type, "id": str(item.pk)} for item in related], False
    if isinstance(field, drf_serializers.ListSerializer):
        item = field.child
        plan = item.class_plan() if isinstance(item, PlannedRepresentation) else None
        if plan is None or any(step[3] for step in plan):
            return None  # (a nested method field would need its own serializer)
        return rows_reader(serializer, attrs[0]), lambda related: [
            represent(plan, None, row) for row in related], False
    if isinstance(field, drf_serializers.BaseSerializer):
        return None
    read = attrgetter(attrs[0])
    if stock_printing(field, drf_serializers.IntegerField):
        return read, int, False
    if type(field) is getattr(drf_serializers, "BigIntegerField", None):
        return read, field.to_representation, False  # (str or int by its setting)
    if type(field) is drf_serializers.ReadOnlyField:
        return read, identity, False
    if isinstance(field, drf_serializers.CharField):
        return read, str, False
    if isinstance(field, drf_serializers.JSONField) and not field.binary:
        return read, json_value, False
    if stock_printing(field, drf_serializers.DecimalField):
        return read, decimal_writer(field), False
    if stock_printing(field, drf_serializers.DateTimeField):
        return read, datetime_writer(field), False
    if isinstance(field, PLAIN_FIELDS):
        return read, field.to_representation, False
    return None


def stock_printing(field, kind) -> bool:
    """`field` is a `kind` that prints as `kind` does (a subclass may only add schema)."""
    return isinstance(field, kind) and type(field).to_representation is kind.to_representation


def decimal_writer(field):
    """DecimalField.to_representation with its quantum and context made once (DRF copies
    the decimal context and raises 0.1 to the places on every value)."""
    if not (field.coerce_to_string and field.decimal_places is not None
            and not field.localize and not field.normalize_output):
        return field.to_representation
    quantum = decimal.Decimal(".1") ** field.decimal_places
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    rounding = field.rounding

    def write(value):
        if not isinstance(value, decimal.Decimal):
            return field.to_representation(value)
        return f"{value.quantize(quantum, rounding=rounding, context=context):f}"

    return write


def datetime_writer(field):
    """DateTimeField.to_representation of an aware datetime with a strftime format: in the
    current time zone (as DRF's enforce_timezone), formatted."""
    output_format = getattr(field, "format", None)
    if (not isinstance(output_format, str) or output_format.lower() == ISO_8601
            or hasattr(field, "timezone") or not settings.USE_TZ):
        return field.to_representation

    def write(value):
        if isinstance(value, datetime.datetime) and value.utcoffset() is not None:
            return value.astimezone(timezone.get_current_timezone()).strftime(output_format)
        return field.to_representation(value)

    return write


PLAIN_DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"


@extend_schema_field({"type": "string", "pattern": PLAIN_DATETIME_PATTERN,
                      "example": "2020-05-24 12:58:43",
                      "description": "UTC, as the seed prints it (not ISO 8601)."})
class PlainDateTimeField(drf_serializers.DateTimeField):
    """A datetime printed "2020-05-24 12:58:43" (UTC)."""


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$",
                      "example": "13:13:00"})
class PlainTimeField(drf_serializers.TimeField):
    """A time printed "13:13:00" (no zone: the restaurant's clock)."""


def plain_datetime(**kwargs):
    return PlainDateTimeField(format=PLAIN_DATETIME, read_only=True, **kwargs)


def iso_datetime(**kwargs):
    return drf_serializers.DateTimeField(format=ISO_DATETIME, read_only=True, **kwargs)


def money(**kwargs):
    return drf_serializers.DecimalField(max_digits=15, decimal_places=4, read_only=True,
                                        coerce_to_string=True, **kwargs)


@extend_schema_serializer(component_name="RestaurantCustomer")
class ResourceSerializer(PlannedRepresentation, serializers.ModelSerializer):
    """A read-only JSON:API resource: planned printing (PlannedRepresentation), described
    in the schema as its resource object (restaurant.api.schema.ResourceSchema)."""


@extend_schema_serializer(component_name="RestaurantCustomer")
class CustomerSerializer(ResourceSerializer):
    created_at = plain_datetime()

    class Meta:
        model = Customer
        fields = ["id", "first_name", "last_name", "email", "telephone", "created_at"]


@extend_schema_serializer(component_name="RestaurantLocation")
class LocationSerializer(ResourceSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "email", "telephone", "address_1", "city", "postcode"]


@extend_schema_serializer(component_name="RestaurantAddress")
class AddressSerializer(ResourceSerializer):
    customer_id = drf_serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Address
        fields = ["id", "customer_id", "address_1", "address_2", "city", "state", "postcode",
                  "country"]


@extend_schema_serializer(component_name="RestaurantPaymentMethod")
class PaymentMethodSerializer(ResourceSerializer):
    class Meta:
        model = PaymentMethod
        fields = ["code", "name"]  # the code is also the resource id


@extend_schema_serializer(component_name="RestaurantStatus")
class StatusSerializer(ResourceSerializer):
    class Meta:
        model = Status
        fields = ["id", "name", "comment", "notify_customer"]


@extend_schema_serializer(component_name="RestaurantStaff")
class StaffSerializer(ResourceSerializer):
    class Meta:
        model = Staff
        fields = ["id", "name", "email"]


@extend_schema_serializer(component_name="RestaurantStaffGroup")
class StaffGroupSerializer(ResourceSerializer):
    class Meta:
        model = StaffGroup
        fields = ["id", "name"]


@extend_schema_serializer(component_name="RestaurantStatusHistory")
class StatusHistorySerializer(ResourceSerializer):
    status_id = drf_serializers.IntegerField(read_only=True)
    staff_id = drf_serializers.IntegerField(read_only=True, allow_null=True)
    created_at = plain_datetime()

    class Meta:
        model = StatusHistory
        fields = ["id", "status_id", "staff_id", "comment", "notify", "created_at"]


@extend_schema_serializer(component_name="RestaurantOrderMenu")
class OrderMenuSerializer(PlannedRepresentation, drf_serializers.Serializer):
    id = drf_serializers.IntegerField(source="menu_id")
    order_menu_id = drf_serializers.IntegerField(source="pk")
    name = drf_serializers.CharField()
    qty = drf_serializers.IntegerField()
    price = money()
    subtotal = money()
    comment = drf_serializers.CharField()
    options = drf_serializers.JSONField()


@extend_schema_serializer(component_name="RestaurantOrderTotal")
class OrderTotalSerializer(PlannedRepresentation, drf_serializers.Serializer):
    code = drf_serializers.CharField()
    title = drf_serializers.CharField()
    value = money()
    priority = drf_serializers.IntegerField()


@extend_schema_serializer(component_name="RestaurantOrder")
class OrderSerializer(ResourceSerializer):
    """An order resource; every relation in `relationships`, full rows via `include`."""

    included_serializers = {
        "customer": CustomerSerializer,
        "location": LocationSerializer,
        "address": AddressSerializer,
        "payment_method": PaymentMethodSerializer,
        "status": StatusSerializer,
        "assignee": StaffSerializer,
        "assignee_group": StaffGroupSerializer,
        "status_history": StatusHistorySerializer,
    }

    # allow_null: the schema says where null is printed (these fields are read-only).
    customer_id = drf_serializers.IntegerField(read_only=True, allow_null=True)
    location_id = drf_serializers.IntegerField(read_only=True)
    address_id = drf_serializers.IntegerField(read_only=True, allow_null=True)
    order_time = PlainTimeField(format="%H:%M:%S", read_only=True)
    order_date = drf_serializers.SerializerMethodField()
    order_date_time = drf_serializers.SerializerMethodField()
    order_total = money()
    payment = drf_serializers.CharField(source="payment_method_id", read_only=True,
                                        allow_null=True)
    invoice_date = iso_datetime(allow_null=True)
    status_id = drf_serializers.IntegerField(read_only=True, allow_null=True)
    status_updated_at = iso_datetime(allow_null=True)
    assignee_id = drf_serializers.IntegerField(read_only=True, allow_null=True)
    assignee_group_id = drf_serializers.IntegerField(read_only=True, allow_null=True)
    assignee_updated_at = iso_datetime(allow_null=True)
    created_at = plain_datetime()
    updated_at = plain_datetime()
    order_totals = OrderTotalSerializer(many=True, read_only=True)
    order_menus = OrderMenuSerializer(many=True, read_only=True)

    customer = ResourceRelation(read_only=True)
    location = ResourceRelation(read_only=True)
    address = ResourceRelation(read_only=True)
    payment_method = ResourceRelation(read_only=True)
    status = ResourceRelation(read_only=True)
    assignee = ResourceRelation(read_only=True)
    assignee_group = ResourceRelation(read_only=True)
    status_history = ResourceRelation(many=True, read_only=True)

    class Meta:
        model = Order
        prefetched_rows = ORDER_CHILD_ROWS
        fields = [
            "id", "customer_id", "location_id", "address_id", "first_name", "last_name",
            "email", "telephone", "notify", "order_type", "order_time", "order_date",
            "order_date_time", "processed", "total_items", "order_total", "currency",
            "comment", "payment", "invoice_prefix", "invoice_date", "status_id",
            "status_updated_at", "assignee_id", "assignee_group_id", "assignee_updated_at",
            "ip_address", "hash", "user_agent", "created_at", "updated_at", "order_totals",
            "order_menus",
            "customer", "location", "address", "payment_method", "status", "assignee",
            "assignee_group", "status_history",
        ]

    @extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} 00:00:00$",
                          "example": "2020-05-24 00:00:00"})
    def get_order_date(self, order) -> str:
        return order.order_date.strftime("%Y-%m-%d 00:00:00")

    @extend_schema_field({"type": "string", "pattern": PLAIN_DATETIME_PATTERN,
                          "example": "2020-05-24 13:13:00"})
    def get_order_date_time(self, order) -> str:
        return f"{order.order_date:%Y-%m-%d} {order.order_time:%H:%M:%S}"


@extend_schema_serializer(component_name="RestaurantOrderDeleted")
class OrderDeletedSerializer(drf_serializers.Serializer):
    id = drf_serializers.IntegerField()
    object = drf_serializers.CharField()
    deleted = drf_serializers.BooleanField()


@extend_schema_serializer(component_name="RestaurantTokenRequest")
class TokenRequestSerializer(drf_serializers.Serializer):
    email = drf_serializers.EmailField()
    password = drf_serializers.CharField(trim_whitespace=False, min_length=1)
    device_name = drf_serializers.CharField(max_length=255, min_length=1)  # (trimmed)
    abilities = drf_serializers.ListField(child=drf_serializers.CharField(min_length=1),
                                          required=False)


@extend_schema_serializer(component_name="RestaurantTokenResponse")
class TokenResponseSerializer(drf_serializers.Serializer):
    status_code = drf_serializers.IntegerField()
    token = drf_serializers.CharField()


@extend_schema_serializer(component_name="RestaurantErrorSource")
class ErrorSourceSerializer(drf_serializers.Serializer):
    pointer = drf_serializers.CharField(
        required=False, help_text="The body's member at fault: `/data/attributes/<name>`.")
    parameter = drf_serializers.CharField(
        required=False, help_text="The query parameter at fault.")


@extend_schema_serializer(component_name="RestaurantError")
class ErrorObjectSerializer(drf_serializers.Serializer):
    status = drf_serializers.RegexField(r"^[45][0-9]{2}$", help_text="The HTTP status.")
    title = drf_serializers.CharField()
    detail = drf_serializers.CharField(help_text="What was wrong, naming field or value.")
    source = ErrorSourceSerializer(required=False)


@extend_schema_serializer(component_name="RestaurantErrors")
class ErrorsSerializer(drf_serializers.Serializer):
    """The restaurant API's error body (restaurant.api.jsonapi.json_api_errors): JSON:API
    error objects."""

    errors = ErrorObjectSerializer(many=True, min_length=1)
