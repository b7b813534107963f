"""Every write of the restaurant domain.

`order_create_validate` / `order_update_validate` are the one place that decides what a
create or update body may hold: plain dicts in, cleaned values (model instances, Decimals,
dates) out, or `ValidationError({field: [message]})` naming each bad field (nested as
`order_menus[0].qty`). The API and any importer call them.
"""

import re
import secrets
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_ipv46_address
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from orders.db import row_upsert
from orders.lifecycle import Transition, TransitionRefused
from orders.services import order_event_record
from restaurant.models import (
    Address,
    Customer,
    Location,
    Menu,
    Order,
    OrderMenu,
    OrderTotal,
    PaymentMethod,
    Staff,
    StaffGroup,
    Status,
    StatusHistory,
)

MONEY_PLACES = Decimal("0.0001")  # the origin stores and shows money with 4 decimals
# What the columns hold: money is numeric(15, 4), quantities and priorities integers.
MONEY_MAX = Decimal("99999999999.9999")
INT_MAX = 2_147_483_647
INT_MIN = -2_147_483_648
ID_MAX = 2**63 - 1
NUL = "\x00"  # PostgreSQL text cannot hold it

# The guarded moves of the back office, as data (status names). PATCH status_id may
# move any status to any other, as the origin allows staff to.
OPEN_STATUSES = {"Received", "Pending", "Preparation", "Delivery"}
CANCEL = Transition("cancel", source=OPEN_STATUSES, target="Canceled")
COMPLETE = Transition("complete", source=OPEN_STATUSES, target="Completed")


class Errors:
    """Collects field errors so one answer names every bad field."""

    def __init__(self):
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def clean_string(data, name, errors, *, required=False, max_length=None, min_length=0):
    """The string `data[name]` ("" when absent), recording what is wrong with it."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors.add(name, f"The {name} field is required.")
        return ""
    if not isinstance(value, str):
        errors.add(name, f"The {name} field must be a string, got {value!r}.")
        return None
    if NUL in value:
        errors.add(name, f"The {name} field must not contain a NUL character (\\u0000).")
        return None
    if max_length is not None and len(value) > max_length:
        errors.add(name, f"The {name} field may not be greater than {max_length} characters.")
    elif len(value) < min_length:
        errors.add(name, f"The {name} field must be at least {min_length} characters.")
    return value


def clean_name(data, name, errors, *, required):
    value = clean_string(data, name, errors, required=required, max_length=48, min_length=1)
    if value is not None and value != "" and not value.strip():
        errors.add(name, f"The {name} field must not be blank.")
    return value


def clean_email(data, errors, *, required):
    value = clean_string(data, "email", errors, required=required, max_length=96)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            errors.add("email", f"The email must be a valid email address, got {value!r}.")
    return value


def parse_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def parse_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return bool(int(value))
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def parse_money(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or abs(amount) > MONEY_MAX:
        return None
    return amount.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def clean_related(data, name, model, errors, *, label, required=False, queryset=None):
    """`<name>` holds the id of a row of `model`; answer the row or record the error."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors.add(name, f"The {name} field is required.")
        return None
    pk = parse_int(value)
    if pk is None:
        errors.add(name, f"The {name} field must be an integer, got {value!r}.")
        return None
    if abs(pk) > ID_MAX:  # no row has it; SQLite cannot even be asked
        errors.add(name, f"The selected {name} is invalid: no {label} with id {pk}.")
        return None
    row = (queryset if queryset is not None else model.objects).filter(pk=pk).first()
    if row is None:
        errors.add(name, f"The selected {name} is invalid: no {label} with id {pk}.")
    return row


def parsed_or_none(parse, value):
    """`parse` (Django's parse_date, parse_time or parse_datetime) of a string; None for
    anything else, and for what they refuse: None for a malformed string, a ValueError
    for a well-formed impossible one ("2021-13-45")."""
    if not isinstance(value, str):
        return None
    try:
        return parse(value)
    except ValueError:
        return None


