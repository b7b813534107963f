"""The marketplace's request bodies as typed values: no database access.

One declaration per body, a DRF serializer, which is both the rule (parsed by
`orders.inputs.BodyRules`) and the OpenAPI request body (the views import these), so the
schema cannot drift from what is accepted:

- `OrderCreateBody`: the order fields of a create (flat, the order object's one-item
  `*_info` lists, or a form's bracketed keys), as `OrderInput`;
- `OrderUpdateBody`: the fields an update changes, its `status` and `__v`, as
  `OrderChanges`;
- `OrderImportRecord`: what an import record carries beside the create body (the owners'
  public ids, `external_id`, and what an export carries: `_id`, `status`, `__v`,
  `created_date`), as `OrderImportInput`;
- `RecordBody`: a record (catalog item) body, and `RecordImportRecord` with its `_id` and
  `merchant_id`.

Every fault is an `InputErrors` naming its field; the API, the admin and the importer all
parse here, so they accept and reject the same input with the same messages. References
(customer, merchant and record ids) stay public ids here; `selectors.order_owners_resolve`
resolves a batch of them with one query per kind.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty

from marketplace.models import PUBLIC_ID_LENGTH, MarketplaceOrder, Record
from orders.inputs import (
    INT_MAX,
    NON_FIELD,
    BodyRules,
    InputError,
    import_datetime,
    short_repr,
    strict_int,
    text_problem,
)

Status = MarketplaceOrder.Status

SHIPPING_FIELDS = ("shipping_address1", "shipping_address2", "shipping_city",
                   "shipping_state", "shipping_zip")
BILLING_FIELDS = ("paypal_email", "billing_address1", "billing_address2", "billing_city",
                  "billing_state", "billing_zip")
ADDRESS_FIELDS = SHIPPING_FIELDS + BILLING_FIELDS
REQUIRED_ORDER_FIELDS = frozenset(
    {"shipping_address1", "shipping_city", "shipping_state", "shipping_zip", "paypal_email"}
)
INFO_GROUPS = {"shipping_info": frozenset(SHIPPING_FIELDS),
               "billing_info": frozenset(BILLING_FIELDS)}
ORDER_BODY_FIELDS = frozenset({*ADDRESS_FIELDS, "comments", "status", "__v"})
# Keys of the order object that the system sets: a client may send back the object it
# got, so these are ignored rather than refused.
ORDER_READ_ONLY_KEYS = frozenset(
    {"_id", "record_id", "merchant_id", "customer_info", "merchant_info", "_createdBy",
     "created_date"}
)
RECORD_FIELDS = ("artist", "title", "price", "condition", "comments")
REQUIRED_RECORD_FIELDS = frozenset({"artist", "title", "price", "condition"})
RECORD_READ_ONLY_KEYS = frozenset({"_id", "merchant_id", "created_date", "__v"})
# What an import record carries beside the create body.
ORDER_IMPORT_KEYS = frozenset({"external_id", "_id", "customer_id", "merchant_id",
                               "record_id", "status", "__v", "created_date"})

# A body's lists: `comments` holds at most MAX_COMMENTS strings (a form's `comments[<i>]`
# index is below it); each `*_info` list holds exactly one object.
MAX_COMMENTS = 100
MAX_COMMENT_LENGTH = 2000
MAX_VERSION = INT_MAX  # the version column's range (a PostgreSQL integer)
EXTERNAL_ID_MAX = MarketplaceOrder._meta.get_field("external_id").max_length
PUBLIC_ID = re.compile(rf"[0-9a-f]{{{PUBLIC_ID_LENGTH}}}\Z")
# `__v` as text (a CSV cell): ASCII digits only (str.isdigit() takes "²", which int() refuses)
WHOLE_NUMBER = re.compile(r"\s*[0-9]+\s*\Z")
# `billing_info[0][billing_city]` -> "billing_info", "[0][billing_city]"
BRACKETED_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
BRACKET_PART = re.compile(r"\[([^\[\]]*)\]")
REQUIRED = "This field is required."
NOT_AN_OBJECT = "The body must be an object of fields."


# --- typed values ---------------------------------------------------------------------


class OrderInput(NamedTuple):
    """An order's own fields (model field names), from a create body."""

    shipping_address1: str
    shipping_address2: str
    shipping_city: str
    shipping_state: str
    shipping_zip: str
    paypal_email: str
    billing_address1: str
    billing_address2: str
    billing_city: str
    billing_state: str
    billing_zip: str
    comments: list[str]


