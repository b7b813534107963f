"""DRF fields, django-filter filters and query-parameter readers built on orders.inputs, so
every API parses an integer or a time the same strict, bounded way and names the field or
parameter at fault (a 400/422 in the domain's body, never a database error)."""

import math
import re
from datetime import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.inputs import BIGINT_MAX, InputError, parse_datetime_bounded, short_repr, strict_int


class StrictIntegerField(serializers.Field):
    """A body integer: a JSON integer or a string of ASCII digits, within bounds (default
    1 to a bigint, an id). `true`, `1.5`, `"²"` and 5,000 digits are refused."""

    def __init__(self, *, min_value: int | None = 1, max_value: int | None = BIGINT_MAX,
                 **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return strict_int(data, minimum=self.min_value, maximum=self.max_value)
        except InputError as error:
            raise serializers.ValidationError(error.message) from None

    def to_representation(self, value):
        return value


class StrictIntegerFieldSchema(OpenApiSerializerFieldExtension):
    """In the OpenAPI schema: an integer with its bounds."""

    target_class = StrictIntegerField

    def map_serializer_field(self, auto_schema, direction):
        schema = build_basic_type(OpenApiTypes.INT64)
        if self.target.min_value is not None:
            schema["minimum"] = self.target.min_value
        if self.target.max_value is not None:
            schema["maximum"] = self.target.max_value
        return schema


class StrictIntegerFormField(forms.Field):
    def __init__(self, *, min_value: int | None = None, max_value: int | None = BIGINT_MAX,
                 **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return strict_int(value, minimum=self.min_value, maximum=self.max_value)
        except InputError as error:
            raise forms.ValidationError(error.message, code="invalid") from None


class BoundedDateTimeFormField(forms.Field):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_datetime_bounded(value)
        except InputError as error:
            raise forms.ValidationError(error.message, code="invalid") from None


class StrictIntegerFilter(django_filters.Filter):
    """An integer query parameter (an id by default: up to a bigint)."""

    field_class = StrictIntegerFormField


# A time bound as the schema states it: ISO 8601 with a zone, from the year 1900, offsets
# within 15:59 (what the database takes), or empty for no bound. The parser also takes other
# ISO 8601 spellings (a bare date is its midnight UTC); generated clients send this one.
DATETIME_BOUND_SCHEMA = {"anyOf": [
    {"type": "string", "format": "date-time",
     "pattern": r"^(19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9]"
                r"(\.[0-9]+)?(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])$"},
    {"type": "string", "maxLength": 0},
]}


@extend_schema_field(DATETIME_BOUND_SCHEMA)
class BoundedDateTimeFilter(django_filters.Filter):
    """An ISO 8601 time query parameter (a bare date is its midnight UTC), within what the
    database takes: `+16:00` or year 10000 are a 400 naming the parameter."""

    field_class = BoundedDateTimeFormField

    def __init__(self, *args, **kwargs):
        if "label" not in kwargs and kwargs.get("lookup_expr") in ("gte", "lte"):
            side = "after" if kwargs["lookup_expr"] == "gte" else "before"
            kwargs["label"] = (f"Rows at or {side} this time (ISO 8601, e.g. "
                               "`2017-02-27T12:00:00Z`; a bare date is its midnight UTC).")
        super().__init__(*args, **kwargs)


def query_datetime(request, name: str) -> datetime | None:
    """An optional ISO 8601 time query parameter, bounded; a bad one is a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_datetime_bounded(raw, field=name)
    except InputError as error:
        raise ValidationError({name: [error.message]}) from None


ASCII_DIGITS = re.compile(r"\s*([+-]?)[0-9]+\s*\Z", re.ASCII)


def query_int(request, name: str, *, default: int | None, minimum: int = 0,
              maximum: int = BIGINT_MAX) -> int | None:
    """An integer query parameter, parsed by orders.inputs.strict_int (ASCII digits: `²`
    and `1e3` are not integers); one that is not an integer or is out of bounds (5,000
    digits are beyond any) is a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = strict_int(raw, field=name, minimum=None, maximum=None)
        shown = value
    except InputError:
        digits = ASCII_DIGITS.match(raw)
        if digits is None:
            raise ValidationError(
                {name: [f"must be an integer, got {short_repr(raw)}."]}) from None
        # More digits than strict_int reads: beyond the bound on its side.
        value, shown = (-math.inf if digits.group(1) == "-" else math.inf), short_repr(raw)
    if value < minimum:
        raise ValidationError({name: [f"must be at least {minimum}, got {shown}."]})
    if value > maximum:
        raise ValidationError({name: [f"must be at most {maximum}, got {shown}."]})
    return value


class NamedFiltersBackend(DjangoFilterBackend):
    """django-filter's backend, skipping the FilterSet (its form, its fields' choices, its
    validation: a tenth of a page) for a request that names none of its filters: there is
    nothing to filter or refuse."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        names = filterset_class.base_filters if filterset_class else ()
        if not any(param == name or param.startswith(f"{name}_")  # (a range's name_after)
                   for param in request.query_params for name in names):
            return queryset
        return super().filter_queryset(request, queryset, view)