def clean_datetime(data, name, errors):
    value = data.get(name)
    if value is None or value == "":
        return None
    parsed = parsed_or_none(parse_datetime, value)
    if parsed is None:
        errors.add(name, f"The {name} is not a valid date and time, got {value!r}.")
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def clean_order_type(data, errors, *, required):
    value = data.get("order_type")
    if value is None or value == "":
        if required:
            errors.add("order_type", "The order_type field is required.")
        return None
    if value not in Order.OrderType.values:
        errors.add("order_type",
                   f"The order_type must be 'delivery' or 'collection', got {value!r}.")
        return None
    return value


def clean_order_menus(data, errors) -> list[dict]:
    items = data.get("order_menus")
    if not isinstance(items, list) or not items:
        errors.add("order_menus", "The order_menus field is required: a list of at least "
                                  "one menu item.")
        return []
    ids = {parse_int(item.get("id")) for item in items if isinstance(item, dict)}
    menus = Menu.objects.in_bulk([pk for pk in ids if pk is not None and abs(pk) <= ID_MAX])
    cleaned = []
    for index, item in enumerate(items):
        at = f"order_menus[{index}]"
        if not isinstance(item, dict):
            errors.add(at, f"Each order menu must be an object, got {item!r}.")
            continue
        menu_id = parse_int(item.get("id"))
        menu = menus.get(menu_id)
        if menu is None:
            errors.add(f"{at}.id", f"The selected menu id {item.get('id')!r} does not exist.")
        qty = parse_int(item.get("qty"))
        if qty is None or qty < 1:
            errors.add(f"{at}.qty", f"The qty must be an integer of at least 1, "
                                    f"got {item.get('qty')!r}.")
        elif qty > INT_MAX:
            errors.add(f"{at}.qty", f"The qty may not be greater than {INT_MAX}, got {qty}.")
            qty = None
        price = parse_money(item["price"]) if item.get("price") is not None else None
        if item.get("price") is not None and (price is None or price < 0):
            errors.add(f"{at}.price", f"The price must be a non-negative amount of at most "
                                      f"{MONEY_MAX}, got {item.get('price')!r}.")
        subtotal = parse_money(item["subtotal"]) if item.get("subtotal") is not None else None
        if item.get("subtotal") is not None and (subtotal is None or subtotal < 0):
            errors.add(f"{at}.subtotal", f"The subtotal must be a non-negative amount of at "
                                         f"most {MONEY_MAX}, got {item.get('subtotal')!r}.")
        name = item.get("name") or ""
        if not isinstance(name, str) or len(name) > 255 or NUL in name:
            errors.add(f"{at}.name", "The name must be a string of at most 255 characters "
                                     "(and no NUL character).")
        comment = item.get("comment") or ""
        if not isinstance(comment, str) or len(comment) > 500 or NUL in comment:
            errors.add(f"{at}.comment", "The comment must be a string of at most 500 "
                                        "characters (and no NUL character).")
        options = item.get("options") or []
        if not isinstance(options, (list, dict)):
            errors.add(f"{at}.options", f"The options must be a list, got {options!r}.")
        if menu is None or qty is None or qty < 1:
            continue
        price = menu.price if price is None else price
        if subtotal is None and price * qty > MONEY_MAX:
            errors.add(f"{at}.qty", f"The qty {qty} at {price} comes to more than "
                                    f"{MONEY_MAX}, the largest subtotal.")
            continue
        cleaned.append({
            "menu": menu,
            "name": name if isinstance(name, str) and name else menu.name,
            "qty": qty,
            "price": price,
            "subtotal": (price * qty).quantize(MONEY_PLACES) if subtotal is None else subtotal,
            "comment": comment if isinstance(comment, str) else "",
            "options": options,
        })
    return cleaned


def clean_order_totals(data, errors) -> list[dict]:
    totals = data.get("order_totals")
    if not isinstance(totals, list) or not totals:
        errors.add("order_totals", "The order_totals field is required: a list of at least "
                                   "one total.")
        return []
    cleaned = []
    for index, total in enumerate(totals):
        at = f"order_totals[{index}]"
        if not isinstance(total, dict):
            errors.add(at, f"Each order total must be an object, got {total!r}.")
            continue
        local = Errors()
        code = clean_string(total, "code", local, required=True, max_length=30)
        title = clean_string(total, "title", local, required=True, max_length=128)
        value = parse_money(total.get("value"))
        if value is None:
            local.add("value", f"The value must be an amount of at most {MONEY_MAX} either "
                               f"way, got {total.get('value')!r}.")
        priority = parse_int(total.get("priority", 0))
        if priority is None or not INT_MIN <= priority <= INT_MAX:
            local.add("priority", f"The priority must be an integer from {INT_MIN} to "
                                  f"{INT_MAX}, got {total.get('priority')!r}.")
        for name, messages in local.by_field.items():
            for message in messages:
                errors.add(f"{at}.{name}", message)
        if not local.by_field:
            cleaned.append({"code": code, "title": title, "value": value,
                            "priority": priority})
    return cleaned