class OrderChanges(NamedTuple):
    """What an update changes (model field names, `status` among them) and the `__v` the
    client saw, if it said."""

    changes: dict[str, Any]
    expected_version: int | None


class OrderImportInput(NamedTuple):
    """An import record: the order, its owners' public ids, and what another system (or
    our export) says of it."""

    order: OrderInput
    customer_id: str
    merchant_id: str
    record_id: str
    external_id: str | None
    public_id: str | None
    status: str
    version: int
    created_at: datetime | None


class OrderOwnersRef(NamedTuple):
    """The public ids an order names: who orders which record of which merchant."""

    customer_id: str
    merchant_id: str
    record_id: str


# --- fields ---------------------------------------------------------------------------


class OrderText(serializers.CharField):
    """A text field of an order or record: absent or null is "", stripped, storable,
    within its length; `required`: not blank. One pass, no validator objects: an import
    parses millions."""

    def __init__(self, *, max_length: int, non_blank: bool = False, email: bool = False,
                 required: bool | None = None, **kwargs):
        super().__init__(max_length=max_length,
                         required=non_blank if required is None else required,
                         allow_blank=not non_blank, **kwargs)
        self.non_blank = non_blank
        self.email = email

    def clean(self, value) -> str:
        """The cleaned value; raises InputError with this field's message."""
        if value is None or value is empty:
            value = ""
        elif type(value) is not str:
            raise InputError(self.field_name, f"Must be a string, got {short_repr(value)}.")
        value = value.strip()
        if problem := text_problem(value):
            raise InputError(self.field_name, problem)
        if not value:
            if self.non_blank:
                raise InputError(self.field_name, REQUIRED)
            return value
        if len(value) > self.max_length:
            raise InputError(self.field_name, f"At most {self.max_length} characters.")
        if self.email and not email_valid(value):
            raise InputError(self.field_name,
                             f"{short_repr(value)} is not a valid email address.")
        return value

    def run_validation(self, data=empty):
        try:
            return self.clean(data)
        except InputError as exc:
            raise ValidationError([exc.message]) from None


@functools.lru_cache(maxsize=4096)  # an import's orders repeat their customers' emails
def email_valid(value: str) -> bool:
    try:
        validate_email(value)
    except DjangoValidationError:
        return False
    return True


class CommentsField(serializers.ListField):
    """One string or a list of at most MAX_COMMENTS strings, each stripped; a problem of
    one item is named by its index (`comments[1]`), as a form's key names it."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(max_length=MAX_COMMENT_LENGTH),
                         max_length=MAX_COMMENTS, required=False, **kwargs)

    def clean(self, value) -> list[str]:
        if value is None or value is empty:
            return []
        if type(value) is str:
            if problem := text_problem(value):
                raise InputError("comments", problem)
            value = value.strip()
            return [value] if value else []
        if type(value) is not list or not all(type(item) is str for item in value):
            raise InputError("comments", "Must be a string or a list of strings.")
        if len(value) > MAX_COMMENTS:
            raise InputError("comments", f"At most {MAX_COMMENTS} comments.")
        for item in value:
            if len(item) > MAX_COMMENT_LENGTH:
                raise InputError("comments",
                                 f"A comment has at most {MAX_COMMENT_LENGTH} characters.")
        for index, item in enumerate(value):
            if problem := text_problem(item):
                raise InputError(f"comments[{index}]", problem)
        return [item.strip() for item in value]

    def run_validation(self, data=empty):
        try:
            return self.clean(data)
        except InputError as exc:
            raise ValidationError({exc.field: [exc.message]}) from None


def order_text(name: str, **kwargs) -> OrderText:
    return OrderText(max_length=MarketplaceOrder._meta.get_field(name).max_length,
                     non_blank=name in REQUIRED_ORDER_FIELDS, email=name == "paypal_email",
                     **kwargs)


class StatusField(serializers.ChoiceField):
    """An order's status (read here by the body's own rules, with their message)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Status.choices, required=False, **kwargs)


