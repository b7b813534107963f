"""Every write of the restaurant domain.

`order_create_validate` / `order_update_validate` are the one place that decides what a
create or update body may hold: plain dicts in, cleaned values (model instances, Decimals,
dates) out, or `ValidationError({field: [message]})` naming each bad field (nested as
`order_menus[0].qty`). The API and any importer call them.
"""

import re
import secrets
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_ipv46_address
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from orders.db import row_upsert
from orders.events import order_event_record
from orders.inputs import (
    BIGINT_MAX,
    INT_MAX,
    InputError,
    bounded_datetime,
    first_unstorable,
    short_repr,
    strict_int,
    text_problem,
)
from orders.lifecycle import Transition, TransitionRefused
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
INT_MIN = -INT_MAX - 1
# The longest list a body may hold (order_menus, order_totals, a line's options), and an
# imported order's status_history: beyond it a 422, before any of it is read.
MAX_LIST_LENGTH = 100
MAX_STATUS_HISTORY = 1000

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
        errors.add(name, f"The {name} field must be a string, got {short_repr(value)}.")
        return None
    if problem := text_problem(value):  # the same message the API's parser gives
        errors.add(name, problem)
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
            errors.add("email", "The email must be a valid email address, "
                                f"got {short_repr(value)}.")
    return value


def parse_int(value, *, minimum: int | None = None, maximum: int | None = BIGINT_MAX
              ) -> int | None:
    """orders.inputs.strict_int (ASCII digits, bounded), or None for the caller to name."""
    try:
        return strict_int(value, minimum=minimum, maximum=maximum)
    except InputError:
        return None


def parse_id(value) -> int | None:
    """A row id: 1 to the largest bigint."""
    return parse_int(value, minimum=1)


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
    pk = parse_id(value)
    if pk is None:
        errors.add(name, f"The {name} field must be an id (an integer from 1 to "
                         f"{BIGINT_MAX}), got {short_repr(value)}.")
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
    """An aware datetime (naive means UTC) within what the database and the renderer take
    (orders.inputs.bounded_datetime: year 10000 in UTC is refused, not stored)."""
    value = data.get(name)
    if value is None or value == "":
        return None
    parsed = parsed_or_none(parse_datetime, value)
    if parsed is None:
        errors.add(name, f"The {name} is not a valid date and time, got {short_repr(value)}.")
        return None
    return bounded(parsed, name, errors)


def bounded(value: datetime, name: str, errors) -> datetime | None:
    try:
        return bounded_datetime(value, field=name)
    except InputError as exc:
        errors.add(name, f"The {name} is out of range: {exc.message}")
        return None


def clean_order_type(data, errors, *, required):
    value = data.get("order_type")
    if value is None or value == "":
        if required:
            errors.add("order_type", "The order_type field is required.")
        return None
    if value not in Order.OrderType.values:
        errors.add("order_type",
                   f"The order_type must be 'delivery' or 'collection', got {short_repr(value)}.")
        return None
    return value


def list_of_at_most(data, name, errors, *, what: str, maximum: int = MAX_LIST_LENGTH,
                    required: bool = True) -> list | None:
    """`data[name]` as a list of 1 to `maximum` items (checked before any item is read),
    or None with the error recorded."""
    items = data.get(name)
    if not isinstance(items, list) or (required and not items):
        errors.add(name, f"The {name} field is required: a list of at least one {what}.")
        return None
    if len(items) > maximum:
        errors.add(name, f"The {name} may hold at most {maximum} items, got {len(items)}.")
        return None
    return items