def clean_address(data, errors, *, order_type, customer) -> Address | dict | None:
    """An existing address (`address_id`) or a new one (`address` object with address_1);
    a delivery needs one."""
    if data.get("address_id") not in (None, ""):
        queryset = Address.objects.all()
        if customer is not None:  # a customer's own addresses, or unowned ones
            queryset = queryset.filter(Q(customer=customer) | Q(customer__isnull=True))
        return clean_related(data, "address_id", Address, errors, label="address",
                             queryset=queryset)
    address = data.get("address")
    if address not in (None, "", {}):
        if not isinstance(address, dict):
            errors.add("address", f"The address must be an object, got {address!r}.")
            return None
        local = Errors()
        cleaned = {"address_1": clean_string(address, "address_1", local, required=True,
                                             max_length=128)}
        for name in ["address_2", "city", "state", "postcode", "country"]:
            max_length = {"postcode": 15, "country": 64}.get(name, 128)
            cleaned[name] = clean_string(address, name, local, max_length=max_length) or ""
        for name, messages in local.by_field.items():
            for message in messages:
                errors.add(f"address.{name}", message)
        return cleaned
    if order_type == Order.OrderType.DELIVERY:
        errors.add("address_id", "A delivery order needs an address: give address_id or an "
                                 "address object with address_1.")
    return None


def order_create_validate(data: dict, *, caller_customer: Customer | None = None) -> dict:
    """The create body as the API documents it -> cleaned values, or ValidationError.

    `caller_customer` (a customer's own token) forces the order's customer to the caller.
    """
    if not isinstance(data, dict):
        raise ValidationError({"data": ["The body must be a JSON object."]})
    errors = Errors()
    cleaned: dict[str, Any] = {}
    if caller_customer is not None:
        cleaned["customer"] = caller_customer
    else:
        cleaned["customer"] = clean_related(data, "customer_id", Customer, errors,
                                            label="customer")
    cleaned["location"] = clean_related(
        data, "location_id", Location, errors, label="location", required=True,
        queryset=Location.objects.filter(is_active=True))
    cleaned["first_name"] = clean_name(data, "first_name", errors, required=True)
    cleaned["last_name"] = clean_name(data, "last_name", errors, required=True)
    cleaned["email"] = clean_email(data, errors, required=True)
    cleaned["telephone"] = clean_string(data, "telephone", errors, max_length=32) or ""
    cleaned["comment"] = clean_string(data, "comment", errors, max_length=500) or ""
    cleaned["order_type"] = clean_order_type(data, errors, required=True)
    cleaned["address"] = clean_address(data, errors, order_type=cleaned["order_type"],
                                       customer=cleaned["customer"])
    now = timezone.now()
    cleaned["order_date"] = clean_date(data, "order_date", errors) or now.date()
    cleaned["order_time"] = clean_time(data, "order_time", errors) or now.time().replace(
        microsecond=0)
    for name in ["processed", "notify"]:
        if data.get(name) is not None:
            cleaned[name] = parse_bool(data[name])
            if cleaned[name] is None:
                errors.add(name, f"The {name} field must be true or false, got {data[name]!r}.")
    cleaned["order_menus"] = clean_order_menus(data, errors)
    cleaned["order_totals"] = clean_order_totals(data, errors)
    cleaned["order_total"] = parse_money(data.get("order_total"))
    if data.get("order_total") in (None, ""):
        errors.add("order_total", "The order_total field is required.")
    elif cleaned["order_total"] is None or cleaned["order_total"] < 0:
        errors.add("order_total", f"The order_total must be a non-negative amount of at "
                                  f"most {MONEY_MAX}, got {data.get('order_total')!r}.")
    cleaned["payment_method"] = clean_payment(data, errors)
    cleaned["currency"] = (clean_string(data, "currency", errors, max_length=3) or "GBP").upper()
    cleaned["invoice_prefix"] = clean_string(data, "invoice_prefix", errors, max_length=32)
    cleaned["invoice_date"] = clean_datetime(data, "invoice_date", errors)
    cleaned["status"] = clean_related(data, "status_id", Status, errors, label="status")
    cleaned["status_comment"] = clean_string(data, "status_comment", errors,
                                             max_length=500) or ""
    cleaned["assignee"] = clean_related(data, "assignee_id", Staff, errors,
                                        label="staff member")
    cleaned["assignee_group"] = clean_related(data, "assignee_group_id", StaffGroup, errors,
                                              label="staff group")
    cleaned["ip_address"] = clean_ip(data, errors)
    cleaned["user_agent"] = clean_string(data, "user_agent", errors, max_length=1000)
    cleaned["external_id"] = clean_string(data, "external_id", errors, max_length=100) or None
    if cleaned["external_id"] and Order.objects.filter(
            external_id=cleaned["external_id"]).exists():
        errors.add("external_id", f"An order with external_id {cleaned['external_id']!r} "
                                  "exists already.")
    cleaned["total_items"] = sum(item["qty"] for item in cleaned["order_menus"])
    if cleaned["total_items"] > INT_MAX:
        errors.add("order_menus", f"The qty of all order menus may not add up to more than "
                                  f"{INT_MAX}, got {cleaned['total_items']}.")
    errors.raise_if_any()
    return cleaned


