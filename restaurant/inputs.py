"""The restaurant's one input layer: a body (API JSON, an import record, the admin form's
data) -> typed, validated values, with no database access; InputErrors naming each field.

The bodies are declared once, as the serializers below; the API's OpenAPI schema
describes its request bodies with these same classes, and `orders.inputs.BodyRules` runs
them. Each field is a rule of this domain (its message says what was wrong and quotes the
value); null and "" are an absent value, as the origin API treats them.

References stay ids and codes here (`customer_id`, a menu `id`, `payment`); the batch
step `selectors.references_resolve` looks a batch's up, one query per kind, and
`order_resolved` (below) applies the rules that need them: a line's price and name are the
menu's unless given, a customer's order is priced by the menu.

Who may set what: a customer's token never sets a staff field (STAFF_ONLY_CREATE_FIELDS,
each refused by name), and its order is priced by the menu.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email, validate_ipv46_address
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField, empty

from orders.inputs import (
    BIGINT_MAX,
    INT_MAX,
    NON_FIELD,
    BodyRules,
    InputError,
    InputErrors,
    bounded_datetime,
    first_unstorable,
    short_repr,
    strict_int,
    text_problem,
)
from restaurant.models import Order

MONEY_PLACES = Decimal("0.0001")  # the origin stores and shows money with 4 decimals
# What the columns hold: money is numeric(15, 4), quantities and priorities integers.
MONEY_MAX = Decimal("99999999999.9999")
INT_MIN = -INT_MAX - 1
# The longest list a body may hold (order_menus, order_totals, a line's options), and an
# imported order's status_history: beyond it a 422, before any of it is read.
MAX_LIST_LENGTH = 100
MAX_STATUS_HISTORY = 1000
ORDER_TYPES = tuple(Order.OrderType.values)

# What a customer's token may not give when creating an order: staff decide these (the
# status and its comment, who works on it, whether it is paid, the invoice and where it
# came from). A customer sending one gets a 422 naming it. `customer_id` is not here: it
# is forced to the caller.
STAFF_ONLY_CREATE_FIELDS = [
    "status_id", "status_comment", "assignee_id", "assignee_group_id", "processed",
    "notify", "invoice_prefix", "invoice_date", "currency", "ip_address", "user_agent",
    "external_id",
]
# What the menu decides for a customer's order: left out, they are computed (a line's
# price is the menu's, its subtotal price × qty, the total the sum of the subtotals, the
# one order total CUSTOMER_TOTAL); given, they must be those values.
CUSTOMER_TOTAL = {"code": "total", "title": "Total", "priority": 1}
# The status a customer's order starts in (with its first status history entry).
CUSTOMER_FIRST_STATUS = "Received"
HASH = re.compile(r"[0-9a-f]{32}\Z")
# The usual address, a strict subset of what Django's validate_email accepts (a dot-atom
# local part, a domain of hostname labels and an alphabetic top level): checked at once,
# anything else goes to the validator itself (a third of a body's parse otherwise).
PLAIN_EMAIL = re.compile(r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@"
                         r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z",
                         re.IGNORECASE | re.ASCII)


# --- typed values -------------------------------------------------------------------------


class MenuLine(NamedTuple):
    """An order menu line as sent: name, price and subtotal None when left to the menu."""

    menu_id: int
    qty: int
    name: str | None
    price: Decimal | None
    subtotal: Decimal | None
    comment: str
    options: list | dict


class OrderTotalLine(NamedTuple):
    code: str
    title: str
    value: Decimal
    priority: int


class AddressInput(NamedTuple):
    address_1: str
    address_2: str
    city: str
    state: str
    postcode: str
    country: str


class HistoryEntry(NamedTuple):
    status_id: int
    staff_id: int | None
    comment: str
    notify: bool
    created_at: datetime | None


class OrderInput(NamedTuple):
    """A create body (API, admin) or an import record, validated; references as ids."""

    location_id: int
    first_name: str
    last_name: str
    email: str
    order_type: str
    order_menus: tuple[MenuLine, ...]
    customer_id: int | None = None
    address_id: int | None = None
    address: AddressInput | None = None
    telephone: str = ""
    comment: str = ""
    order_date: date | None = None  # None: today (when written)
    order_time: time | None = None  # None: now
    processed: bool | None = None
    notify: bool | None = None
    order_totals: tuple[OrderTotalLine, ...] | None = None  # None: a customer's, computed
    order_total: Decimal | None = None
    payment: str | None = None
    currency: str = "GBP"
    invoice_prefix: str = ""
    invoice_date: datetime | None = None
    status_id: int | None = None
    status_comment: str = ""
    assignee_id: int | None = None
    assignee_group_id: int | None = None
    ip_address: str | None = None
    user_agent: str = ""
    external_id: str | None = None
    # what an import record keeps of an order's life (an export's own fields)
    created_at: datetime | None = None
    status_updated_at: datetime | None = None
    assignee_updated_at: datetime | None = None
    hash: str | None = None
    status_history: tuple[HistoryEntry, ...] | None = None
    # a customer's order: priced by the menu, its staff fields refused (by name, beside
    # what the references step finds: one answer names every field)
    by_customer: bool = False
    refused: tuple[tuple[str, str], ...] = ()


class OrderChanges(NamedTuple):
    """An update body, validated: only the fields it gives (`values`), typed."""

    values: dict[str, Any]


# --- field rules --------------------------------------------------------------------------


class Rule:
    """A field of this domain's bodies: null and "" are absent (`absent` then, or "The
    <name> field is required." when `required`); anything else is `parse`d, which raises
    ValidationError with the domain's message. Mixed into DRF's field of the same type,
    so the OpenAPI schema shows the type and bounds the rule checks."""

    absent: Any = None

    def __init__(self, *args, required: bool = False, **kwargs):
        self.needed = required
        kwargs.setdefault("allow_null", not required)
        super().__init__(*args, required=required, **kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.partial = getattr(self.root, "partial", False)  # (once, not per value)

    def run_validation(self, data=empty):
        if data is empty or data is None or data == "":
            if data is empty and self.partial:
                raise SkipField()
            if self.needed:
                raise ValidationError(f"The {self.field_name} field is required.")
            return self.absent
        return self.parse(data)

    def parse(self, value):
        raise NotImplementedError

    def fault(self, message: str):
        raise ValidationError(message)


class Text(Rule, serializers.CharField):
    absent = ""

    def __init__(self, *, max_length: int, min_length: int | None = None, **kwargs):
        super().__init__(max_length=max_length, min_length=min_length, **kwargs)

    def parse(self, value):
        name = self.field_name
        if type(value) is not str:
            self.fault(f"The {name} field must be a string, got {short_repr(value)}.")
        # (ASCII text without NUL, the usual case, needs no closer look)
        if not (value.isascii() and "\x00" not in value) and (problem := text_problem(value)):
            self.fault(problem)  # the same message the API's parser gives
        if len(value) > self.max_length:
            self.fault(f"The {name} field may not be greater than {self.max_length} "
                       "characters.")
        if self.min_length and len(value) < self.min_length:
            self.fault(f"The {name} field must be at least {self.min_length} characters.")
        return value


class Name(Text):
    def __init__(self, **kwargs):
        super().__init__(max_length=48, min_length=1, **kwargs)

    def parse(self, value):
        value = super().parse(value)
        if not value.strip():
            self.fault(f"The {self.field_name} field must not be blank.")
        return value


class Email(Rule, serializers.EmailField):
    absent = ""

    def __init__(self, **kwargs):
        super().__init__(max_length=96, **kwargs)

    def parse(self, value):
        value = Text.parse(self, value)
        if PLAIN_EMAIL.match(value):  # what Django's validator takes, at a glance
            return value
        try:
            validate_email(value)
        except DjangoValidationError:
            self.fault(f"The email must be a valid email address, got {short_repr(value)}.")
        return value


class Id(Rule, serializers.IntegerField):
    """A row id: 1 to the largest bigint (ASCII digits: orders.inputs.strict_int)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=BIGINT_MAX, **kwargs)

    def parse(self, value):
        if type(value) is int and 0 < value <= BIGINT_MAX:  # (the usual case, at once)
            return value
        try:
            return strict_int(value, minimum=1)
        except InputError:
            self.fault(f"The {self.field_name} field must be an id (an integer from 1 to "
                       f"{BIGINT_MAX}), got {short_repr(value)}.")