def clean_order_menus(data, errors, *, priced_by_menu: bool = False) -> list[dict]:
    """The order's lines. `priced_by_menu` (a customer's order): a line's name and price
    are the menu's and its subtotal price × qty; a value sent for one must be that value."""
    items = list_of_at_most(data, "order_menus", errors, what="menu item")
    if items is None:
        return []
    ids = {parse_id(item.get("id")) for item in items if isinstance(item, dict)}
    menus = Menu.objects.in_bulk([pk for pk in ids if pk is not None])
    cleaned = []
    for index, item in enumerate(items):
        at = f"order_menus[{index}]"
        if not isinstance(item, dict):
            errors.add(at, f"Each order menu must be an object, got {short_repr(item)}.")
            continue
        menu = menus.get(parse_id(item.get("id")))
        if menu is None:
            errors.add(f"{at}.id",
                       f"The selected menu id {short_repr(item.get('id'))} does not exist.")
        qty = parse_int(item.get("qty"), maximum=None)
        if qty is None or qty < 1:
            errors.add(f"{at}.qty", f"The qty must be an integer of at least 1, "
                                    f"got {short_repr(item.get('qty'))}.")
        elif qty > INT_MAX:
            errors.add(f"{at}.qty", f"The qty may not be greater than {INT_MAX}, got {qty}.")
            qty = None
        price = parse_money(item["price"]) if item.get("price") is not None else None
        if item.get("price") is not None and (price is None or price < 0):
            errors.add(f"{at}.price", f"The price must be a non-negative amount of at most "
                                      f"{MONEY_MAX}, got {short_repr(item.get('price'))}.")
        subtotal = parse_money(item["subtotal"]) if item.get("subtotal") is not None else None
        if item.get("subtotal") is not None and (subtotal is None or subtotal < 0):
            errors.add(f"{at}.subtotal",
                       f"The subtotal must be a non-negative amount of at most {MONEY_MAX}, "
                       f"got {short_repr(item.get('subtotal'))}.")
        name = clean_string(item, "name", local := Errors(), max_length=255)
        comment = clean_string(item, "comment", local, max_length=500)
        for field, messages in local.by_field.items():
            errors.by_field.setdefault(f"{at}.{field}", []).extend(messages)
        options = clean_options(item.get("options"), f"{at}.options", errors)
        if menu is None or qty is None or qty < 1:
            continue
        if priced_by_menu:
            for field, sent, menus_value in [("name", name or None, menu.name),
                                             ("price", price, menu.price),
                                             ("subtotal", subtotal, menu.price * qty)]:
                if sent is not None and sent != menus_value:
                    errors.add(f"{at}.{field}", f"The {field} of a customer's order is the "
                                                f"menu's: {menus_value}, got "
                                                f"{short_repr(item.get(field))}.")
            name, price, subtotal = menu.name, menu.price, None
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


def clean_options(options, at: str, errors) -> list | dict:
    """A line's options (stored as JSON): a list or an object of at most MAX_LIST_LENGTH
    entries, holding no text the database cannot store."""
    if options in (None, "", [], {}):
        return options or []
    if not isinstance(options, (list, dict)):
        errors.add(at, f"The options must be a list, got {short_repr(options)}.")
    elif len(options) > MAX_LIST_LENGTH:
        errors.add(at, f"The options may hold at most {MAX_LIST_LENGTH} items, "
                       f"got {len(options)}.")
    elif found := first_unstorable(options, at):
        errors.add(*found)  # where and what, as the API's parser says it
    else:
        return options
    return []