def clean_date(data, name, errors) -> date | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    parsed = parsed_or_none(parse_date, value)
    if parsed is None:
        errors.add(name, f"The {name} is not a valid date (YYYY-MM-DD), got {value!r}.")
    return parsed


def clean_time(data, name, errors) -> time | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    parsed = parsed_or_none(parse_time, value)
    if parsed is None:
        errors.add(name, f"The {name} is not a valid time (HH:MM), got {value!r}.")
    return parsed


def clean_payment(data, errors) -> PaymentMethod | None:
    code = data.get("payment")
    if code in (None, ""):
        return None
    method = PaymentMethod.objects.filter(code=code, is_active=True).first() if isinstance(
        code, str) and NUL not in code else None
    if method is None:
        errors.add("payment", f"The selected payment {code!r} is not an available payment "
                              "method.")
    return method


def clean_ip(data, errors) -> str | None:
    value = data.get("ip_address")
    if value in (None, ""):
        return None
    try:
        if not isinstance(value, str):  # the validator takes an integer as an IPv4 address
            raise TypeError
        validate_ipv46_address(value)
    except (ValidationError, TypeError):
        errors.add("ip_address", f"The ip_address must be a valid IP address, got {value!r}.")
        return None
    return value


def order_create(
    *,
    data: dict,
    caller_customer: Customer | None = None,
    actor=None,
    via: str = "api",
    ip_address: str | None = None,
    user_agent: str = "",
) -> Order:
    """Validate and create an order with its menus, totals and first status, atomically.

    `ip_address`/`user_agent` are the request's, used when the body does not give them.
    """
    cleaned = order_create_validate(data, caller_customer=caller_customer)
    return order_create_cleaned(cleaned=cleaned, actor=actor, via=via, ip_address=ip_address,
                                user_agent=user_agent)