class Flag(Rule, serializers.BooleanField):
    TRUE = {True, "1", "true", "True", "TRUE"}

    def __init__(self, *, absent=None, **kwargs):
        self.absent = absent
        super().__init__(**kwargs)

    def parse(self, value):
        if value is True or value is False:
            return value
        if type(value) is int and value in (0, 1):
            return bool(value)
        if type(value) is str and value.lower() in ("true", "false", "0", "1"):
            return value.lower() in ("true", "1")
        self.fault(f"The {self.field_name} field must be true or false, "
                   f"got {short_repr(value)}.")


def money_of(value) -> Decimal | None:
    """An amount (a JSON number or a numeric string) rounded half up to 4 places, within
    what a numeric(15, 4) column holds; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or abs(amount) > MONEY_MAX:
        return None
    return amount.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


class Money(Rule, serializers.DecimalField):
    def __init__(self, *, signed: bool = False, **kwargs):
        self.signed = signed
        super().__init__(max_digits=15, decimal_places=4,
                         min_value=None if signed else Decimal(0), **kwargs)

    def parse(self, value):
        amount = money_of(value)
        if self.signed:
            if amount is None:
                self.fault(f"The {self.field_name} must be an amount of at most {MONEY_MAX} "
                           f"either way, got {short_repr(value)}.")
        elif amount is None or amount < 0:
            self.fault(f"The {self.field_name} must be a non-negative amount of at most "
                       f"{MONEY_MAX}, got {short_repr(value)}.")
        return amount


class Qty(Rule, serializers.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=INT_MAX, **kwargs)

    def run_validation(self, data=empty):
        if data is empty or data is None or data == "":  # "required", as the origin says it
            return self.parse(data if data is not empty else None)
        return self.parse(data)

    def parse(self, value):
        if type(value) is int and 0 < value <= INT_MAX:  # (the usual case, at once)
            return value
        try:
            qty = strict_int(value, maximum=None)
        except InputError:
            qty = None
        if qty is None or qty < 1:
            self.fault(f"The qty must be an integer of at least 1, got {short_repr(value)}.")
        if qty > INT_MAX:
            self.fault(f"The qty may not be greater than {INT_MAX}, got {qty}.")
        return qty


class Priority(Rule, serializers.IntegerField):
    absent = 0

    def __init__(self, **kwargs):
        super().__init__(min_value=INT_MIN, max_value=INT_MAX, **kwargs)

    def parse(self, value):
        if type(value) is int and INT_MIN <= value <= INT_MAX:
            return value
        try:
            return strict_int(value, minimum=INT_MIN, maximum=INT_MAX)
        except InputError:
            self.fault(f"The priority must be an integer from {INT_MIN} to {INT_MAX}, "
                       f"got {short_repr(value)}.")


class OrderType(Rule, serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Order.OrderType.choices, **kwargs)

    def parse(self, value):
        if value not in ORDER_TYPES:
            self.fault("The order_type must be 'delivery' or 'collection', "
                       f"got {short_repr(value)}.")
        return value


def parsed_or_none(parse, value):
    """Django's parse_date/parse_time/parse_datetime of a string; None for anything else
    and for what they refuse (None for a malformed string, ValueError for a well-formed
    impossible one, "2021-13-45")."""
    if type(value) is not str:
        return None
    try:
        return parse(value)
    except ValueError:
        return None


def within_range(value: datetime, name: str) -> datetime:
    try:
        return bounded_datetime(value, field=name)
    except InputError as exc:
        raise ValidationError(f"The {name} is out of range: {exc.message}") from None


class DateRule(Rule, serializers.DateField):
    """A date whose midnight (UTC) is within orders.inputs.bounded_datetime's years."""

    def parse(self, value):
        parsed = parsed_or_none(parse_date, value)
        if parsed is None:
            self.fault(f"The {self.field_name} is not a valid date (YYYY-MM-DD), "
                       f"got {short_repr(value)}.")
        within_range(datetime.combine(parsed, time.min), self.field_name)
        return parsed


