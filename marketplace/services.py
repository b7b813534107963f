"""Every write of the marketplace domain, and the validation of its request bodies.

The validators take a plain mapping (a JSON object, a form's QueryDict or an importer's
row) and return cleaned values or raise `ValidationError({field: [message]})`, so the
API and a bulk importer accept and reject exactly the same input.
"""

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.http.request import QueryDict
from django.utils import timezone

from marketplace.models import MarketplaceCustomer, MarketplaceOrder, Merchant, Record
from orders.events import order_event_record
from orders.inputs import InputError, short_repr, strict_int, text_problem
from orders.lifecycle import Transition, TransitionRefused, transition

Status = MarketplaceOrder.Status

# The order lifecycle, as data: merchants fulfil, either side may cancel while in progress.
COMPLETE = Transition("complete", source={Status.IN_PROGRESS}, target=Status.COMPLETED)
CANCEL = Transition("cancel", source={Status.IN_PROGRESS}, target=Status.CANCELLED)
TRANSITION_TO = {COMPLETE.target: COMPLETE, CANCEL.target: CANCEL}

SHIPPING_FIELDS = ("shipping_address1", "shipping_address2", "shipping_city",
                   "shipping_state", "shipping_zip")
BILLING_FIELDS = ("paypal_email", "billing_address1", "billing_address2", "billing_city",
                  "billing_state", "billing_zip")
ADDRESS_FIELDS = SHIPPING_FIELDS + BILLING_FIELDS
REQUIRED_ORDER_FIELDS = frozenset(
    {"shipping_address1", "shipping_city", "shipping_state", "shipping_zip", "paypal_email"}
)
INFO_GROUPS = {"shipping_info": SHIPPING_FIELDS, "billing_info": BILLING_FIELDS}
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

# A body's lists: `comments` holds at most MAX_COMMENTS strings (a form's `comments[<i>]`
# index is below it); each `*_info` list holds exactly one object.
MAX_COMMENTS = 100
MAX_COMMENT_LENGTH = 2000
MAX_VERSION = 2_147_483_647  # the version column's range (a PostgreSQL integer)
# `billing_info[0][billing_city]` -> "billing_info", "[0][billing_city]"
BRACKETED_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
BRACKET_PART = re.compile(r"\[([^\[\]]*)\]")


# --- request bodies -------------------------------------------------------------------


def order_body_parse(data: Mapping) -> dict[str, Any]:
    """One flat dict of the order fields in a request body, whatever its shape.

    Accepts flat fields (`shipping_city`), the order object's one-item lists
    (`"billing_info": [{"billing_city": ...}]`, or a bare object), form-encoded bracketed
    keys (`billing_info[0][billing_city]`), and comments as one string, repeated form
    keys or `comments[]`/`comments[0]`. Read-only keys of the order object are ignored;
    an unknown key, a field given twice or a malformed group is a ValidationError.
    """
    flat, errors = _order_body_fields(data)
    if errors:
        raise ValidationError(errors)
    return flat


def _order_body_fields(data: Mapping) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """order_body_parse's fields and errors, so validators report both at once."""
    if not isinstance(data, Mapping):
        raise ValidationError({"non_field_errors": ["The body must be an object of fields."]})
    flat: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
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

    for key, values in _body_items(data):
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
                group_object = _one_object(value)
                if group_object is None:
                    errors.setdefault(name, []).append("Must be a list holding one object.")
                    continue
                for field, field_value in group_object.items():
                    put(field, field_value, f"{name}[0].{field}", group=name)
        elif name == "comments" and parts:  # comments[] or comments[3]
            position = _comment_index(parts)
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
    return flat, errors


def _comment_index(parts: list[str]) -> int | str | None:
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