def order_create_cleaned(
    *,
    cleaned: dict,
    actor=None,
    via: str = "api",
    ip_address: str | None = None,
    user_agent: str = "",
    created_at: datetime | None = None,
    status_updated_at: datetime | None = None,
    assignee_updated_at: datetime | None = None,
    hash: str | None = None,  # noqa: A002 - the origin's attribute name
    status_history: list[dict] | None = None,
) -> Order:
    """Create an order from `order_create_validate`'s cleaned values, atomically: its
    menus, totals, status history and one create event.

    The keyword times, `hash` and `status_history` are what an import brings back of an
    order's life (`order_import_validate`); left out, they are the API's: now, a new hash,
    one history entry for `status_id` with `status_comment`.
    """
    now = timezone.now()
    created_at = created_at or now
    with transaction.atomic():
        address = cleaned["address"]
        if isinstance(address, dict):
            address = Address.objects.create(customer=cleaned["customer"], **address)
        has_assignee = cleaned["assignee"] or cleaned["assignee_group"]
        order = Order.objects.create(
            customer=cleaned["customer"],
            location=cleaned["location"],
            address=address,
            first_name=cleaned["first_name"],
            last_name=cleaned["last_name"],
            email=cleaned["email"],
            telephone=cleaned["telephone"],
            comment=cleaned["comment"],
            notify=cleaned.get("notify"),
            order_type=cleaned["order_type"],
            order_date=cleaned["order_date"],
            order_time=cleaned["order_time"],
            processed=bool(cleaned.get("processed")),
            total_items=cleaned["total_items"],
            order_total=cleaned["order_total"],
            currency=cleaned["currency"],
            payment_method=cleaned["payment_method"],
            invoice_prefix=cleaned["invoice_prefix"] or f"INV-{created_at.year}-00",
            invoice_date=cleaned["invoice_date"],
            assignee=cleaned["assignee"],
            assignee_group=cleaned["assignee_group"],
            assignee_updated_at=assignee_updated_at or (now if has_assignee else None),
            hash=hash or secrets.token_hex(16),
            ip_address=cleaned["ip_address"] or ip_address,
            user_agent=cleaned["user_agent"] or user_agent or "",
            external_id=cleaned["external_id"],
            created_at=created_at,
        )
        OrderMenu.objects.bulk_create(OrderMenu(order=order, **item)
                                      for item in cleaned["order_menus"])
        OrderTotal.objects.bulk_create(OrderTotal(order=order, **total)
                                       for total in cleaned["order_totals"])
        order_event_record(order=order, action="create", via=via, actor=actor,
                           to_state=cleaned["status"].name if cleaned["status"] else "")
        if status_history is not None:
            StatusHistory.objects.bulk_create(
                StatusHistory(order=order, **{"created_at": created_at, **entry})
                for entry in status_history)
            if cleaned["status"] is not None:
                order.status = cleaned["status"]
                order.status_updated_at = status_updated_at or (
                    status_history[-1].get("created_at", created_at) if status_history
                    else created_at)
                order.save(update_fields=["status", "status_updated_at"])
        elif cleaned["status"] is not None:
            status_record(order, cleaned["status"], comment=cleaned["status_comment"],
                          notify=bool(cleaned.get("notify")), actor=actor,
                          changed_at=status_updated_at or now)
            order.save(update_fields=["status", "status_updated_at"])
    return order


# What an import record may carry beside the API's create body: what an export keeps of
# an order's life, so that export -> import rebuilds the same order.
IMPORT_FIELDS = ["created_at", "status_updated_at", "assignee_updated_at", "hash",
                 "status_history"]


def order_import_validate(data: dict) -> tuple[dict, dict]:
    """An imported order -> (the create body cleaned exactly as the API cleans it for a
    staff caller, the cleaned IMPORT_FIELDS as `order_create_cleaned` keywords), or one
    ValidationError naming every bad field."""
    errors = Errors()
    cleaned: dict = {}
    try:
        cleaned = order_create_validate({k: v for k, v in data.items()
                                         if k not in IMPORT_FIELDS})
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                errors.add(name, message)
    extra: dict[str, Any] = {}
    for name in ["created_at", "status_updated_at", "assignee_updated_at"]:
        extra[name] = clean_datetime(data, name, errors)
    extra["hash"] = clean_string(data, "hash", errors) or None
    if extra["hash"]:
        if not re.fullmatch(r"[0-9a-f]{32}", extra["hash"]):
            errors.add("hash", f"The hash must be 32 lowercase hex characters, "
                               f"got {extra['hash']!r}.")
        else:
            taken = Order.objects.filter(hash=extra["hash"]).values_list("pk", flat=True)
            if taken:
                errors.add("hash", f"The hash {extra['hash']!r} is the hash of order "
                                   f"#{taken[0]}.")
    extra["status_history"] = clean_status_history(data, errors)
    errors.raise_if_any()
    return cleaned, extra


