"""The record marketplace's wire format: the seed's order object, field by field."""

import operator
from collections.abc import Callable
from datetime import UTC
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.models import MarketplaceOrder, Record


class CreatedDateField(serializers.DateTimeField):
    """UTC with milliseconds and a Z, like the seed's "2019-02-12T02:16:49.482Z"."""

    def to_representation(self, value):
        value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


# Fields whose to_representation is str() or int() of the value: the identity on the str or
# int their model columns hold, so the lean path copies the value as it is.
PLAIN_FIELDS = (serializers.CharField, serializers.EmailField, serializers.IntegerField,
                serializers.BooleanField)


def representation_of(serializer: serializers.Serializer) -> Callable[[Any], dict]:
    """`serializer.to_representation`, as one function built from its declared fields: one
    C-level attrgetter fetches every field's source, plain fields (PLAIN_FIELDS, exactly
    those classes) are copied, the others converted by their own `to_representation`
    (nested serializers by their own lean function). DRF's generic path costs a
    get_attribute and a to_representation call per field and row, most of a page's time.

    Meant for read-only output serializers whose sources are attributes always present (no
    callables, no null relation in a dotted source); None stays None, as in DRF."""
    fields = [field for field in serializer.fields.values() if not field.write_only]
    names = [field.field_name for field in fields]
    # (a "*" source is the instance itself: a placeholder attribute, replaced below)
    paths = ["__class__" if field.source == "*" else ".".join(field.source_attrs)
             for field in fields]
    converted = []
    for field in fields:
        if isinstance(field, serializers.ListSerializer):
            child = representation_of(field.child)
            if isinstance(field, OneObjectListSerializer):
                convert = lambda value, child=child: [child(value)]  # noqa: E731
            else:
                convert = lambda value, child=child: [child(item) for item in value]  # noqa: E731
        elif isinstance(field, serializers.Serializer):
            convert = representation_of(field)
        elif type(field) in PLAIN_FIELDS:
            continue
        else:
            convert = field.to_representation
        converted.append((field.field_name, field.source == "*", convert))
    fetch = operator.attrgetter(*paths)
    if len(paths) == 1:
        fetch = lambda instance, one=fetch: (one(instance),)  # noqa: E731

    def represent(instance) -> dict:
        ret = dict(zip(names, fetch(instance), strict=True))
        for name, whole, convert in converted:
            if whole:
                ret[name] = convert(instance)
            elif (value := ret[name]) is not None:
                ret[name] = convert(value)
        return ret

    return represent


def row_representation_of(serializer: serializers.Serializer,
                          columns: list[str]) -> Callable[[tuple], dict]:
    """`serializer.to_representation` of a `.values_list(*columns)` row rather than of a
    model object: each field's source is a column (`record.public_id` is
    "record__public_id"), appended to `columns` as it is first met; a nested serializer
    reads the same row under its source's prefix ("*": the same prefix). A read-only page
    then creates no model object (~150 a page of orders).

    Built as the source of one function, a dict display of the row's items in the fields'
    order (as a hand-written view would: `{"_id": row[1], ...}`), compiled once per class:
    an interpreted walk over the fields cost a call per nested object and field per row.
    Plain fields (PLAIN_FIELDS) are the column's value, the others the field's own
    to_representation of it; None stays None. For the same serializers as
    `representation_of`, with one-to-one sources only (a many relation has no column)."""
    converters: dict[str, Callable] = {}

    def item(column: str) -> str:
        if column not in columns:
            columns.append(column)
        return f"row[{columns.index(column)}]"

    def display(serializer: serializers.Serializer, prefix: str) -> str:
        entries = []
        for field in serializer.fields.values():
            if field.write_only:
                continue
            if isinstance(field, serializers.ListSerializer | serializers.Serializer):
                many = isinstance(field, serializers.ListSerializer)
                if many and not isinstance(field, OneObjectListSerializer):
                    raise TypeError(f"{field.field_name}: a many relation is not one row's")
                nested = display(field.child if many else field, prefix if field.source == "*"
                                 else prefix + "__".join(field.source_attrs) + "__")
                value = f"[{nested}]" if many else nested
            else:
                value = item(prefix + "__".join(field.source_attrs))
                if type(field) not in PLAIN_FIELDS:
                    name = f"convert{len(converters)}"
                    converters[name] = field.to_representation
                    value = f"(None if {value} is None else {name}({value}))"
            entries.append(f"{field.field_name!r}: {value}")
        return "{" + ", ".join(entries) + "}"

    source = f"def represent(row):\n    return {display(serializer, '')}\n"
    namespace = dict(converters)
    exec(compile(source, f"<{type(serializer).__name__} rows>", "exec"), namespace)
    return namespace["represent"]


class LeanRepresentation:
    """A read-only serializer whose to_representation is `representation_of` it, built
    once per class: the declared fields stay the schema's and the output's one source.
    `row_columns()` and `represent_rows()` are the same output from `.values_list()` rows
    (row_representation_of), for the read-only pages."""

    @classmethod
    def lean_representation(cls) -> Callable[[Any], dict]:
        if "_lean" not in cls.__dict__:
            cls._lean = representation_of(cls())
        return cls._lean

    @classmethod
    def row_plan(cls) -> tuple[tuple[str, ...], Callable[[tuple], dict]]:
        if "_row_plan" not in cls.__dict__:
            columns: list[str] = []
            represent = row_representation_of(cls(), columns)
            cls._row_plan = (tuple(columns), represent)
        return cls._row_plan

    @classmethod
    def row_columns(cls) -> tuple[str, ...]:
        """The columns a row must hold, in their order: `.values_list(*row_columns())`."""
        return cls.row_plan()[0]

    @classmethod
    def represent_rows(cls, rows) -> list[dict]:
        represent = cls.row_plan()[1]
        return [represent(row) for row in rows]

    def to_representation(self, instance):
        return self.lean_representation()(instance)