def order_create_validate(data: Mapping) -> dict[str, Any]:
    """The cleaned fields of a new order (model field names) from a create body."""
    fields, errors = _order_body_fields(data)
    for name in ("status", "__v"):
        if name in fields:
            errors[name] = ["Set by the system; not accepted when creating an order."]
    cleaned: dict[str, Any] = {}
    for name in ADDRESS_FIELDS:
        cleaned[name] = _clean_order_string(name, fields.get(name), errors)
    cleaned["comments"] = _clean_comments(fields.get("comments"), errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def order_update_validate(data: Mapping) -> dict[str, Any]:
    """The fields an update changes (model field names; `__v` as `expected_version`)."""
    fields, errors = _order_body_fields(data)
    cleaned: dict[str, Any] = {}
    for name in ADDRESS_FIELDS:
        if name in fields:
            cleaned[name] = _clean_order_string(name, fields[name], errors)
    if "comments" in fields:
        cleaned["comments"] = _clean_comments(fields["comments"], errors)
    if "status" in fields:
        if fields["status"] in Status.values:
            cleaned["status"] = fields["status"]
        else:
            errors["status"] = [f"{short_repr(fields['status'])} is not one of: "
                                f"{', '.join(Status.values)}."]
    if "__v" in fields:
        try:
            cleaned["expected_version"] = strict_int(fields["__v"], field="__v", minimum=0,
                                                     maximum=MAX_VERSION)
        except InputError:
            errors["__v"] = [f"Must be a whole number from 0 to {MAX_VERSION}, "
                             f"got {short_repr(fields['__v'])}."]
    if errors:
        raise ValidationError(errors)
    if not set(cleaned) - {"expected_version"}:
        raise ValidationError({"non_field_errors": [
            "Nothing to update: give at least one of status, comments, "
            f"{', '.join(ADDRESS_FIELDS)}."]})
    return cleaned


def record_validate(data: Mapping, *, partial: bool = False) -> dict[str, Any]:
    """The cleaned fields of a record body; `partial` for an update (all optional)."""
    if not isinstance(data, Mapping):
        raise ValidationError({"non_field_errors": ["The body must be an object of fields."]})
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    for key, values in _body_items(data):
        if key in RECORD_READ_ONLY_KEYS:
            continue
        if key not in RECORD_FIELDS:
            errors[key] = ["Unknown field."]
        elif len(values) != 1:
            errors[key] = ["Given more than once."]
        else:
            fields[key] = values[0]
    cleaned: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        if name not in fields and partial:
            continue
        value = fields.get(name)
        if name == "price":
            cleaned[name] = _clean_price(value, errors)
        else:
            cleaned[name] = _clean_string(
                name, value, errors, required=name in REQUIRED_RECORD_FIELDS,
                max_length=(MAX_COMMENT_LENGTH if name == "comments"
                            else Record._meta.get_field(name).max_length),
            )
    if errors:
        raise ValidationError(errors)
    if partial and not cleaned:
        raise ValidationError({"non_field_errors": [
            f"Nothing to update: give at least one of {', '.join(RECORD_FIELDS)}."]})
    return cleaned


def _body_items(data: Mapping) -> list[tuple[str, list[Any]]]:
    if isinstance(data, QueryDict):
        return [(key, data.getlist(key)) for key in data]
    return [(str(key), [value]) for key, value in data.items()]


def _one_object(value: Any) -> Mapping | None:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value if isinstance(value, Mapping) else None


def _clean_order_string(name: str, value: Any, errors: dict) -> str:
    cleaned = _clean_string(name, value, errors, required=name in REQUIRED_ORDER_FIELDS,
                            max_length=MarketplaceOrder._meta.get_field(name).max_length)
    if name == "paypal_email" and cleaned:
        try:
            validate_email(cleaned)
        except ValidationError:
            errors.setdefault(name, []).append(
                f"{short_repr(cleaned)} is not a valid email address.")
    return cleaned


def _clean_string(name: str, value: Any, errors: dict, *, required: bool,
                  max_length: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(name, []).append(f"Must be a string, got {short_repr(value)}.")
        return ""
    value = value.strip()
    if problem := text_problem(value):
        errors.setdefault(name, []).append(problem)
    elif required and not value:
        errors.setdefault(name, []).append("This field is required.")
    elif len(value) > max_length:
        errors.setdefault(name, []).append(f"At most {max_length} characters.")
    return value


def _clean_comments(value: Any, errors: dict) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        if problem := text_problem(value):
            errors.setdefault("comments", []).append(problem)
        value = [value] if value.strip() else []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.setdefault("comments", []).append("Must be a string or a list of strings.")
        return []
    if len(value) > MAX_COMMENTS:
        errors.setdefault("comments", []).append(f"At most {MAX_COMMENTS} comments.")
    if any(len(item) > MAX_COMMENT_LENGTH for item in value):
        errors.setdefault("comments", []).append(
            f"A comment has at most {MAX_COMMENT_LENGTH} characters.")
    for index, item in enumerate(value):  # named as the API's parser names it
        if "comments" not in errors and (problem := text_problem(item)):
            errors.setdefault(f"comments[{index}]", []).append(problem)
            break
    return [item.strip() for item in value]


def _clean_price(value: Any, errors: dict) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        errors["price"] = ["This field is required." if value in (None, "")
                           else f"Must be a number, got {short_repr(value)}."]
        return None
    try:
        # str() first: a JSON number arrives as a float, and its repr is the text sent.
        price = Decimal(str(value).strip())
    except InvalidOperation:
        errors["price"] = [f"Must be a number, got {short_repr(value)}."]
        return None
    if not price.is_finite() or price < 0:
        errors["price"] = [f"Must be zero or more, got {short_repr(value)}."]
    elif price.as_tuple().exponent < -2:
        errors["price"] = [f"At most 2 decimal places (cents), got {short_repr(value)}."]
    elif price >= Decimal("100000000"):
        errors["price"] = [f"At most 99999999.99, got {short_repr(value)}."]
    return price


# --- orders ---------------------------------------------------------------------------


def order_create(
    *,
    customer: MarketplaceCustomer,
    record: Record,
    fields: dict[str, Any],
    actor=None,
    via: str = "api",
    created_at=None,
    external_id: str | None = None,
    public_id: str | None = None,
    status: str = Status.IN_PROGRESS,
    version: int = 0,
) -> MarketplaceOrder:
    """Turn a listed record into the customer's order; `fields` from order_create_validate.

    An import may give the order's `public_id`, its `status` and `version` (`__v`) as
    another system had them: the order is created in that state, with one event.
    The record row is locked so that a concurrent removal of the record either happens
    before (the order is refused) or waits until the order exists (the removal is refused).
    """
    with transaction.atomic():
        locked = Record.objects.select_for_update().filter(pk=record.pk).first()
        if locked is None or locked.removed_at is not None:
            raise Http404(f"No record with id {record.public_id}.")
        merchant = Merchant.objects.get(pk=locked.merchant_id)
        order = MarketplaceOrder.objects.create(
            record=locked,
            merchant=merchant,
            customer=customer,
            merchant_company_name=merchant.company_name,
            merchant_primary_contact=merchant.primary_contact,
            merchant_phone_number=merchant.phone_number,
            created_at=created_at or timezone.now(),
            external_id=external_id,
            status=status,
            version=version,
            **({"public_id": public_id} if public_id else {}),
            **fields,
        )
        order_event_record(order=order, action="create", via=via, actor=actor,
                           to_state=order.status, note=f"__v {order.version}")
    return order


def order_update(
    *,
    order: MarketplaceOrder,
    changes: dict[str, Any],
    expected_version: int | None = None,
    actor=None,
    via: str = "api",
) -> MarketplaceOrder:
    """Change the given fields (and status, through the lifecycle); bump `version` once.

    `changes` comes from order_update_validate. Under the row lock: a stale
    `expected_version` is refused (409), values equal to the current ones are no change
    (no new version, no event), a status change is a transition with the other fields
    written in the same save and one event.
    """
    with transaction.atomic():
        locked = MarketplaceOrder.objects.select_for_update().get(pk=order.pk)
        if expected_version is not None and expected_version != locked.version:
            raise TransitionRefused(
                locked, f"__v {expected_version} is not the current version "
                        f"{locked.version}: the order changed since, fetch it again")
        changed = {name: value for name, value in changes.items()
                   if getattr(locked, name) != value}
        if not changed:
            return locked
        version = locked.version + 1
        target = changed.pop("status", None)
        note = f"__v {version}" + (f"; changed {', '.join(sorted(changed))}" if changed else "")
        if target is not None:
            spec = TRANSITION_TO.get(target)
            if spec is None:
                raise TransitionRefused(
                    locked, f"cannot move an order that is {locked.status} back to {target}")
            return transition(locked, spec, via=via, actor=actor, note=note,
                              changes=lambda o: {**changed, "version": version})
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.version = version
        locked.save(update_fields=[*changed, "version"])
        order_event_record(order=locked, action="update", via=via, actor=actor, note=note)
    return locked


def order_cancel(*, order: MarketplaceOrder, actor=None, via: str = "api") -> MarketplaceOrder:
    return _order_move(order, CANCEL, actor=actor, via=via)


def order_complete(*, order: MarketplaceOrder, actor=None,
                   via: str = "api") -> MarketplaceOrder:
    return _order_move(order, COMPLETE, actor=actor, via=via)


def _order_move(order: MarketplaceOrder, spec: Transition, *, actor, via: str):
    with transaction.atomic():
        # Locked first so the version the event notes is the one written.
        locked = MarketplaceOrder.objects.select_for_update().get(pk=order.pk)
        version = locked.version + 1
        return transition(locked, spec, via=via, actor=actor, note=f"__v {version}",
                          changes=lambda o: {"version": version})


# --- records --------------------------------------------------------------------------


def record_create(*, merchant: Merchant, fields: dict[str, Any]) -> Record:
    """List a record for the merchant; `fields` from record_validate."""
    return Record.objects.create(merchant=merchant, **fields)


def record_upsert(
    *, merchant: Merchant, public_id: str, fields: dict[str, Any]
) -> tuple[Record, str]:
    """A catalog import's record, by its public id within its merchant: created, updated
    (a removed record is listed again) or unchanged. `fields` from record_validate."""
    with transaction.atomic():
        record = Record.objects.select_for_update().filter(public_id=public_id).first()
        if record is None:
            return Record.objects.create(merchant=merchant, public_id=public_id,
                                         **fields), "created"
        if record.merchant_id != merchant.pk:
            raise ValidationError({"_id": [
                f"Record {public_id} belongs to another merchant."]})
        changed = [name for name, value in fields.items() if getattr(record, name) != value]
        if not changed and record.removed_at is None:
            return record, "unchanged"
        for name in changed:
            setattr(record, name, fields[name])
        record.removed_at = None
        record.save(update_fields=[*changed, "removed_at"])
    return record, "updated"


def record_update(*, record: Record, fields: dict[str, Any]) -> Record:
    """Change the given fields of a listed record; `fields` from record_validate(partial)."""
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        if locked.removed_at is not None:
            raise Http404(f"No record with id {record.public_id}.")
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(fields))
    return locked


def record_remove(*, record: Record) -> Record:
    """Unlist a record; refused (409) while it has orders in progress."""
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        in_progress = locked.orders.filter(status=Status.IN_PROGRESS).count()
        if in_progress:
            raise TransitionRefused(
                locked, f"cannot delete a record with {in_progress} order(s) in progress")
        locked.removed_at = timezone.now()
        locked.save(update_fields=["removed_at"])
    return locked