def clean_status_history(data, errors) -> list[dict] | None:
    entries = data.get("status_history")
    if entries is None:
        return None
    if not isinstance(entries, list):
        errors.add("status_history", f"The status_history must be a list, got {entries!r}.")
        return None
    cleaned = []
    for index, entry in enumerate(entries):
        at = f"status_history[{index}]"
        if not isinstance(entry, dict):
            errors.add(at, f"Each status history entry must be an object, got {entry!r}.")
            continue
        local = Errors()
        row = {
            "status": clean_related(entry, "status_id", Status, local, label="status",
                                    required=True),
            "staff": clean_related(entry, "staff_id", Staff, local, label="staff member"),
            "comment": clean_string(entry, "comment", local, max_length=500) or "",
            "notify": False if entry.get("notify") is None else parse_bool(entry["notify"]),
            "created_at": clean_datetime(entry, "created_at", local),
        }
        if row["notify"] is None:
            local.add("notify", f"The notify field must be true or false, "
                                f"got {entry.get('notify')!r}.")
        for name, messages in local.by_field.items():
            for message in messages:
                errors.add(f"{at}.{name}", message)
        if row["created_at"] is None:
            del row["created_at"]
        cleaned.append(row)
    return cleaned


def menu_upsert(*, id: int, name: str, price: Decimal,  # noqa: A002 - the API's menu id
                description: str | None = None, is_active: bool | None = None
                ) -> tuple[Menu, str]:
    """Create or update a menu by its id (the id the API's `order_menus` refer to); say
    whether it was created, updated or unchanged. Omitted fields keep their value."""
    wanted: dict[str, Any] = {"name": name, "price": price}
    if description is not None:
        wanted["description"] = description
    if is_active is not None:
        wanted["is_active"] = is_active
    return row_upsert(Menu, lookup={"pk": id}, values=wanted)


def order_update_validate(data: dict) -> dict:
    """The update body (the fields of the documented update table) -> cleaned changes.

    Only the keys present are changed; a PATCH to `delivery` needs no address (the
    origin's own example does that).
    """
    if not isinstance(data, dict):
        raise ValidationError({"data": ["The body must be a JSON object."]})
    errors = Errors()
    cleaned: dict[str, Any] = {}
    for name in ["first_name", "last_name"]:
        if name in data:
            cleaned[name] = clean_name(data, name, errors, required=True)
    if "email" in data:
        cleaned["email"] = clean_email(data, errors, required=True)
    if "telephone" in data:
        cleaned["telephone"] = clean_string(data, "telephone", errors, max_length=32) or ""
    if "notify" in data:
        cleaned["notify"] = None if data["notify"] is None else parse_bool(data["notify"])
        if data["notify"] is not None and cleaned["notify"] is None:
            errors.add("notify", f"The notify field must be true or false, "
                                 f"got {data['notify']!r}.")
    if "order_type" in data:
        cleaned["order_type"] = clean_order_type(data, errors, required=True)
    if data.get("order_date_time") not in (None, ""):
        value = data["order_date_time"]
        parsed = parsed_or_none(parse_datetime, value)
        if parsed is None:
            errors.add("order_date_time", "The order_date_time must be a date and time "
                                          f"(YYYY-MM-DD HH:MM:SS), got {value!r}.")
        else:
            cleaned["order_date"], cleaned["order_time"] = parsed.date(), parsed.time()
    if data.get("status_id") not in (None, ""):
        cleaned["status"] = clean_related(data, "status_id", Status, errors, label="status")
    cleaned["status_comment"] = clean_string(data, "status_comment", errors,
                                             max_length=500) or ""
    for name in ["status_updated_at", "assignee_updated_at"]:
        if name in data:
            cleaned[name] = clean_datetime(data, name, errors)
    if "assignee_id" in data:
        cleaned["assignee"] = clean_related(data, "assignee_id", Staff, errors,
                                            label="staff member")
    if "assignee_group_id" in data:
        cleaned["assignee_group"] = clean_related(data, "assignee_group_id", StaffGroup,
                                                  errors, label="staff group")
    errors.raise_if_any()
    return cleaned