class TimeRule(Rule, serializers.TimeField):
    def parse(self, value):
        parsed = parsed_or_none(parse_time, value)
        if parsed is None:
            self.fault(f"The {self.field_name} is not a valid time (HH:MM), "
                       f"got {short_repr(value)}.")
        return parsed


class DateTimeRule(Rule, serializers.DateTimeField):
    """An aware datetime in UTC (naive means UTC) within what the database and the
    renderer take (year 10000 in UTC is refused, not stored)."""

    def parse(self, value):
        parsed = parsed_or_none(parse_datetime, value)
        if parsed is None:
            self.fault(f"The {self.field_name} is not a valid date and time, "
                       f"got {short_repr(value)}.")
        return within_range(parsed, self.field_name)


class OrderDateTime(Rule, serializers.DateTimeField):
    """The update's `order_date_time`, "YYYY-MM-DD HH:MM:SS" on the restaurant's clock."""

    def parse(self, value):
        parsed = parsed_or_none(parse_datetime, value)
        if parsed is None:
            self.fault("The order_date_time must be a date and time (YYYY-MM-DD HH:MM:SS), "
                       f"got {short_repr(value)}.")
        within_range(parsed, "order_date_time")
        return parsed


class PaymentCode(Rule, serializers.CharField):
    """A payment method's code; whether it exists is the references step's question."""

    def parse(self, value):
        if type(value) is str and (problem := text_problem(value)):
            self.fault(problem)
        if type(value) is not str or len(value) > 32:
            self.fault(f"The selected payment {short_repr(value)} is not an available "
                       "payment method.")
        return value