def version_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_VERSION, required=False,
                                    label="__v", **kwargs)


# --- the order body's shapes ----------------------------------------------------------


def body_items(data: Mapping) -> list[tuple[str, list[Any]]]:
    """A body's (key, values): a form may repeat a key, JSON cannot."""
    if hasattr(data, "getlist"):  # a QueryDict
        return [(key, data.getlist(key)) for key in data]
    return [(str(key), [value]) for key, value in data.items()]


def order_body_fields(data: Mapping, errors: dict[str, list[str]], *,
                      skip: frozenset = frozenset()) -> dict[str, Any]:
    """One flat dict of the order fields in a body, whatever its shape; faults go into
    `errors` (label -> messages), so a parser reports them with the fields' own.

    Accepts flat fields (`shipping_city`), the order object's one-item lists
    (`"billing_info": [{"billing_city": ...}]`, or a bare object), form-encoded bracketed
    keys (`billing_info[0][billing_city]`), and comments as one string, repeated form
    keys or `comments[]`/`comments[0]`. Read-only keys of the order object (and `skip`)
    are ignored; an unknown key, a field given twice or a malformed group is a fault.
    """
    flat: dict[str, Any] = {}
    comment_items: list[tuple[int, str]] = []

    def put(name: str, value: Any, label: str, group: str | None = None) -> None:
        if group is not None and name not in INFO_GROUPS[group]:
            errors.setdefault(label, []).append(f"Unknown field in {group}.")
        elif group is None and name not in ORDER_BODY_FIELDS:
            errors.setdefault(label, []).append("Unknown field.")
        elif name in flat:
            errors.setdefault(name, []).append("Given more than once.")
        else:
            flat[name] = value

    form = hasattr(data, "getlist")
    for key in data:
        if key in skip:
            continue
        if not form:
            if key in ORDER_BODY_FIELDS:  # the usual case: a flat JSON field
                flat[key] = data[key]  # (a JSON object's keys are unique)
                continue
            if key in INFO_GROUPS:  # or the order object's one-item list
                value = data[key]
                if type(value) is list and len(value) == 1:
                    value = value[0]
                if type(value) is dict:
                    group = INFO_GROUPS[key]
                    for field, field_value in value.items():
                        if field in group and field not in flat:
                            flat[field] = field_value
                        else:
                            put(field, field_value, f"{key}[0].{field}", group=key)
                    continue
        key = str(key)
        values = data.getlist(key) if form else [data[key]]
        match = BRACKETED_KEY.match(key)
        name, parts = (match[1], BRACKET_PART.findall(match[2])) if match else (key, [])
        if name in ORDER_READ_ONLY_KEYS:
            continue
        if name in INFO_GROUPS:
            if parts:  # a form's billing_info[0][billing_city]
                index, field = (parts[0], parts[1:]) if len(parts) > 1 else ("0", parts)
                if index != "0" or len(field) != 1:
                    errors.setdefault(key, []).append(
                        f"{name} holds one object: use {name}[0][<field>].")
                    continue
                for value in values:
                    put(field[0], value, key, group=name)
                continue
            for value in values:
                if value == []:
                    continue
                group_object = one_object(value)
                if group_object is None:
                    errors.setdefault(name, []).append("Must be a list holding one object.")
                    continue
                for field, field_value in group_object.items():
                    put(field, field_value, f"{name}[0].{field}", group=name)
        elif name == "comments" and parts:  # comments[] or comments[3]
            position = comment_index(parts)
            if position is None:
                errors.setdefault(key, []).append(
                    f"Use comments[] or comments[<index>], an index from 0 to "
                    f"{MAX_COMMENTS - 1}.")
                continue
            for value in values:
                comment_items.append((position if position != "" else len(comment_items),
                                      value))
        elif parts:
            errors.setdefault(key, []).append("Unknown field.")
        elif name == "comments" and len(values) > 1:
            put(name, list(values), name)
        else:
            for value in values:
                put(name, value, name)
    if comment_items:
        if "comments" in flat:
            errors.setdefault("comments", []).append("Given more than once.")
        flat["comments"] = [value for _, value in sorted(comment_items, key=lambda i: i[0])]
    return flat