class OneObjectListSerializer(serializers.ListSerializer):
    """The origin wraps each *_info object in a list holding that one object."""

    def to_representation(self, data):
        return [self.child.to_representation(data)]


class InfoSerializer(serializers.Serializer):
    class Meta:
        list_serializer_class = OneObjectListSerializer


class MarketplaceCustomerInfoSerializer(InfoSerializer):
    username = serializers.CharField()
    email = serializers.EmailField()
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")


class MarketplaceShippingInfoSerializer(InfoSerializer):
    shipping_address1 = serializers.CharField()
    shipping_address2 = serializers.CharField(allow_blank=True)
    shipping_city = serializers.CharField()
    shipping_state = serializers.CharField()
    shipping_zip = serializers.CharField()


class MarketplaceBillingInfoSerializer(InfoSerializer):
    paypal_email = serializers.EmailField()
    billing_address1 = serializers.CharField(allow_blank=True)
    billing_address2 = serializers.CharField(allow_blank=True)
    billing_city = serializers.CharField(allow_blank=True)
    billing_state = serializers.CharField(allow_blank=True)
    billing_zip = serializers.CharField(allow_blank=True)


class MarketplaceMerchantInfoSerializer(InfoSerializer):
    """The snapshot of the merchant taken when the order was placed."""

    merchant_id = serializers.CharField(source="merchant.public_id")
    companyName = serializers.CharField(source="merchant_company_name")
    primaryContact = serializers.CharField(source="merchant_primary_contact")
    phoneNumber = serializers.CharField(source="merchant_phone_number")


class MarketplaceOrderSerializer(LeanRepresentation, serializers.ModelSerializer):
    """The seed's order object. Expects the order with its record, merchant and customer
    loaded (selectors do that), so a page of orders is one query."""

    status = serializers.ChoiceField(choices=MarketplaceOrder.Status.choices, read_only=True)
    _id = serializers.CharField(source="public_id", read_only=True)
    record_id = serializers.CharField(source="record.public_id", read_only=True)
    merchant_id = serializers.CharField(source="merchant.public_id", read_only=True)
    customer_info = MarketplaceCustomerInfoSerializer(source="customer", many=True, read_only=True)
    shipping_info = MarketplaceShippingInfoSerializer(source="*", many=True, read_only=True)
    billing_info = MarketplaceBillingInfoSerializer(source="*", many=True, read_only=True)
    merchant_info = MarketplaceMerchantInfoSerializer(source="*", many=True, read_only=True)
    comments = serializers.ListField(child=serializers.CharField(), read_only=True)
    _createdBy = serializers.CharField(source="customer.public_id", read_only=True)
    created_date = CreatedDateField(source="created_at", read_only=True)

    class Meta:
        model = MarketplaceOrder
        fields = ["status", "_id", "record_id", "merchant_id", "customer_info",
                  "shipping_info", "billing_info", "merchant_info", "comments", "_createdBy",
                  "created_date"]

    def get_fields(self):
        fields = super().get_fields()
        # "__v" cannot be a class attribute (Python mangles double-underscore names).
        fields["__v"] = serializers.IntegerField(source="version", read_only=True)
        return fields


class MarketplaceRecordSerializer(LeanRepresentation, serializers.ModelSerializer):
    """A record for sale, as the API answers it."""

    _id = serializers.CharField(source="public_id", read_only=True)
    merchant_id = serializers.CharField(source="merchant.public_id", read_only=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False,
                                     min_value=0, read_only=True, help_text="USD.")
    created_date = CreatedDateField(source="created_at", read_only=True)

    class Meta:
        model = Record
        fields = ["_id", "merchant_id", "artist", "title", "price", "condition", "comments",
                  "created_date"]
        read_only_fields = fields  # an answer: every field is always there


@extend_schema_field({"type": "string", "minLength": 1, "pattern": "^[^\\u0000]*$"})
class PasswordField(serializers.CharField):
    """A password as given (not stripped, not blank; NUL is refused by the parsers)."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)


class MarketplaceLogInSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = PasswordField()


class MarketplaceLogInResponseSerializer(serializers.Serializer):
    def get_fields(self):
        return {"secret token": serializers.CharField(read_only=True)}


class MarketplaceMessageSerializer(serializers.Serializer):
    """A DELETE's answer (200 with this body, as the seed shows)."""

    success_message = serializers.CharField()
    response_code = serializers.IntegerField(min_value=200, max_value=200)


class MarketplaceErrorSerializer(serializers.Serializer):
    """The origin's error body (views.render_marketplace_error), for every 4xx."""

    error_message = serializers.CharField(
        help_text="What was wrong, naming the field, parameter or id at fault.")
    response_code = serializers.IntegerField(
        min_value=400, max_value=499, help_text="The response's HTTP status, repeated.")