class IpAddress(Rule, serializers.IPAddressField):
    def parse(self, value):
        try:
            if type(value) is not str:  # the validator takes an integer as an IPv4 address
                raise TypeError
            validate_ipv46_address(value)
        except (DjangoValidationError, TypeError):
            self.fault(f"The ip_address must be a valid IP address, got {short_repr(value)}.")
        return value


class Currency(Text):
    absent = "GBP"

    def __init__(self, **kwargs):
        super().__init__(max_length=3, **kwargs)

    def parse(self, value):
        return super().parse(value).upper()


class HashRule(Text):
    def __init__(self, **kwargs):
        super().__init__(max_length=32, **kwargs)

    absent = None

    def parse(self, value):
        if type(value) is str and not text_problem(value) and not HASH.match(value):
            self.fault(f"The hash must be 32 lowercase hex characters, got {short_repr(value)}.")
        return super().parse(value)


class ExternalId(Text):
    absent = None

    def __init__(self, **kwargs):
        super().__init__(max_length=100, **kwargs)


def nested_detail(path: str, message: str):
    """`[0].values[1].value` -> {0: {"values": {1: {"value": [message]}}}}: DRF's nested
    error detail, which InputErrors names `options[0].values[1].value`."""
    parts = [int(index) if index else key
             for index, key in re.findall(r"\[(\d+)\]|\.?([^.\[\]]+)", path)]
    detail: Any = [message]
    for part in reversed(parts):
        detail = {part: detail}
    return detail


class Options(Rule, serializers.JSONField):
    """A line's options (stored as JSON): a list or an object of at most MAX_LIST_LENGTH
    entries, holding no text the database cannot store."""

    def run_validation(self, data=empty):
        if data is empty or data is None or data == "" or data == [] or data == {}:
            return []
        return self.parse(data)

    def parse(self, value):
        if not isinstance(value, list | dict):
            self.fault(f"The options must be a list, got {short_repr(value)}.")
        if len(value) > MAX_LIST_LENGTH:
            self.fault(f"The options may hold at most {MAX_LIST_LENGTH} items, "
                       f"got {len(value)}.")
        if found := first_unstorable(value):  # where and what, as the API's parser says it
            path, problem = found
            raise ValidationError(nested_detail(path, problem) if path else [problem])
        return value


# --- bodies -------------------------------------------------------------------------------


class Rules(serializers.Serializer):
    """A body of rule fields: each field's rule on `data.get(name)` (one pass, no per-field
    lookups beyond the rule: an import runs this millions of times), every field's fault
    collected, then `validate` (the cross-field rules) returning the typed value."""

    default_error_messages = {"invalid": "The body must be a JSON object, got {datatype}."}

    def run_validation(self, data=empty):
        return self.validate(self.to_internal_value(data))

    def fail(self, key, **kwargs):
        raise ValidationError({NON_FIELD: [self.error_messages[key].format(**kwargs)]})

    def to_internal_value(self, data):
        if type(data) is not dict and not isinstance(data, Mapping):
            self.fail("invalid", datatype=type(data).__name__)
        try:
            fields, absent, missing = self._rules
        except AttributeError:
            fields, absent, missing = self._rules = self.rules_compiled()
        # The fields the body gives, each by its rule; the others as their rule takes an
        # absent value (worked out once: most of a body's fields are absent).
        values, errors = dict(absent), {}
        for name, value in data.items():
            field = fields.get(name)
            if field is None:
                continue
            try:
                values[name] = field.run_validation(value)
            except ValidationError as exc:
                errors[name] = exc.detail
            except SkipField:
                values.pop(name, None)
        if missing:
            for name, detail in missing.items():
                if name not in data:
                    errors[name] = detail
        if errors:
            raise ValidationError(errors)
        return values

    def rules_compiled(self) -> tuple[dict, dict, dict]:
        """(rule by field name, the value of each field when absent, the error of each
        field that may not be absent)."""
        fields = {field.field_name: field for field in self._writable_fields}
        absent, missing = {}, {}
        for name, field in fields.items():
            try:
                absent[name] = field.run_validation(empty)
            except ValidationError as exc:
                missing[name] = exc.detail
            except SkipField:
                pass
        return fields, absent, missing


