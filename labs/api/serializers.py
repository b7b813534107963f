"""The lab API's response bodies (and its error body), as the OpenAPI schema shows them.

The response serializers are read-only and print rows: dicts of the columns a page prints
(`RowSerializer.columns()`, fetched with `.values()`), a nested object's columns in the same
row under its prefix (`orderer__email`), a nested list as a list of child rows the view
attaches (`samples`). `RowSerializer` prints them through a plan built once per class from
the declared fields: the fields stay the schema's source, but a page does not go through
DRF's per-field machinery (a field lookup, `get_attribute` and `to_representation` per value).
"""

from datetime import UTC

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from labs.models import Assay, LabOrder, Orderer, Product, Sample, Sku, Test

# The field classes whose to_representation gives a database value of this type back
# unchanged: the plan skips the call.
UNCHANGED = {
    serializers.IntegerField: int,
    serializers.CharField: str,
    serializers.EmailField: str,
    serializers.ChoiceField: str,
    serializers.BooleanField: bool,
}

MILLISECOND_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"


@extend_schema_field({"type": "string", "format": "date-time", "pattern": MILLISECOND_PATTERN,
                      "example": "2025-11-13T19:47:00.000Z"})
class MillisecondDateTimeField(serializers.DateTimeField):
    """The seed's times: "2025-11-13T19:47:00.000Z", UTC with milliseconds."""

    def to_representation(self, value):
        if value is None:
            return None
        value = value.astimezone(UTC)
        return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def represent(plan: list[tuple], row: dict) -> dict:
    """`row` printed by `plan` (RowSerializer.plan)."""
    data = {}
    for name, key, unchanged, convert, nested in plan:
        if nested is None:
            value = row[key]
            data[name] = value if value is None or type(value) is unchanged else convert(value)
        elif key is None:  # a nested object: its columns are in this row
            data[name] = represent(nested, row)
        else:  # a nested list: the child rows attached under `key`
            data[name] = [represent(nested, child) for child in row[key]]
    return data


class RowSerializer(serializers.ModelSerializer):
    # A response serializer of rows (see the module's docstring; no docstring here, which
    # drf-spectacular would show as each subclass's description). Every field is required:
    # each is always printed, and the schema says so.

    _plans: dict = {}  # (class, prefix) -> plan; class -> columns
    _columns: dict = {}

    def get_extra_kwargs(self):
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra.setdefault(name, {})["required"] = True
        return extra

    @classmethod
    def plan(cls, prefix: str = "") -> list[tuple]:
        """Per printed field: its name, its row key (None for a nested object, whose own
        plan reads this row under its prefix), the type it prints unchanged, its
        to_representation and its nested plan; built once per class and prefix."""
        plan = RowSerializer._plans.get((cls, prefix))
        if plan is None:
            plan = []
            for name, field in cls().fields.items():
                source = field.source.replace(".", "__")
                if isinstance(field, serializers.ListSerializer):
                    plan.append((name, source, None, None, type(field.child).plan()))
                elif isinstance(field, RowSerializer):
                    plan.append((name, None, None, None, type(field).plan(f"{prefix}{source}__")))
                else:
                    unchanged = UNCHANGED.get(type(field))
                    choices = getattr(field, "choice_strings_to_values", {})
                    if any(str(value) != value for value in choices.values()):
                        unchanged = None  # (a choice that is not its own string is converted)
                    plan.append((name, prefix + source, unchanged, field.to_representation, None))
            RowSerializer._plans[(cls, prefix)] = plan
        return plan

    @classmethod
    def columns(cls) -> list[str]:
        """The row's keys for `.values()`: every printed column, nested objects' included
        (nested lists are attached rows, fetched by a query of their own)."""
        def keys(plan):
            for _, key, _, _, nested in plan:
                if nested is None:
                    yield key
                elif key is None:
                    yield from keys(nested)

        columns = RowSerializer._columns.get(cls)
        if columns is None:
            columns = RowSerializer._columns[cls] = list(keys(cls.plan()))
        return columns

    def to_representation(self, instance):
        return represent(type(self).plan(), instance)


