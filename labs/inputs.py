"""Labs order input: a body (an import record, the admin's add form) as typed values.

Labs' API is read-only (its seed); orders come from the operators, by import or in the
admin, and both parse here with the same serializers, so they accept and reject the same
input with the same messages. No database access: a company, sku or assay stays an id;
`labs.selectors.order_references_check` resolves a batch's references afterwards, one
query per kind.

An order (the admin's body; an import record is the same, with what it carries beside):

    {"external_id": "lims-0001", "orderer": {"email": "dev@lightlabs.com",
                                             "name": "Development User"},
     "samples": [{"sku_id": 16, "assay_ids": [69, 243], "lot": "L-1", "batch": null,
                  "composite": false, "number_of_composites": 1}]}

An import record adds `company_id`; may give the orderer flat (`orderer_email`, and
`orderer_name`, which may be left out for an orderer the company has); may carry the
order's life as an export writes it (`status`, `payment_status`, `ordered_at`, `paid_at`,
`date_received`, `created_at`, `updated_at`); and a sample may give its `tests` (each
`{assay_id, status, created_at, updated_at}`) in place of `assay_ids`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from labs.models import LabOrder, Test
from orders.inputs import (
    BIGINT_MAX,
    BodyRules,
    InputError,
    InputErrors,
    import_datetime,
    short_repr,
    text_problem,
)

MAX_COMPOSITES = 1000
ORDER_STATUSES = tuple(LabOrder.Status.values)
PAYMENT_STATUSES = tuple(LabOrder.PaymentStatus.values)
TEST_STATUSES = tuple(Test.Status.values)
TEST_DONE = (Test.Status.COMPLETED, Test.Status.CANCELED)
NOT_STARTED = Test.Status.NOT_STARTED.value
CREATED, DRAFT = LabOrder.Status.CREATED.value, LabOrder.PaymentStatus.DRAFT.value
EXPORT_PREFIX = "labs-"  # export_orders' key for an order without an external id
ORDER_TIMES = ("ordered_at", "paid_at", "date_received", "created_at", "updated_at")


# --- typed values -------------------------------------------------------------------


class TestInput(NamedTuple):
    __test__ = False  # not a pytest test class

    assay_id: int
    status: str
    created_at: datetime
    updated_at: datetime


class SampleInput(NamedTuple):
    sku_id: int
    lot: str | None
    batch: str | None
    composite: bool
    number_of_composites: int
    tests: tuple[TestInput, ...]
    tests_given: bool  # given as `tests` (else `assay_ids`): how an error names them


class OrderInput(NamedTuple):
    """One order, validated; references are ids (and the orderer its company's email)."""

    external_id: str | None
    company_id: int | None  # None in the admin, which picks the company itself
    orderer_email: str
    orderer_name: str | None  # None: left out, for an orderer the company has
    orderer_flat: bool  # given as orderer_email/orderer_name (how errors name them)
    status: str
    payment_status: str
    ordered_at: datetime | None
    paid_at: datetime | None
    date_received: datetime | None
    created_at: datetime
    updated_at: datetime
    samples: tuple[SampleInput, ...]

    def __reduce__(self):
        """Pickled compactly (an import sends each order to its writer process): plain
        tuples, times as microseconds since the epoch; an aware datetime pickles 20
        times slower than an integer."""
        return (_order_unpacked, (
            *self[:7], *map(_microseconds, self[7:12]),
            tuple((*sample[:5], tuple((test[0], test[1], _microseconds(test[2]),
                                       _microseconds(test[3])) for test in sample[5]),
                   sample[6]) for sample in self.samples)))

    @property
    def orderer_fields(self) -> tuple[str, str]:
        """How this order's input names its orderer's email and name."""
        return (("orderer_email", "orderer_name") if self.orderer_flat
                else ("orderer.email", "orderer.name"))

    def assay_field(self, index: int, number: int) -> str:
        """How the input names the assay of test `number` of sample `index`."""
        if self.samples[index].tests_given:
            return f"samples[{index}].tests[{number}].assay_id"
        return f"samples[{index}].assay_ids"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _microseconds(value: datetime | None) -> int | None:
    return None if value is None else (value - _EPOCH) // _MICROSECOND


def _at(microseconds: int | None) -> datetime | None:
    return None if microseconds is None else _EPOCH + timedelta(microseconds=microseconds)


def _order_unpacked(*values) -> OrderInput:
    new = tuple.__new__
    samples = tuple(
        new(SampleInput, (*sample[:5], tuple(
            new(TestInput, (test[0], test[1], _at(test[2]), _at(test[3])))
            for test in sample[5]), sample[6]))
        for sample in values[12])
    return new(OrderInput, (*values[:7], *map(_at, values[7:12]), samples))


# --- the rules of single values ----------------------------------------------------------


def _fail(message: str):
    raise serializers.ValidationError(message)


def reference_id(noun: str):
    """An id of a `noun` row: an integer a primary key can hold, else no such row."""

    def check(value):
        if type(value) is int and 1 <= value <= BIGINT_MAX:
            return value
        _fail(f"No {noun} with id {short_repr(value)}.")

    return check


def optional_text(max_length: int):
    """A short text, or None (an empty one is None too)."""

    def check(value):
        if value is None or value == "":
            return None
        if type(value) is not str:
            _fail(f"Must be a text, got {short_repr(value)}.")
        if len(value) > max_length:
            _fail(f"Must be at most {max_length} characters.")
        if problem := text_problem(value):
            _fail(problem)
        return value

    return check


def email_address(value) -> str:
    """An email address, stripped and lowercased."""
    email = (value if type(value) is str else str(value or "")).strip().lower()
    if problem := text_problem(email):
        _fail(problem)
    try:
        validate_email(email)
    except DjangoValidationError:
        _fail(f"Enter a valid email address, got {short_repr(email)}.")
    return email


def orderer_name(value) -> str | None:
    """An orderer's name; None when left out (an import may, for a known orderer)."""
    if value is None or value == "":
        return None
    if type(value) is not str:
        _fail(f"Must be a text, got {short_repr(value)}.")
    name = value.strip()
    if problem := text_problem(name):
        _fail(problem)
    if len(name) > 200:
        _fail("Must be at most 200 characters.")
    return name or None


NAME_REQUIRED = "An orderer name is required."


def orderer_name_required(value) -> str:
    name = orderer_name(value)
    if name is None:
        _fail(NAME_REQUIRED)
    return name


def choice(choices: tuple[str, ...], default: str):
    """One of `choices`; null is the default (as an export of a draft may say)."""

    def check(value):
        if value is None:
            return default
        if type(value) is str and value in choices:
            return value
        _fail(f"{short_repr(value)} is not one of: {', '.join(choices)}.")

    return check


def true_or_false(value) -> bool:
    if value is True or value is False:
        return value
    _fail(f"Must be true or false, got {short_repr(value)}.")


def composites(value) -> int:
    if type(value) is int and 1 <= value <= MAX_COMPOSITES:
        return value
    _fail(f"Must be an integer from 1 to {MAX_COMPOSITES}, got {short_repr(value)}.")


def time_of(field: str):
    def check(value):
        try:
            return import_datetime(value, field=field)
        except InputError as exc:
            _fail(exc.message)

    return check


def assay_ids(value) -> list[int]:
    if type(value) is not list or not value:
        _fail("At least one assay id is required.")
    check = reference_id("assay")
    problems = []
    for assay_id in value:
        try:
            check(assay_id)
        except serializers.ValidationError as exc:
            problems.extend(exc.detail)
    if problems:
        raise serializers.ValidationError(problems)
    return value


class Rule(serializers.Field):
    """A field whose whole rule is one function, `check(value) -> value` raising
    ValidationError with the message; `missing` is its value when absent (or, when
    `required`, the message). It runs the check alone: a DRF field's own steps (empty
    values, validators) cost more than a labs rule, and an import runs millions."""

    def __init__(self, check, *, missing=None, required_message: str | None = None,
                 **kwargs):
        self.check = check
        self.missing = missing
        self.required_message = required_message
        super().__init__(required=required_message is not None, **kwargs)

    def run_validation(self, data=empty):
        if data is empty:
            if self.required_message is not None:
                _fail(self.required_message)
            return self.missing
        return self.check(data)

    def to_internal_value(self, data):
        return self.check(data)

    def to_representation(self, value):
        return value


def field(check, schema=OpenApiTypes.STR, **kwargs) -> Rule:
    """A Rule, described in the OpenAPI schema as `schema`."""
    return extend_schema_field(schema)(Rule(check, **kwargs))


ID_LIST = {"type": "array", "items": {"type": "integer", "format": "int64"}}


def list_of(child, *, message: str, empty_message: str | None = None, **kwargs):
    """A list of `child` bodies whose faults (not a list, empty, absent) say `message`."""
    formatted = braces_kept(message)
    return serializers.ListSerializer(
        child=child, allow_empty=False, error_messages={
            "not_a_list": formatted, "empty": empty_message or message,
            "required": formatted, "null": formatted}, **kwargs)


def braces_kept(message: str) -> str:
    """A message as DRF's error_messages take it (it formats them: `{` is `{{`)."""
    return message.replace("{", "{{").replace("}", "}}")


ORDERER_REQUIRED = "An orderer {email, name} is required."


# --- the bodies --------------------------------------------------------------------------


class OrdererSerializer(serializers.Serializer):
    default_error_messages = {"invalid": braces_kept(ORDERER_REQUIRED)}

    email = field(email_address, required_message="Enter a valid email address, got ''.")
    name = field(orderer_name_required, required_message=NAME_REQUIRED)


class SampleSerializer(serializers.Serializer):
    """A sample of the admin's body: its sku and the assays to run on it."""

    default_error_messages = {"invalid": "A sample must be an object."}

    sku_id = field(reference_id("sku"), OpenApiTypes.INT64,
                   required_message="No sku with id None.")
    assay_ids = field(assay_ids, ID_LIST, required_message="At least one assay id is required.")
    lot = field(optional_text(100))
    batch = field(optional_text(100))
    composite = field(true_or_false, OpenApiTypes.BOOL, missing=False)
    number_of_composites = field(composites, OpenApiTypes.INT, missing=1)

    def validate(self, attrs):
        tests = tuple(TestInput(assay_id, NOT_STARTED, None, None)
                      for assay_id in attrs["assay_ids"])
        return _sample(attrs, tests, tests_given=False)


def _sample(attrs: dict, tests: tuple[TestInput, ...], *, tests_given: bool) -> SampleInput:
    return SampleInput(attrs["sku_id"], attrs["lot"], attrs["batch"], attrs["composite"],
                       attrs["number_of_composites"], tests, tests_given)


class OrderSerializer(serializers.Serializer):
    """A new order as the admin's add form sends it (the company picked beside it)."""

    default_error_messages = {"invalid": "An order must be an object, got {datatype}."}

    external_id = field(optional_text(100))
    orderer = OrdererSerializer(error_messages={
        "required": braces_kept(ORDERER_REQUIRED), "null": braces_kept(ORDERER_REQUIRED)})
    samples = list_of(SampleSerializer(), message="At least one sample is required.")

    def validate(self, attrs):
        now = timezone.now()
        orderer = attrs["orderer"]
        return OrderInput(
            attrs["external_id"], None, orderer["email"], orderer["name"], False,
            CREATED, DRAFT, None, None, None, now, now, _with_times(attrs["samples"], now, now))


def _with_times(samples, created_at: datetime, updated_at: datetime):
    """Tests without times of their own were made with their order, and last moved when
    it did."""
    return tuple(
        sample if all(test[2] for test in sample.tests) else SampleInput(
            *sample[:5], tuple(test if test[2] else TestInput(
                test[0], test[1], created_at, test[3] or updated_at) for test in sample[5]),
            sample[6])
        for sample in samples)


# --- what an import record carries beside ------------------------------------------------


class TestRecordSerializer(serializers.Serializer):
    __test__ = False
    default_error_messages = {
        "invalid": braces_kept("Must be an object {assay_id, status, created_at, updated_at}.")}

    assay_id = field(reference_id("assay"), OpenApiTypes.INT64,
                     required_message="No assay with id None.")
    status = field(choice(TEST_STATUSES, NOT_STARTED), missing=NOT_STARTED)
    created_at = field(time_of("created_at"), OpenApiTypes.DATETIME)
    updated_at = field(time_of("updated_at"), OpenApiTypes.DATETIME)

    def validate(self, attrs):
        created_at = attrs["created_at"]
        return TestInput(attrs["assay_id"], attrs["status"], created_at,
                         attrs["updated_at"] or created_at)


class SampleRecordSerializer(SampleSerializer):
    """A sample as a record carries it: `tests` with their states, or `assay_ids`."""

    assay_ids = field(assay_ids, ID_LIST)
    tests = list_of(TestRecordSerializer(), required=False,
                    message="Must be a list of tests, each an object "
                            "{assay_id, status, created_at, updated_at}.",
                    empty_message="At least one test is required.")

    def validate(self, attrs):
        tests = attrs.get("tests")
        if tests is not None:
            if attrs["assay_ids"] is not None:
                raise serializers.ValidationError(
                    {"tests": ["Give a sample's tests or its assay_ids, not both."]})
            return _sample(attrs, tuple(tests), tests_given=True)
        if attrs["assay_ids"] is None:
            raise serializers.ValidationError(
                {"assay_ids": ["At least one assay id is required."]})
        return super().validate(attrs)


class OrderRecordSerializer(OrderSerializer):
    """An order as `import_orders` reads it (and `export_orders` writes it)."""

    company_id = field(reference_id("company"), OpenApiTypes.INT64,
                       required_message="This field is required (the ordering company's id).")
    orderer = OrdererSerializer(required=False, error_messages={
        "null": braces_kept(ORDERER_REQUIRED)})
    orderer_email = field(email_address)
    orderer_name = field(orderer_name)
    status = field(choice(ORDER_STATUSES, CREATED), missing=CREATED)
    payment_status = field(choice(PAYMENT_STATUSES, DRAFT), missing=DRAFT)
    ordered_at = field(time_of("ordered_at"), OpenApiTypes.DATETIME)
    paid_at = field(time_of("paid_at"), OpenApiTypes.DATETIME)
    date_received = field(time_of("date_received"), OpenApiTypes.DATETIME)
    created_at = field(time_of("created_at"), OpenApiTypes.DATETIME)
    updated_at = field(time_of("updated_at"), OpenApiTypes.DATETIME)
    samples = list_of(SampleRecordSerializer(), message="At least one sample is required.")

    def validate(self, attrs):
        errors: dict[str, list[str]] = {}
        orderer, email = attrs.get("orderer"), attrs["orderer_email"]
        if orderer is not None:
            if email is not None or attrs["orderer_name"] is not None:
                errors["orderer"] = ["Give the orderer or orderer_email and orderer_name, "
                                     "not both."]
            flat, email, name = False, orderer["email"], orderer["name"]
        elif email is not None:
            flat, name = True, attrs["orderer_name"]
        else:
            errors["orderer"] = [ORDERER_REQUIRED]
            flat = name = None
        samples = attrs["samples"]
        if attrs["status"] == LabOrder.Status.COMPLETED:
            open_tests = [f"samples[{i}].tests[{n}] ({test.status})"
                          for i, sample in enumerate(samples)
                          for n, test in enumerate(sample.tests) if test.status not in TEST_DONE]
            if open_tests:
                errors["status"] = ["A completed order's tests are all completed or "
                                    f"canceled; not: {', '.join(open_tests)}."]
        if errors:
            raise serializers.ValidationError(errors)
        created_at = attrs["created_at"] or timezone.now()
        updated_at = attrs["updated_at"] or created_at
        return OrderInput(
            attrs["external_id"], attrs["company_id"], email, name, flat,
            attrs["status"], attrs["payment_status"], attrs["ordered_at"], attrs["paid_at"],
            attrs["date_received"], created_at, updated_at,
            _with_times(samples, created_at, updated_at))


ORDER_RULES = BodyRules(OrderSerializer)
RECORD_RULES = BodyRules(OrderRecordSerializer)


def order_parse(body) -> OrderInput:
    """The admin's body (a new order of the company it picks) as typed values; raises
    InputErrors naming every field at fault."""
    return ORDER_RULES.parse(body)


def order_record_parse(record) -> OrderInput:
    """An import record as typed values; raises InputErrors."""
    return RECORD_RULES.parse(record)


_OWN_KEY = re.compile(r"labs-[1-9][0-9]{0,18}\Z", re.ASCII)


def names_own_order(external_id) -> bool:
    """Whether an external id has the form export_orders writes for one of our own orders
    (`labs-<id>`), which may name it (the database says; see importers)."""
    return type(external_id) is str and _OWN_KEY.match(external_id) is not None


__all__ = ["EXPORT_PREFIX", "MAX_COMPOSITES", "InputError", "InputErrors", "OrderInput",
           "OrderRecordSerializer", "OrderSerializer", "SampleInput", "TestInput",
           "names_own_order", "order_parse", "order_record_parse"]