class Lines(serializers.ListSerializer):
    """A list of 1 (or, when optional, 0) to MAX_LIST_LENGTH objects, its length checked
    before any item is read; "required" names what the list holds."""

    def __init__(self, *args, what: str, required: bool = True, **kwargs):
        self.what, self.needed = what, required
        kwargs.setdefault("max_length", MAX_LIST_LENGTH)
        super().__init__(*args, required=required, allow_empty=not required, **kwargs)

    def run_validation(self, data=empty):
        name = self.field_name
        if not self.needed and (data is empty or data is None or data == "" or data == []):
            return None
        if not isinstance(data, list) or not data:
            raise ValidationError(f"The {name} field is required: a list of at least one "
                                  f"{self.what}.")
        if len(data) > self.max_length:
            raise ValidationError(f"The {name} may hold at most {self.max_length} items, "
                                  f"got {len(data)}.")
        child = self.child.run_validation
        values, errors, failed = [], [], False
        for item in data:
            try:
                values.append(child(item))
                errors.append({})
            except ValidationError as exc:
                errors.append(exc.detail)
                failed = True
        if failed:
            raise ValidationError(errors)
        return tuple(values)


def lines_of(child, **kwargs):
    return Lines(child=child, **kwargs)


@extend_schema_serializer(component_name="RestaurantOrderMenuInput")
class MenuLineRules(Rules):
    """An order menu line: a menu `id` and a `qty`; name, price and subtotal default to
    the menu's (and for a customer's order must be the menu's)."""

    default_error_messages = {"invalid": "Each order menu must be an object, got {datatype}."}

    id = Id(required=True, help_text="Menu id.")
    qty = Qty(required=True)
    name = Text(max_length=255, required=False)
    price = Money(required=False)
    subtotal = Money(required=False)
    comment = Text(max_length=500, required=False)
    options = Options(required=False)

    def validate(self, attrs):
        return MenuLine(attrs["id"], attrs["qty"], attrs["name"] or None, attrs["price"],
                        attrs["subtotal"], attrs["comment"], attrs["options"])


@extend_schema_serializer(component_name="RestaurantOrderTotalInput")
class OrderTotalRules(Rules):
    default_error_messages = {"invalid": "Each order total must be an object, got {datatype}."}

    code = Text(max_length=30, required=True)
    title = Text(max_length=128, required=True)
    value = Money(signed=True, required=True)
    priority = Priority(required=False)

    def validate(self, attrs):
        return OrderTotalLine(attrs["code"], attrs["title"], attrs["value"], attrs["priority"])


