"""The partner API's response bodies (and its error body), as the OpenAPI schema shows them.

The response serializers are read-only and take rows (`panels.selectors`: dicts of the
columns a page prints, items attached), printed by `LeanRepresentation`: the declared fields
are the schema's source, but a page does not go through DRF's per-field machinery."""

from datetime import UTC

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from panels.inputs import CREATED_AT_FORMAT
from panels.models import CustomerPanelOrder

# The field classes whose to_representation gives back a value of this type unchanged.
UNCHANGED = {
    serializers.IntegerField: int,
    serializers.CharField: str,
    serializers.EmailField: str,
    serializers.SlugField: str,
    serializers.ChoiceField: str,
    serializers.BooleanField: bool,
}


class LeanRepresentation:
    """A read-only serializer's to_representation, planned once per class from its declared
    fields: per field its name, its source key and its to_representation, skipped where the
    value already is what the field would print (an int of an IntegerField, a str of a
    CharField...). A row is a dict (or an object: its attributes)."""

    _plans: dict = {}

    @classmethod
    def representation_plan(cls) -> list[tuple]:
        plan = LeanRepresentation._plans.get(cls)
        if plan is None:
            plan = []
            for name, field in cls().fields.items():
                if field.write_only:
                    continue
                assert field.source != "*" and "." not in field.source, (cls, name)
                unchanged = UNCHANGED.get(type(field))
                if isinstance(field, serializers.ChoiceField) and any(
                        str(value) != value
                        for value in field.choice_strings_to_values.values()):
                    unchanged = None  # (a choice that is not its own string is converted)
                plan.append((name, field.source, unchanged, field.to_representation))
            LeanRepresentation._plans[cls] = plan
        return plan

    def to_representation(self, instance):
        return self.represent_rows([instance])[0]

    def represent_rows(self, rows) -> list[dict]:
        plan = self.representation_plan()
        printed = []
        for row in rows:
            get = row.get if isinstance(row, dict) else row.__getattribute__
            data = {}
            for name, source, unchanged, convert in plan:
                value = get(source)
                if value is None:
                    data[name] = None
                elif type(value) is unchanged:
                    data[name] = value
                else:
                    data[name] = convert(value)
            printed.append(data)
        return printed


class LeanListSerializer(serializers.ListSerializer):
    """Many rows of a LeanRepresentation serializer, planned once for all of them."""

    def to_representation(self, data):
        return self.child.represent_rows(data)


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$",
                      "example": "2017-11-24 10:00:00"})
class PrintedDateTimeField(serializers.DateTimeField):
    """A time as the document prints it (UTC, `2017-11-24 10:00:00`): not ISO 8601."""

    def __init__(self, **kwargs):
        super().__init__(format=CREATED_AT_FORMAT, default_timezone=UTC, **kwargs)


class OrderPanelSerializer(LeanRepresentation, serializers.Serializer):
    """One panel of an order."""

    panel_sku = serializers.CharField(read_only=True)

    class Meta:
        list_serializer_class = LeanListSerializer


class OrderSerializer(LeanRepresentation, serializers.Serializer):
    """An order as the partner API prints it (a row of panels.selectors.order_rows)."""

    id = serializers.IntegerField(read_only=True)
    created_at = PrintedDateTimeField(read_only=True, help_text="When the order was created, "
                                                               "in UTC.")
    customer_id = serializers.IntegerField(read_only=True)
    order_items = OrderPanelSerializer(many=True, read_only=True,
                                      help_text="The panels, in the order they were given.")
    status = serializers.ChoiceField(choices=CustomerPanelOrder.Status.choices, read_only=True)

    class Meta:
        list_serializer_class = LeanListSerializer


class CustomerSerializer(LeanRepresentation, serializers.Serializer):
    """A customer of the partner."""

    id = serializers.IntegerField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    reference_id = serializers.CharField(read_only=True, help_text="Empty when not given.")
    email = serializers.CharField(read_only=True, help_text="Empty when not given.")
    date_of_birth = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        list_serializer_class = LeanListSerializer


class PanelSerializer(LeanRepresentation, serializers.Serializer):
    """A panel that can be ordered."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    sku = serializers.CharField(read_only=True)
    is_license_required = serializers.BooleanField(read_only=True)

    class Meta:
        list_serializer_class = LeanListSerializer


class TokenAuthSerializer(serializers.Serializer):
    """A partner user's credentials."""

    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, min_length=1)


class TokenSerializer(serializers.Serializer):
    """A new API token."""

    token = serializers.CharField(read_only=True, help_text="`Authorization: Bearer <token>`.")


@extend_schema_field({"type": "object", "additionalProperties": {
    "type": "array", "items": {"type": "string"}}})
class FieldErrorsField(serializers.DictField):
    """Each field (or `order_items[0].panel_sku`, `limit`...) at fault, with its messages."""


class PartnerErrorSerializer(serializers.Serializer):
    """The partner API's error body (panels.api.views.render_partner_error)."""

    errors = FieldErrorsField(help_text="Each field or query parameter at fault, with its "
                                        "messages; empty for an error of the whole request.")
    non_field_errors = serializers.ListField(
        child=serializers.CharField(), help_text="What is wrong with the request as a whole.")

    def get_fields(self):
        fields = super().get_fields()
        # (a hyphen is no Python name: the key as the body spells it)
        fields["non-field-errors"] = fields.pop("non_field_errors")
        return fields


__all__ = ["CustomerSerializer", "OrderSerializer", "PanelSerializer", "PartnerErrorSerializer",
           "TokenAuthSerializer", "TokenSerializer"]