def clean_order_totals(data, errors) -> list[dict]:
    totals = list_of_at_most(data, "order_totals", errors, what="total")
    if totals is None:
        return []
    cleaned = []
    for index, total in enumerate(totals):
        at = f"order_totals[{index}]"
        if not isinstance(total, dict):
            errors.add(at, f"Each order total must be an object, got {short_repr(total)}.")
            continue
        local = Errors()
        code = clean_string(total, "code", local, required=True, max_length=30)
        title = clean_string(total, "title", local, required=True, max_length=128)
        value = parse_money(total.get("value"))
        if value is None:
            local.add("value", f"The value must be an amount of at most {MONEY_MAX} either "
                               f"way, got {short_repr(total.get('value'))}.")
        priority = parse_int(total.get("priority", 0), minimum=INT_MIN, maximum=INT_MAX)
        if priority is None:
            local.add("priority", f"The priority must be an integer from {INT_MIN} to "
                                  f"{INT_MAX}, got {short_repr(total.get('priority'))}.")
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
            errors.add("address", f"The address must be an object, got {short_repr(address)}.")
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

    `caller_customer` (a customer's own token) forces the order's customer to the caller,
    refuses STAFF_ONLY_CREATE_FIELDS and prices the order from the menu (clean_order_menus,
    customer_totals).
    """
    if not isinstance(data, dict):
        raise ValidationError({"data": ["The body must be a JSON object."]})
    errors = Errors()
    cleaned: dict[str, Any] = {}
    by_customer = caller_customer is not None
    staff_fields = data  # where the staff-only fields are read from
    if by_customer:
        for name in STAFF_ONLY_CREATE_FIELDS:
            if data.get(name) not in (None, ""):
                errors.add(name, f"The {name} field is set by restaurant staff; a customer's "
                                 "order may not give it.")
        staff_fields = {}
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
        if staff_fields.get(name) is not None:
            cleaned[name] = parse_bool(staff_fields[name])
            if cleaned[name] is None:
                errors.add(name, f"The {name} field must be true or false, "
                                 f"got {short_repr(staff_fields[name])}.")
    cleaned["order_menus"] = clean_order_menus(data, errors, priced_by_menu=by_customer)
    if by_customer:
        cleaned["order_total"], cleaned["order_totals"] = customer_totals(
            data, cleaned["order_menus"], errors)
    else:
        cleaned["order_totals"] = clean_order_totals(data, errors)
        cleaned["order_total"] = clean_order_total(data, errors)
    cleaned["payment_method"] = clean_payment(data, errors)
    cleaned["currency"] = (clean_string(staff_fields, "currency", errors, max_length=3)
                           or "GBP").upper()
    cleaned["invoice_prefix"] = clean_string(staff_fields, "invoice_prefix", errors,
                                             max_length=32)
    cleaned["invoice_date"] = clean_datetime(staff_fields, "invoice_date", errors)
    cleaned["status"] = clean_related(staff_fields, "status_id", Status, errors,
                                      label="status")
    if by_customer:
        cleaned["status"] = Status.objects.filter(name=CUSTOMER_FIRST_STATUS).first()
    cleaned["status_comment"] = clean_string(staff_fields, "status_comment", errors,
                                             max_length=500) or ""
    cleaned["assignee"] = clean_related(staff_fields, "assignee_id", Staff, errors,
                                        label="staff member")
    cleaned["assignee_group"] = clean_related(staff_fields, "assignee_group_id", StaffGroup,
                                              errors, label="staff group")
    cleaned["ip_address"] = clean_ip(staff_fields, errors)
    cleaned["user_agent"] = clean_string(staff_fields, "user_agent", errors, max_length=1000)
    cleaned["external_id"] = clean_string(staff_fields, "external_id", errors,
                                          max_length=100) or None
    if cleaned["external_id"] and Order.objects.filter(
            external_id=cleaned["external_id"]).exists():
        errors.add("external_id", f"An order with external_id {short_repr(cleaned['external_id'])} "
                                  "exists already.")
    cleaned["total_items"] = sum(item["qty"] for item in cleaned["order_menus"])
    if cleaned["total_items"] > INT_MAX:
        errors.add("order_menus", f"The qty of all order menus may not add up to more than "
                                  f"{INT_MAX}, got {cleaned['total_items']}.")
    errors.raise_if_any()
    return cleaned


def clean_order_total(data, errors) -> Decimal | None:
    total = parse_money(data.get("order_total"))
    if data.get("order_total") in (None, ""):
        errors.add("order_total", "The order_total field is required.")
    elif total is None or total < 0:
        errors.add("order_total", f"The order_total must be a non-negative amount of at "
                                  f"most {MONEY_MAX}, got {short_repr(data.get('order_total'))}.")
    return total


def customer_totals(data, lines: list[dict], errors) -> tuple[Decimal, list[dict]]:
    """A customer's order total (the sum of its lines' subtotals) and its one order total
    line (CUSTOMER_TOTAL). `order_total` and `order_totals` may be left out; given, they
    must be these."""
    total = sum((line["subtotal"] for line in lines), Decimal("0.0000"))
    totals = [{**CUSTOMER_TOTAL, "value": total}]
    if any(name.startswith("order_menus") for name in errors.by_field):
        return total, totals  # no total to compare with until every line is right
    if total > MONEY_MAX:
        errors.add("order_menus", f"The order menus come to {total}, more than {MONEY_MAX}.")
    if data.get("order_total") not in (None, "") and parse_money(data["order_total"]) != total:
        errors.add("order_total", f"The order_total of a customer's order is the sum of its "
                                  f"subtotals: {total}, got {short_repr(data['order_total'])}.")
    if data.get("order_totals") not in (None, []):
        sent = clean_order_totals(data, errors)
        if sent and sent != totals:
            errors.add("order_totals", "The order_totals of a customer's order are computed "
                                       "from the menu (one total: code 'total', title "
                                       f"'Total', value {total}, priority 1); leave them out.")
    return total, totals


def clean_date(data, name, errors) -> date | None:
    """A date whose midnight (UTC) is within orders.inputs.bounded_datetime's years."""
    value = data.get(name)
    if value in (None, ""):
        return None
    parsed = parsed_or_none(parse_date, value)
    if parsed is None:
        errors.add(name, f"The {name} is not a valid date (YYYY-MM-DD), got {short_repr(value)}.")
    elif bounded(datetime.combine(parsed, time.min), name, errors) is None:
        return None
    return parsed