@extend_schema_serializer(component_name="RestaurantAddressInput")
class AddressRules(Rules):
    """A new delivery address (instead of an `address_id`)."""

    address_1 = Text(max_length=128, required=True)
    address_2 = Text(max_length=128, required=False)
    city = Text(max_length=128, required=False)
    state = Text(max_length=128, required=False)
    postcode = Text(max_length=15, required=False)
    country = Text(max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(*args, **kwargs)

    def run_validation(self, data=empty):
        if data is empty or data is None or data == "" or data == {}:
            return None
        if not isinstance(data, Mapping):
            raise ValidationError(f"The address must be an object, got {short_repr(data)}.")
        return self.validate(self.to_internal_value(data))

    def validate(self, attrs):
        return AddressInput(**attrs)


@extend_schema_serializer(component_name="RestaurantStatusHistoryInput")
class HistoryEntryRules(Rules):
    default_error_messages = {
        "invalid": "Each status history entry must be an object, got {datatype}."}

    status_id = Id(required=True)
    staff_id = Id(required=False)
    comment = Text(max_length=500, required=False)
    notify = Flag(required=False, absent=False)
    created_at = DateTimeRule(required=False)

    def validate(self, attrs):
        return HistoryEntry(attrs["status_id"], attrs["staff_id"], attrs["comment"],
                            attrs["notify"], attrs["created_at"])


class StatusHistoryRules(Lines):
    def run_validation(self, data=empty):
        if data is empty or data is None:
            return None
        if not isinstance(data, list):
            raise ValidationError(f"The status_history must be a list, got {short_repr(data)}.")
        if len(data) > MAX_STATUS_HISTORY:
            raise ValidationError(f"The status_history may hold at most {MAX_STATUS_HISTORY} "
                                  f"entries, got {len(data)}.")
        if not data:
            return ()
        return super().run_validation(data)


@extend_schema_serializer(component_name="RestaurantOrderCreateInput")
class OrderCreateRules(Rules):
    """The create body as restaurant staff send it (the seed's payload)."""

    customer_id = Id(required=False)
    location_id = Id(required=True)
    address_id = Id(required=False)
    address = AddressRules(help_text="A new address, instead of address_id.")
    first_name = Name(required=True)
    last_name = Name(required=True)
    email = Email(required=True)
    telephone = Text(max_length=32, required=False)
    comment = Text(max_length=500, required=False)
    order_type = OrderType(required=True)
    order_date = DateRule(required=False, help_text="Default: today.")
    order_time = TimeRule(required=False, help_text="Default: now.")
    payment = PaymentCode(required=False, help_text="A payment method's code.")
    processed = Flag(required=False)
    notify = Flag(required=False)
    currency = Currency(required=False)
    invoice_prefix = Text(max_length=32, required=False)
    invoice_date = DateTimeRule(required=False)
    status_id = Id(required=False)
    status_comment = Text(max_length=500, required=False)
    assignee_id = Id(required=False)
    assignee_group_id = Id(required=False)
    ip_address = IpAddress(required=False)
    user_agent = Text(max_length=1000, required=False)
    external_id = ExternalId(required=False)
    order_menus = lines_of(MenuLineRules(), what="menu item")
    order_totals = lines_of(OrderTotalRules(), what="total",
                            help_text="Required from staff; computed for a customer's order.")
    order_total = Money(required=True,
                        help_text="Required from staff; computed for a customer's order.")

    def validate(self, attrs):
        if attrs.get("order_type") == "delivery" and not (attrs.get("address_id")
                                                          or attrs.get("address")):
            raise ValidationError({"address_id": [
                "A delivery order needs an address: give address_id or an address object "
                "with address_1."]})
        total_items = sum(line.qty for line in attrs["order_menus"])
        if total_items > INT_MAX:
            raise ValidationError({"order_menus": [
                f"The qty of all order menus may not add up to more than {INT_MAX}, "
                f"got {total_items}."]})
        return OrderInput(**attrs)


@extend_schema_serializer(component_name="RestaurantCustomerOrderCreateInput")
class CustomerOrderCreateRules(OrderCreateRules):
    """The create body from a customer's token: no staff fields, no customer (the
    caller), totals computed from the menu (given, they must be those)."""

    customer_id = None
    order_totals = lines_of(OrderTotalRules(), what="total", required=False)
    order_total = Money(required=False)
    # STAFF_ONLY_CREATE_FIELDS: refused by name (order_create_input)
    status_id = status_comment = assignee_id = assignee_group_id = processed = None
    notify = invoice_prefix = invoice_date = currency = ip_address = user_agent = None
    external_id = None


assert not set(STAFF_ONLY_CREATE_FIELDS) & set(CustomerOrderCreateRules._declared_fields)


@extend_schema_serializer(component_name="RestaurantOrderImportRecord")
class OrderImportRules(OrderCreateRules):
    """An import record: the staff create body, plus what an export keeps of an order's
    life so that export -> import rebuilds the same order."""

    created_at = DateTimeRule(required=False)
    status_updated_at = DateTimeRule(required=False)
    assignee_updated_at = DateTimeRule(required=False)
    hash = HashRule(required=False)
    status_history = StatusHistoryRules(child=HistoryEntryRules(), what="status history entry",
                                        required=False, max_length=MAX_STATUS_HISTORY)


@extend_schema_serializer(component_name="RestaurantOrderUpdateInput")
class OrderUpdateRules(Rules):
    """The documented update body: only the fields given change. A PATCH to `delivery`
    needs no address (the origin's own example does that)."""

    first_name = Name(required=True)
    last_name = Name(required=True)
    email = Email(required=True)
    telephone = Text(max_length=32, required=False)
    notify = Flag(required=False)
    order_type = OrderType(required=True)
    order_date_time = OrderDateTime(required=False)
    status_id = Id(required=False)
    status_comment = Text(max_length=500, required=False)
    status_updated_at = DateTimeRule(required=False)
    assignee_id = Id(required=False, allow_null=True)
    assignee_group_id = Id(required=False, allow_null=True)
    assignee_updated_at = DateTimeRule(required=False)

    def validate(self, attrs):
        if "order_date_time" in attrs:
            moment = attrs.pop("order_date_time")
            if moment is not None:
                attrs["order_date"], attrs["order_time"] = moment.date(), moment.time()
        if attrs.get("status_id") is None:
            attrs.pop("status_id", None)
        return OrderChanges(attrs)


STAFF_CREATE = BodyRules(OrderCreateRules)
CUSTOMER_CREATE = BodyRules(CustomerOrderCreateRules)
IMPORT_RECORD = BodyRules(OrderImportRules)
UPDATE = BodyRules(OrderUpdateRules)


def order_create_input(body, *, by_customer: bool = False) -> OrderInput:
    """A create body -> OrderInput, or InputErrors naming every bad field. A customer's
    staff fields are refused by name; those refusals alone are kept in `refused` for the
    references step to report beside the menu's (one answer names every field)."""
    if not by_customer:
        return STAFF_CREATE.parse(body)
    refused = [(name, f"The {name} field is set by restaurant staff; a customer's order "
                      "may not give it.")
               for name in STAFF_ONLY_CREATE_FIELDS
               if isinstance(body, Mapping) and body.get(name) not in (None, "")]
    try:
        order = CUSTOMER_CREATE.parse(body)
    except InputErrors as exc:
        if not refused or not isinstance(exc.detail, dict):
            raise
        raise InputErrors({**exc.detail, **{name: [message] for name, message in refused}}
                          ) from None
    return order._replace(by_customer=True, refused=tuple(refused))


def order_import_input(record) -> OrderInput:
    """An import record -> OrderInput: the staff create body's rules, and an export's."""
    return IMPORT_RECORD.parse(record)


def order_update_input(body) -> OrderChanges:
    return UPDATE.parse(body, partial=True)


# --- the rules that need the references ---------------------------------------------------


class Menu(NamedTuple):
    name: str
    price: Decimal


class References(NamedTuple):
    """A batch's references as `selectors.references_resolve` found them (one query per
    kind): what exists, by id or code."""

    customers: frozenset[int] = frozenset()
    locations: frozenset[int] = frozenset()  # active ones
    addresses: dict[int, int | None] = {}  # id -> its customer's id
    statuses: dict[int, str] = {}  # id -> name
    staff: frozenset[int] = frozenset()
    groups: frozenset[int] = frozenset()
    menus: dict[int, Menu] = {}
    payments: frozenset[str] = frozenset()  # active ones
    hashes: dict[str, int] = {}  # hash -> the order that has it
    external_ids: dict[str, int] = {}  # (API creates) external id -> its order
    first_status: tuple[int, str] | None = None  # CUSTOMER_FIRST_STATUS's id and name


class PricedLine(NamedTuple):
    menu_id: int
    name: str
    qty: int
    price: Decimal
    subtotal: Decimal
    comment: str
    options: list | dict


class ResolvedOrder(NamedTuple):
    """An order ready to write: its input, its references checked, its figures."""

    order: OrderInput
    customer_id: int | None
    status_id: int | None
    status_name: str  # "" for none: the create event's to_state
    lines: tuple[PricedLine, ...]
    totals: tuple[OrderTotalLine, ...]
    order_total: Decimal
    total_items: int


def order_resolved(order: OrderInput, refs: References, *,
                   customer_id: int | None = None) -> ResolvedOrder:
    """The rules that need the batch's references: each reference exists (and a
    customer's address is theirs), lines priced by the menu where not given (a
    customer's always), totals. InputErrors naming every bad field.
    `customer_id`: a customer's order is theirs (the caller's)."""
    errors: list[tuple[str, str]] = list(order.refused)
    add = errors.append
    customer_id = customer_id if order.by_customer else order.customer_id

    def related(name: str, value, known, label: str, at: str = "") -> None:
        if value is not None and value not in known:
            add((at + name, f"The selected {name} is invalid: no {label} with id {value}."))

    if not order.by_customer:
        related("customer_id", order.customer_id, refs.customers, "customer")
    related("location_id", order.location_id, refs.locations, "location")
    if order.address_id is not None:
        owner = refs.addresses.get(order.address_id, -1)
        if owner == -1 or (customer_id is not None and owner not in (None, customer_id)):
            add(("address_id", f"The selected address_id is invalid: no address with id "
                               f"{order.address_id}."))
    related("status_id", order.status_id, refs.statuses, "status")
    related("assignee_id", order.assignee_id, refs.staff, "staff member")
    related("assignee_group_id", order.assignee_group_id, refs.groups, "staff group")
    if order.payment is not None and order.payment not in refs.payments:
        add(("payment", f"The selected payment {short_repr(order.payment)} is not an "
                        "available payment method."))
    if order.hash is not None and order.hash in refs.hashes:
        add(("hash", f"The hash {short_repr(order.hash)} is the hash of order "
                     f"#{refs.hashes[order.hash]}."))
    if order.external_id is not None and order.external_id in refs.external_ids:
        add(("external_id", f"An order with external_id {short_repr(order.external_id)} "
                            "exists already."))
    for index, entry in enumerate(order.status_history or ()):
        at = f"status_history[{index}]."
        related("status_id", entry.status_id, refs.statuses, "status", at)
        related("staff_id", entry.staff_id, refs.staff, "staff member", at)

    lines = []
    menus = refs.menus
    for index, line in enumerate(order.order_menus):
        at = f"order_menus[{index}]"
        menu = menus.get(line.menu_id)
        if menu is None:
            add((f"{at}.id", f"The selected menu id {line.menu_id} does not exist."))
            continue
        qty, name, price, subtotal = line.qty, line.name, line.price, line.subtotal
        if order.by_customer:
            for field, sent, menus_value in [("name", name, menu.name),
                                             ("price", price, menu.price),
                                             ("subtotal", subtotal, menu.price * qty)]:
                if sent is not None and sent != menus_value:
                    add((f"{at}.{field}", f"The {field} of a customer's order is the "
                                          f"menu's: {menus_value}, got {short_repr(sent)}."))
            name, price, subtotal = menu.name, menu.price, None
        if price is None:
            price = menu.price
        if subtotal is None:
            subtotal = price * qty
            if subtotal > MONEY_MAX:
                add((f"{at}.qty", f"The qty {qty} at {price} comes to more than "
                                  f"{MONEY_MAX}, the largest subtotal."))
                continue
            subtotal = subtotal.quantize(MONEY_PLACES)
        lines.append(PricedLine(line.menu_id, name or menu.name, qty, price, subtotal,
                                line.comment, line.options))

    totals, order_total = order.order_totals or (), order.order_total
    status_id = order.status_id
    if order.by_customer:
        total = sum((line.subtotal for line in lines), Decimal("0.0000"))
        computed = OrderTotalLine(CUSTOMER_TOTAL["code"], CUSTOMER_TOTAL["title"], total,
                                  CUSTOMER_TOTAL["priority"])
        if not any(name.startswith("order_menus") for name, _ in errors):
            if total > MONEY_MAX:
                add(("order_menus", f"The order menus come to {total}, more than "
                                    f"{MONEY_MAX}."))
            if order.order_total is not None and order.order_total != total:
                add(("order_total", "The order_total of a customer's order is the sum of "
                                    f"its subtotals: {total}, got {order.order_total}."))
            if order.order_totals and tuple(order.order_totals) != (computed,):
                add(("order_totals", "The order_totals of a customer's order are computed "
                                     "from the menu (one total: code 'total', title "
                                     f"'Total', value {total}, priority 1); leave them out."))
        totals, order_total = (computed,), total
        status_id = refs.first_status[0] if refs.first_status else None
    if errors:
        raise InputErrors.of(*(InputError(name, message) for name, message in errors))
    status_name = (refs.first_status[1] if order.by_customer and refs.first_status
                   else refs.statuses.get(status_id, "") if status_id else "")
    return ResolvedOrder(order, customer_id, status_id, status_name, tuple(lines),
                         tuple(totals), order_total,
                         sum(line.qty for line in order.order_menus))