class LabOrdererSerializer(RowSerializer):
    """The person of the company who ordered."""

    class Meta:
        model = Orderer
        fields = ["email", "name"]


class LabProductSummarySerializer(RowSerializer):
    """A sku's product."""

    class Meta:
        model = Product
        fields = ["id", "name"]


class LabSkuSerializer(RowSerializer):
    """A sku with its product."""

    serving_size_grams = serializers.DecimalField(
        max_digits=10, decimal_places=3, coerce_to_string=False, allow_null=True,
        help_text="Grams, a JSON number with up to 3 decimals; null when not known.")
    product = LabProductSummarySerializer()

    class Meta:
        model = Sku
        fields = ["id", "name", "code", "serving_size_grams", "product"]


class LabSkuSummarySerializer(LabSkuSerializer):
    """A product's sku."""

    class Meta(LabSkuSerializer.Meta):
        fields = ["id", "name", "code", "serving_size_grams"]


class LabProductSerializer(RowSerializer):
    """A product with its skus."""

    skus = LabSkuSummarySerializer(many=True, help_text="In id order.")

    class Meta:
        model = Product
        fields = ["id", "name", "skus"]


class LabAssaySerializer(RowSerializer):
    """What a test measures."""

    class Meta:
        model = Assay
        fields = ["id", "name"]


class LabSampleTestSerializer(RowSerializer):
    """A test of a sample."""

    created_at = MillisecondDateTimeField()
    updated_at = MillisecondDateTimeField()
    assay = LabAssaySerializer()

    class Meta:
        model = Test
        fields = ["id", "status", "created_at", "updated_at", "assay"]


class LabSampleSerializer(RowSerializer):
    """A sample of an order, with its sku and its tests."""

    sku = LabSkuSerializer()
    tests = LabSampleTestSerializer(many=True, help_text="In id order.")

    class Meta:
        model = Sample
        fields = ["id", "lot", "sku", "batch", "composite", "number_of_composites", "tests"]


class LabOrderSerializer(RowSerializer):
    """An order as a list prints it."""

    ordered_at = MillisecondDateTimeField(allow_null=True,
                                          help_text="Null until the order is placed.")
    paid_at = MillisecondDateTimeField(allow_null=True,
                                       help_text="Null until it is paid.")
    date_received = MillisecondDateTimeField(allow_null=True,
                                             help_text="Null until the lab receives it.")
    created_at = MillisecondDateTimeField()
    updated_at = MillisecondDateTimeField()
    orderer = LabOrdererSerializer()

    class Meta:
        model = LabOrder
        fields = ["id", "status", "payment_status", "ordered_at", "paid_at", "date_received",
                  "created_at", "updated_at", "orderer"]


class LabOrderDetailSerializer(LabOrderSerializer):
    """An order with its samples and their tests."""

    samples = LabSampleSerializer(many=True, help_text="In id order.")

    class Meta(LabOrderSerializer.Meta):
        fields = [*LabOrderSerializer.Meta.fields, "samples"]


class LabTestSampleSerializer(RowSerializer):
    """The sample a test is of, with its sku."""

    sku = LabSkuSerializer()

    class Meta:
        model = Sample
        fields = ["id", "lot", "sku", "batch", "composite", "number_of_composites"]


class LabTestOrderSerializer(RowSerializer):
    """The order a test belongs to."""

    class Meta:
        model = LabOrder
        fields = ["id", "status", "payment_status"]


class LabTestSerializer(LabSampleTestSerializer):
    """A test on its own: with its sample and a summary of its order."""

    sample = LabTestSampleSerializer()
    order = LabTestOrderSerializer(source="sample.order")

    class Meta(LabSampleTestSerializer.Meta):
        fields = [*LabSampleTestSerializer.Meta.fields, "sample", "order"]


class LabErrorSerializer(serializers.Serializer):
    """The lab API's error body (labs.api.views.render_lab_error)."""

    error = serializers.CharField(
        help_text="What was wrong; names the parameter and the value at fault "
                  "(`per_page: must be at most 100, got 101.`).")