def one_object(value: Any) -> Mapping | None:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value if isinstance(value, Mapping) else None


def comment_index(parts: list[str]) -> int | str | None:
    """The index of a form's `comments[<index>]` ("" for `comments[]`), or None when it
    is not one (ASCII digits below MAX_COMMENTS: not "٣", not 5,000 digits)."""
    if len(parts) != 1:
        return None
    if parts[0] == "":
        return ""
    try:
        return strict_int(parts[0], minimum=0, maximum=MAX_COMMENTS - 1)
    except InputError:
        return None


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


# --- serializers: the bodies ----------------------------------------------------------


class Body(serializers.Serializer):
    """A body that must be an object; its `to_internal_value` does the rest."""

    def run_validation(self, data=empty):
        if not isinstance(data, Mapping):
            raise ValidationError({NON_FIELD: [NOT_AN_OBJECT]})
        return self.validate(self.to_internal_value(data))


class OrderFieldsBody(Body):
    """The order's own fields, as a create or an update gives them."""

    shipping_address1 = order_text("shipping_address1")
    shipping_address2 = order_text("shipping_address2")
    shipping_city = order_text("shipping_city")
    shipping_state = order_text("shipping_state")
    shipping_zip = order_text("shipping_zip")
    paypal_email = order_text("paypal_email")
    billing_address1 = order_text("billing_address1")
    billing_address2 = order_text("billing_address2")
    billing_city = order_text("billing_city")
    billing_state = order_text("billing_state")
    billing_zip = order_text("billing_zip")
    comments = CommentsField(help_text="One string or a list of strings.")

    @functools.cached_property
    def order_fields(self) -> list[tuple[str, Any]]:
        return [(name, self.fields[name]) for name in (*ADDRESS_FIELDS, "comments")]

    def order_values(self, fields: dict, errors: dict, *, only_given: bool) -> dict:
        cleaned = {}
        for name, field in self.order_fields:
            if only_given and name not in fields:
                continue
            try:
                cleaned[name] = field.clean(fields.get(name))
            except InputError as exc:
                errors.setdefault(exc.field, []).append(exc.message)
        return cleaned


class OrderCreateBody(OrderFieldsBody):
    """An order's create body (the seed's form fields, or the order object's lists)."""

    class Meta:
        ref_name = "MarketplaceOrderCreateBody"

    def to_internal_value(self, data):
        errors: dict[str, list[str]] = {}
        fields = order_body_fields(data, errors)
        return self.create_values(fields, errors)

    def create_values(self, fields: dict, errors: dict) -> OrderInput:
        for name in ("status", "__v"):
            if name in fields:
                errors[name] = ["Set by the system; not accepted when creating an order."]
        if not errors and (values := fast_order_values(fields)) is not None:
            return OrderInput._make(values)
        cleaned = self.order_values(fields, errors, only_given=False)
        raise_if(errors)
        return OrderInput(**cleaned)


# Each text field's limit, the required ones, the email: in OrderInput's order.
TEXT_MAX_LENGTHS = [MarketplaceOrder._meta.get_field(name).max_length
                    for name in ADDRESS_FIELDS]
REQUIRED_TEXTS = operator.itemgetter(*[i for i, name in enumerate(ADDRESS_FIELDS)
                                       if name in REQUIRED_ORDER_FIELDS])
EMAIL_INDEX = ADDRESS_FIELDS.index("paypal_email")


