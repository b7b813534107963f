"""BodyRules: a body serializer's own validation, run without a serializer per body,
accepts, rejects and names faults exactly as `Serializer(data=...).is_valid()` does."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.http import QueryDict
from rest_framework import serializers

from orders.inputs import BodyRules, InputError, InputErrors


class LineBody(serializers.Serializer):
    sku = serializers.CharField(max_length=10)
    quantity = serializers.IntegerField(min_value=1, max_value=99)


class OrderBody(serializers.Serializer):
    reference = serializers.CharField(max_length=20)
    note = serializers.CharField(required=False, allow_blank=True)
    rush = serializers.BooleanField(default=False)
    lines = LineBody(many=True, allow_empty=False, max_length=3)

    def validate_reference(self, value):
        if value.startswith("x"):
            raise serializers.ValidationError("A reference never starts with x.")
        return value

    def validate(self, attrs):
        if attrs.get("rush") and len(attrs["lines"]) > 1:
            raise serializers.ValidationError({"rush": ["A rush order has one line."]})
        return attrs


class Address(serializers.Serializer):
    city = serializers.CharField(max_length=30, trim_whitespace=False)
    zip = serializers.CharField(required=False, allow_null=True, min_length=3)


class RichBody(serializers.Serializer):
    """Every kind of field the compiled checks take, and some they leave to DRF."""

    kind = serializers.ChoiceField(choices=[("a", "A"), ("b", "B")])
    tags = serializers.ListField(child=serializers.CharField(max_length=5), max_length=3,
                                 required=False)
    count = serializers.IntegerField(min_value=0, default=1)
    price = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    ship_to = Address(required=False, allow_null=True)
    label = serializers.CharField(source="title", required=False, allow_null=True)
    email = serializers.EmailField(required=False)


RULES = BodyRules(OrderBody)
RICH_BODIES = [
    {"kind": "a"},
    {"kind": "b", "tags": [" x ", "y"], "count": 0, "price": "12.30", "label": " L ",
     "ship_to": {"city": " Oslo ", "zip": None}, "email": "a@b.co", "unknown": 5},
    {"kind": "c"}, {"kind": 1}, {"kind": ""}, {"kind": "a", "tags": []},
    {"kind": "a", "tags": ["toolong"]}, {"kind": "a", "tags": "x"},
    {"kind": "a", "count": -1}, {"kind": "a", "count": "7"}, {"kind": "a", "count": True},
    {"kind": "a", "count": 1.0}, {"kind": "a", "price": 12.345},
    {"kind": "a", "ship_to": None}, {"kind": "a", "ship_to": {"city": "  "}},
    {"kind": "a", "ship_to": {"city": "x", "zip": "12"}}, {"kind": "a", "ship_to": "Oslo"},
    {"kind": "a", "label": None}, {"kind": "a", "label": "nul\x00"},
    {"kind": "a", "label": "\ud800"}, {"kind": "a", "email": "not-an-email"},
    {"kind": "a", "label": 5},
]

BODIES = [
    {"reference": "A-1", "lines": [{"sku": "s", "quantity": "3"}]},
    {"reference": "A-1", "note": "", "rush": "true", "lines": [{"sku": "s", "quantity": 3}]},
    {},
    {"reference": "x-1", "lines": []},
    {"reference": "A" * 21, "lines": [{"sku": "s" * 11, "quantity": 0}, {"quantity": "z"}]},
    {"reference": "A-1", "rush": True, "lines": [{"sku": "a", "quantity": 1}] * 2},
    {"reference": "A-1", "lines": [{"sku": "a", "quantity": 1}] * 4},
    {"reference": ["a"], "lines": "nope"},
    [1, 2],
    "text",
]


@pytest.mark.parametrize("body", BODIES)
def test_parse_agrees_with_is_valid(body):
    serializer = OrderBody(data=body)
    if serializer.is_valid():
        assert RULES.parse(body) == serializer.validated_data
    else:
        with pytest.raises(InputErrors) as caught:
            RULES.parse(body)
        assert caught.value.detail == serializer.errors


@pytest.mark.parametrize("body", RICH_BODIES)
def test_parse_agrees_with_is_valid_on_every_kind_of_field(body):
    serializer = RichBody(data=body)
    rules = BodyRules(RichBody)
    if serializer.is_valid():
        assert rules.parse(body) == serializer.validated_data
    else:
        with pytest.raises(InputErrors) as caught:
            rules.parse(body)
        assert caught.value.detail == serializer.errors


def test_faults_are_named_flat_as_the_apis_name_them():
    with pytest.raises(InputErrors) as caught:
        RULES.parse({"reference": "x-1", "lines": [{"sku": "ok", "quantity": 1},
                                                   {"sku": "ok", "quantity": 100}]})
    assert caught.value.pairs() == [
        ("reference", "A reference never starts with x."),
        ("lines[1].quantity", "Ensure this value is less than or equal to 99."),
    ]


def test_partial_leaves_absent_fields_out():
    assert RULES.parse({"note": "n"}, partial=True) == {"note": "n"}
    with pytest.raises(InputErrors) as caught:
        RULES.parse({"note": "n"})
    assert set(caught.value.as_dict()) == {"reference", "lines"}


def test_a_form_body_is_read_as_drf_reads_it():
    class FlatBody(serializers.Serializer):
        reference = serializers.CharField(max_length=5)
        rush = serializers.BooleanField(default=False)

    form = QueryDict("reference=A-1&rush=on")
    serializer = FlatBody(data=form)
    assert serializer.is_valid()
    assert BodyRules(FlatBody).parse(form) == serializer.validated_data == {
        "reference": "A-1", "rush": True}


def test_one_rules_object_serves_many_threads():
    bodies = [{"reference": f"R-{i}", "lines": [{"sku": f"s{i % 7}", "quantity": i % 99 + 1}]}
              for i in range(400)]
    with ThreadPoolExecutor(8) as pool:
        parsed = list(pool.map(RULES.parse, bodies))
    assert [p["reference"] for p in parsed] == [b["reference"] for b in bodies]
    assert [p["lines"][0]["quantity"] for p in parsed] == [i % 99 + 1 for i in range(400)]


def test_errors_made_of_single_faults_group_by_field():
    errors = InputErrors.of(InputError("a", "one"), InputError("a", "two"), InputError("", "all"))
    assert errors.as_dict() == {"a": ["one", "two"], "non_field_errors": ["all"]}