def clean_time(data, name, errors) -> time | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    parsed = parsed_or_none(parse_time, value)
    if parsed is None:
        errors.add(name, f"The {name} is not a valid time (HH:MM), got {short_repr(value)}.")
    return parsed


def clean_payment(data, errors) -> PaymentMethod | None:
    code = data.get("payment")
    if code in (None, ""):
        return None
    if isinstance(code, str) and (problem := text_problem(code)):
        errors.add("payment", problem)
        return None
    method = PaymentMethod.objects.filter(code=code, is_active=True).first() if isinstance(
        code, str) else None
    if method is None:
        errors.add("payment", f"The selected payment {short_repr(code)} is not an available "
                              "payment method.")
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
        errors.add("ip_address", "The ip_address must be a valid IP address, "
                                 f"got {short_repr(value)}.")
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
                               f"got {short_repr(extra['hash'])}.")
        else:
            taken = Order.objects.filter(hash=extra["hash"]).values_list("pk", flat=True)
            if taken:
                errors.add("hash", f"The hash {short_repr(extra['hash'])} is the hash of order "
                                   f"#{taken[0]}.")
    extra["status_history"] = clean_status_history(data, errors)
    errors.raise_if_any()
    return cleaned, extra


def clean_status_history(data, errors) -> list[dict] | None:
    entries = data.get("status_history")
    if entries is None:
        return None
    if not isinstance(entries, list):
        errors.add("status_history",
                   f"The status_history must be a list, got {short_repr(entries)}.")
        return None
    if len(entries) > MAX_STATUS_HISTORY:
        errors.add("status_history", f"The status_history may hold at most "
                                     f"{MAX_STATUS_HISTORY} entries, got {len(entries)}.")
        return None
    cleaned = []
    for index, entry in enumerate(entries):
        at = f"status_history[{index}]"
        if not isinstance(entry, dict):
            errors.add(at, f"Each status history entry must be an object, got {short_repr(entry)}.")
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
                                f"got {short_repr(entry.get('notify'))}.")
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
                                 f"got {short_repr(data['notify'])}.")
    if "order_type" in data:
        cleaned["order_type"] = clean_order_type(data, errors, required=True)
    if data.get("order_date_time") not in (None, ""):
        value = data["order_date_time"]
        parsed = parsed_or_none(parse_datetime, value)
        if parsed is None:
            errors.add("order_date_time", "The order_date_time must be a date and time "
                                          f"(YYYY-MM-DD HH:MM:SS), got {short_repr(value)}.")
        elif bounded(parsed, "order_date_time", errors) is not None:
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
    """The order's row, locked until the transaction ends; Http404 (the API's 404) when a
    concurrent delete took it first.

    No join under the lock: when PostgreSQL re-reads a row that another transaction just
    updated, the columns of an outer-joined table come back NULL. `status` is loaded by
    its own query when used.
    """
    locked = Order.objects.select_for_update().filter(pk=order.pk).first()
    if locked is None:
        raise Http404(f"No order with id {order.pk}.")
    return locked


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
            raise TransitionRefused(locked, f"there is no status named {short_repr(spec.target)}")
        status_record(locked, target, comment=comment, notify=False, actor=actor, via=via,
                      changed_at=timezone.now(), action=spec.name)
        locked.save(update_fields=["status", "status_updated_at", "updated_at"])
    return locked


def order_cancel(*, order: Order, actor=None, via: str = "admin") -> Order:
    return order_status_move(order=order, spec=CANCEL, actor=actor, via=via)


def order_complete(*, order: Order, actor=None, via: str = "admin") -> Order:
    return order_status_move(order=order, spec=COMPLETE, actor=actor, via=via)


def order_assign(*, order: Order, staff: Staff, actor=None, via: str = "admin") -> Order:
    """Assign an open order; TransitionRefused for a completed or cancelled one."""
    with transaction.atomic():
        locked = order_locked(order)
        current = locked.status.name if locked.status_id else "no status"
        if current not in OPEN_STATUSES:
            raise TransitionRefused(
                locked, f"cannot assign an order that is {current} "
                        f"(allowed while: {', '.join(sorted(OPEN_STATUSES))})")
        return order_update(order=locked, data={"assignee_id": staff.pk}, actor=actor,
                            via=via)


def order_delete(*, order: Order, actor=None, via: str = "api") -> int:
    """Delete the order with its lines; its history events stay (with the order's id)."""
    with transaction.atomic():
        locked = order_locked(order)
        order_id = locked.pk
        order_event_record(order=locked, action="delete", via=via, actor=actor,
                           note=f"deleted order #{order_id}")
        locked.delete()
    return order_id