def fast_order_values(fields: dict) -> list | None:
    """OrderInput's values when every field is plainly good (the usual case: an import's
    millions of orders), else None and the fields' own checks name the faults. It accepts
    only what they accept, with the same cleaning: their rules, checked for all fields at
    once instead of a call per field."""
    get = fields.get
    try:
        values = [get(name, "").strip() for name in ADDRESS_FIELDS]
    except AttributeError:  # a value that is not a string (null: the fields' own check)
        return None
    if not (all(map(operator.le, map(len, values), TEXT_MAX_LENGTHS))
            and all(REQUIRED_TEXTS(values)) and email_valid(values[EMAIL_INDEX])):
        return None
    comments = get("comments")
    if comments is None:
        comments = []
    elif (type(comments) is list and len(comments) <= MAX_COMMENTS
          and all(type(item) is str and len(item) <= MAX_COMMENT_LENGTH
                  for item in comments)):
        comments = [item.strip() for item in comments]
    else:
        return None
    # (a NUL or a lone surrogate is not whitespace: strip() keeps it for this check)
    if text_problem("".join(values) + "".join(comments)):
        return None
    values.append(comments)
    return values


class OrderUpdateBody(OrderFieldsBody):
    """A merchant's update: any of the order's fields, its status, and `__v` (the version
    the client saw: a newer one refuses the update)."""

    status = StatusField()

    class Meta:
        ref_name = "MarketplaceOrderUpdateBody"

    def get_fields(self):
        fields = super().get_fields()
        for name in ADDRESS_FIELDS:  # each optional here (given, a required one not blank)
            fields[name] = order_text(name, required=False)
        # "__v" cannot be a class attribute (Python mangles double-underscore names).
        fields["__v"] = version_field(
            help_text="The version the client saw; refused (409) if the order changed since.")
        return fields

    def to_internal_value(self, data):
        errors: dict[str, list[str]] = {}
        fields = order_body_fields(data, errors)
        cleaned = self.order_values(fields, errors, only_given=True)
        if "status" in fields:
            if fields["status"] in Status.values:
                cleaned["status"] = fields["status"]
            else:
                errors["status"] = [f"{short_repr(fields['status'])} is not one of: "
                                    f"{', '.join(Status.values)}."]
        expected_version = None
        if "__v" in fields:
            try:
                expected_version = strict_int(fields["__v"], field="__v", minimum=0,
                                              maximum=MAX_VERSION)
            except InputError:
                errors["__v"] = [f"Must be a whole number from 0 to {MAX_VERSION}, "
                                 f"got {short_repr(fields['__v'])}."]
        raise_if(errors)
        if not cleaned:
            raise ValidationError({NON_FIELD: [
                "Nothing to update: give at least one of status, comments, "
                f"{', '.join(ADDRESS_FIELDS)}."]})
        return OrderChanges(cleaned, expected_version)


class PublicIdField(serializers.CharField):
    """A public id: 24 lowercase hex characters."""

    def __init__(self, **kwargs):
        super().__init__(min_length=PUBLIC_ID_LENGTH, max_length=PUBLIC_ID_LENGTH, **kwargs)

    def clean(self, value) -> str | None:
        if value is None or value == "" or value is empty:
            if self.required:
                raise InputError(self.field_name, REQUIRED)
            return None
        if type(value) is not str or not PUBLIC_ID.match(value):
            raise InputError(self.field_name, f"Must be {PUBLIC_ID_LENGTH} lowercase hex "
                                              f"characters, got {short_repr(value)}.")
        return value