def order_update(*, order: Order, data: dict, actor=None, via: str = "api") -> Order:
    """Apply an update body under the order's row lock.

    A new status writes one status history entry (and one event) in lock order, so
    concurrent status changes each leave exactly one entry; a new assignee stamps
    `assignee_updated_at`.
    """
    cleaned = order_update_validate(data)
    with transaction.atomic():
        locked = order_locked(order)
        now = timezone.now()
        changed = []
        for name in ["first_name", "last_name", "email", "telephone", "notify", "order_type",
                     "order_date", "order_time"]:
            if name in cleaned and getattr(locked, name) != cleaned[name]:
                setattr(locked, name, cleaned[name])
                changed.append(name)
        assignee_changed = False
        for name in ["assignee", "assignee_group"]:
            if name in cleaned and getattr(locked, f"{name}_id") != (
                    cleaned[name].pk if cleaned[name] else None):
                setattr(locked, name, cleaned[name])
                changed.append(name)
                assignee_changed = True
        if assignee_changed or "assignee_updated_at" in cleaned:
            locked.assignee_updated_at = cleaned.get("assignee_updated_at") or now
            changed.append("assignee_updated_at")
        if changed:
            locked.save(update_fields=changed + ["updated_at"])
            order_event_record(order=locked, action="update", via=via, actor=actor,
                               note="changed: " + ", ".join(changed))
        status = cleaned.get("status")
        if status is not None and status.pk != locked.status_id:
            status_record(locked, status, comment=cleaned["status_comment"],
                          notify=bool(locked.notify), actor=actor, via=via,
                          changed_at=cleaned.get("status_updated_at") or now)
            locked.save(update_fields=["status", "status_updated_at", "updated_at"])
        elif cleaned.get("status_updated_at"):
            locked.status_updated_at = cleaned["status_updated_at"]
            locked.save(update_fields=["status_updated_at", "updated_at"])
    return locked


def order_locked(order: Order) -> Order:
    """The order's row, locked until the transaction ends.

    No join under the lock: when PostgreSQL re-reads a row that another transaction just
    updated, the columns of an outer-joined table come back NULL. `status` is loaded by
    its own query when used.
    """
    return Order.objects.select_for_update().get(pk=order.pk)


def status_record(order: Order, status: Status, *, comment: str, notify: bool, actor,
                  changed_at: datetime, via: str = "api", action: str = "status") -> None:
    """Give the (locked) order a status: one history entry and one event; the caller
    saves the order's status fields."""
    previous = order.status if order.status_id else None
    order.status = status
    order.status_updated_at = changed_at
    StatusHistory.objects.create(
        order=order, status=status, comment=comment, notify=notify,
        staff=getattr(actor, "restaurant_staff", None) if actor is not None else None,
        created_at=changed_at,
    )
    if previous is not None:  # an order's first status is part of its create event
        order_event_record(order=order, action=action, via=via, actor=actor,
                           from_state=previous.name, to_state=status.name, note=comment)


def order_status_move(*, order: Order, spec: Transition, actor=None, via: str = "admin",
                      comment: str = "") -> Order:
    """Move the order along a guarded transition (CANCEL, COMPLETE) under its row lock;
    TransitionRefused when its current status is not a source."""
    with transaction.atomic():
        locked = order_locked(order)
        current = locked.status.name if locked.status_id else "no status"
        if current not in spec.source:
            raise TransitionRefused(
                locked, f"cannot {spec.name} an order that is {current} "
                        f"(allowed from: {', '.join(sorted(spec.source))})")
        target = Status.objects.filter(name=spec.target).first()
        if target is None:
            raise TransitionRefused(locked, f"there is no status named {spec.target!r}")
        status_record(locked, target, comment=comment, notify=False, actor=actor, via=via,
                      changed_at=timezone.now(), action=spec.name)
        locked.save(update_fields=["status", "status_updated_at", "updated_at"])
    return locked


def order_cancel(*, order: Order, actor=None, via: str = "admin") -> Order:
    return order_status_move(order=order, spec=CANCEL, actor=actor, via=via)


def order_complete(*, order: Order, actor=None, via: str = "admin") -> Order:
    return order_status_move(order=order, spec=COMPLETE, actor=actor, via=via)


def order_assign(*, order: Order, staff: Staff, actor=None, via: str = "admin") -> Order:
    return order_update(order=order, data={"assignee_id": staff.pk}, actor=actor, via=via)


def order_delete(*, order: Order, actor=None, via: str = "api") -> int:
    """Delete the order with its lines; its history events stay (with the order's id)."""
    with transaction.atomic():
        locked = order_locked(order)
        order_id = locked.pk
        order_event_record(order=locked, action="delete", via=via, actor=actor,
                           note=f"deleted order #{order_id}")
        locked.delete()
    return order_id