class OrderImportRecord(OrderCreateBody):
    """An import record: the create body, the owners the API takes from the token and
    the path, and what an export carries so that an import gives the same order back."""

    customer_id = PublicIdField(help_text="The customer ordering (the API: the token's).")
    merchant_id = PublicIdField(help_text="The record's merchant (the API: the path's).")
    record_id = PublicIdField(help_text="The record ordered (the API: the path's).")
    external_id = serializers.CharField(max_length=EXTERNAL_ID_MAX, required=False,
                                        help_text="The order's id in the sending system.")
    _id = PublicIdField(required=False, help_text="The order's own id (an export's).")
    status = StatusField()
    created_date = serializers.DateTimeField(required=False)

    class Meta:
        ref_name = "MarketplaceOrderImportRecord"

    def get_fields(self):
        fields = super().get_fields()
        fields["__v"] = version_field()
        return fields

    @functools.cached_property
    def id_fields(self):
        return [self.fields[name] for name in ("customer_id", "merchant_id", "record_id",
                                               "_id")]

    def to_internal_value(self, data):
        errors: dict[str, list[str]] = {}
        ids = [data.get("customer_id"), data.get("merchant_id"), data.get("record_id"),
               data.get("_id") or None]
        if not all(type(value) is str and PUBLIC_ID.match(value) for value in ids[:3]) or (
                ids[3] is not None and not (type(ids[3]) is str and PUBLIC_ID.match(ids[3]))):
            ids = []  # not all plainly good: each field's own check names its fault
            for field in self.id_fields:
                try:
                    ids.append(field.clean(data.get(field.field_name)))
                except InputError as exc:
                    errors[exc.field] = [exc.message]
                    ids.append(None)
        extra = import_values(data, errors)
        fields = order_body_fields(data, errors, skip=ORDER_IMPORT_KEYS)
        order = self.create_values(fields, errors)
        return OrderImportInput(order, *ids[:3], extra["external_id"], ids[3],
                                extra["status"], extra["version"], extra["created_at"])


def import_values(record: Mapping, errors: dict[str, list[str]]) -> dict[str, Any]:
    """external_id, status, version and created_at of an import record."""
    cleaned: dict[str, Any] = {"external_id": None, "status": Status.IN_PROGRESS,
                               "version": 0, "created_at": None}
    external_id = record.get("external_id")
    if external_id is not None and external_id != "":
        if type(external_id) is int:
            external_id = str(external_id)
        if type(external_id) is not str:
            errors["external_id"] = [f"Must be a string, got {short_repr(external_id)}."]
        elif problem := text_problem(external_id):
            errors["external_id"] = [problem]
        elif len(external_id) > EXTERNAL_ID_MAX:
            errors["external_id"] = [f"At most {EXTERNAL_ID_MAX} characters."]
        else:
            cleaned["external_id"] = external_id
    status = record.get("status")
    if status is not None and status != "":
        if status in Status.values:
            cleaned["status"] = status
        else:
            errors["status"] = [f"{short_repr(status)} is not one of: "
                                f"{', '.join(Status.values)}."]
    version = record.get("__v")
    if version is not None and version != "":
        number = whole_number(version)
        if number is None or number < 0:
            errors["__v"] = [f"Must be a whole number, got {short_repr(version)}."]
        elif number > MAX_VERSION:  # as the API's update answers
            errors["__v"] = [f"At most {MAX_VERSION}, got {str(version).strip()}."]
        else:
            cleaned["version"] = number
    created = record.get("created_date")
    if created is not None and created != "":
        try:
            cleaned["created_at"] = import_datetime(created, field="created_date")
        except InputError as exc:
            errors["created_date"] = [
                exc.message if exc.message.startswith("Must be between") or "offset" in (
                    exc.message) else
                f"Must be a time like 2019-02-12T02:16:49.482Z, got {short_repr(created)}."]
    return cleaned


def whole_number(value: Any) -> int | None:
    """An int, or a text of ASCII digits (a CSV cell) as one; else None. A text of more
    than 20 digits counts as its first 20 (int() refuses texts of over 4300 digits): a
    number that size is beyond any column either way."""
    if type(value) is int:
        return value
    if type(value) is str and WHOLE_NUMBER.match(value):
        return int(value.strip().lstrip("0")[:20] or "0")
    return None


class PriceField(serializers.DecimalField):
    """A price in USD: zero or more, whole cents, below 100,000,000."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=10, decimal_places=2, coerce_to_string=False, **kwargs)

    def clean(self, value) -> Decimal:
        if value is None or value == "" or value is empty:
            raise InputError("price", REQUIRED)
        if isinstance(value, bool):
            raise InputError("price", f"Must be a number, got {short_repr(value)}.")
        try:
            # str() first: a JSON number arrives as a float, and its repr is the text sent.
            price = Decimal(str(value).strip())
        except InvalidOperation:
            raise InputError("price", f"Must be a number, got {short_repr(value)}.") from None
        if not price.is_finite() or price < 0:
            raise InputError("price", f"Must be zero or more, got {short_repr(value)}.")
        if price.as_tuple().exponent < -2:
            raise InputError("price",
                             f"At most 2 decimal places (cents), got {short_repr(value)}.")
        if price >= Decimal("100000000"):
            raise InputError("price", f"At most 99999999.99, got {short_repr(value)}.")
        return price


class RecordBody(Body):
    """A record a merchant lists (create), or the fields an update changes (partial)."""

    artist = OrderText(max_length=Record._meta.get_field("artist").max_length, non_blank=True)
    title = OrderText(max_length=Record._meta.get_field("title").max_length, non_blank=True)
    price = PriceField()
    condition = OrderText(max_length=Record._meta.get_field("condition").max_length,
                          non_blank=True)
    comments = OrderText(max_length=MAX_COMMENT_LENGTH)

    class Meta:
        ref_name = "MarketplaceRecordBody"

    skip_keys = RECORD_READ_ONLY_KEYS

    def to_internal_value(self, data):
        errors: dict[str, list[str]] = {}
        fields: dict[str, Any] = {}
        for key, values in body_items(data):
            if key in self.skip_keys:
                continue
            if key not in RECORD_FIELDS:
                errors[key] = ["Unknown field."]
            elif len(values) != 1:
                errors[key] = ["Given more than once."]
            else:
                fields[key] = values[0]
        cleaned: dict[str, Any] = {}
        for name in RECORD_FIELDS:
            if name not in fields and self.partial:
                continue
            try:
                cleaned[name] = self.fields[name].clean(fields.get(name))
            except InputError as exc:
                errors.setdefault(name, []).append(exc.message)
        raise_if(errors)
        if self.partial and not cleaned:
            raise ValidationError({NON_FIELD: [
                f"Nothing to update: give at least one of {', '.join(RECORD_FIELDS)}."]})
        return cleaned


class RecordImportRecord(RecordBody):
    """A catalog import's record: its public `_id` and its merchant's, and the body."""

    _id = PublicIdField()
    merchant_id = PublicIdField()

    class Meta:
        ref_name = "MarketplaceRecordImportRecord"

    skip_keys = RECORD_READ_ONLY_KEYS

    def to_internal_value(self, data):
        errors: dict[str, list[str]] = {}
        ids = {}
        for name in ("_id", "merchant_id"):
            try:
                ids[name] = self.fields[name].clean(data.get(name))
            except InputError as exc:
                errors[name] = [exc.message]
        try:
            fields = super().to_internal_value(data)
        except ValidationError as exc:
            for name, messages in exc.detail.items():
                errors.setdefault(name, []).extend(messages)
        raise_if(errors)
        return {**ids, "fields": fields}


# --- parsing --------------------------------------------------------------------------

ORDER_CREATE = BodyRules(OrderCreateBody)
ORDER_UPDATE = BodyRules(OrderUpdateBody)
ORDER_IMPORT = BodyRules(OrderImportRecord)
RECORD = BodyRules(RecordBody)
RECORD_IMPORT = BodyRules(RecordImportRecord)


def order_create_input(body: Mapping) -> OrderInput:
    """A create body as the order's fields; raises InputErrors."""
    return ORDER_CREATE.parse(body)


def order_update_input(body: Mapping) -> OrderChanges:
    """An update body as its changes and the version the client saw; raises InputErrors."""
    return ORDER_UPDATE.parse(body)


def order_import_input(record: Mapping) -> OrderImportInput:
    """An import record as the order, its owners' ids and its state; raises InputErrors."""
    return ORDER_IMPORT.parse(record)


def record_input(body: Mapping, *, partial: bool = False) -> dict[str, Any]:
    """A record body's fields (all of them, or for `partial` those given); raises
    InputErrors."""
    return RECORD.parse(body, partial=partial)


def record_import_input(record: Mapping) -> dict[str, Any]:
    """A catalog import record: {"_id", "merchant_id", "fields"}; raises InputErrors."""
    return RECORD_IMPORT.parse(record)
