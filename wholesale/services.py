"""Every write of the wholesale domain, and the validation of an order body.

`order_body_validate` and `wholesale.pricing` touch no database, so a bulk importer can
check and price many orders with one set-based product lookup
(`selectors.products_by_code(order_body_product_codes(body))` per batch) and accept and
reject exactly what the API does.
"""

import re
import sys
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from orders.db import row_upsert
from orders.events import order_event_record
from orders.lifecycle import Transition, TransitionRefused, transition
from wholesale import selectors
from wholesale.models import (
    OrderNumberCounter,
    Product,
    TradeAccount,
    WholesaleOrder,
    WholesaleOrderLine,
)
from wholesale.pricing import line_figures, order_totals

State = WholesaleOrder.State

# The wholesale order lifecycle, as data. An order is edited while OPEN.
PLACE = Transition("place", source={State.OPEN}, target=State.PLACED)
CANCEL = Transition("cancel", source={State.OPEN}, target=State.CANCELLED)
EDITABLE_STATES = frozenset({State.OPEN})

# What a DELIVER order needs before it can be placed (an OPEN order may be incomplete).
DELIVERY_FIELDS_TO_PLACE = [
    "delivery_address1", "delivery_town", "delivery_postcode", "delivery_country_code",
]
# Optional text fields of the body: a string or null, stored as "" when absent.
BODY_TEXT_FIELDS = [
    "delivery_name", "delivery_company_name", "delivery_address1", "delivery_address2",
    "delivery_town", "delivery_county", "delivery_country_code", "delivery_postcode",
    "delivery_telephone", "notes",
]
COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")
COUNTRY_FIELD = "delivery_country_code"
# Looked up once: order_body_validate runs per order in bulk imports (Choices.values and
# Options.get_field are recomputed on every call).
ORDER_TYPES = WholesaleOrder.OrderType
DELIVERY_METHODS = WholesaleOrder.DeliveryMethod
CHOICE_VALUES = {choices: frozenset(choices.values) for choices in (ORDER_TYPES, DELIVERY_METHODS)}
MAX_CUSTOMER_ORDER_NO = WholesaleOrder._meta.get_field("customer_order_no").max_length
TEXT_FIELD_LIMITS = [(name, WholesaleOrder._meta.get_field(name).max_length or sys.maxsize)
                     for name in BODY_TEXT_FIELDS]  # (notes: a TextField, no limit)
MAX_QUANTITY = 2_147_483_647  # the quantity column's range (a PostgreSQL integer)
MAX_ORDER_LINES = 1000  # products in one order body (API and import alike)
MAX_PRICE = Decimal("999999999999")  # within numeric(14,2), with room for rounding
MAX_WEIGHT = Decimal("99999999999")  # within numeric(14,3)
# A product's unit price and weight are below these (their columns' digits), so an order
# of fewer units than SAFE_UNITS in all cannot reach MAX_PRICE or MAX_WEIGHT.
UNIT_PRICE_BOUND = 10 ** (Product._meta.get_field("unit_price").max_digits
                          - Product._meta.get_field("unit_price").decimal_places)
UNIT_WEIGHT_BOUND = 10 ** (Product._meta.get_field("unit_weight").max_digits
                           - Product._meta.get_field("unit_weight").decimal_places)
SAFE_UNITS = int(min(MAX_PRICE // UNIT_PRICE_BOUND, MAX_WEIGHT // UNIT_WEIGHT_BOUND))
NUL = "\x00"  # PostgreSQL text cannot hold it
NUL_MESSAGE = "Must not contain a NUL character (\\u0000)."


class OrderBodyMalformed(ValidationError):
    """The body is not shaped like an order (not an object, products not a list of
    objects): the API answers 400."""


class OrderBodyInvalid(ValidationError):
    """A field of the body is missing or invalid: the API answers 422."""


class OrderLineInput(NamedTuple):  # a tuple: made five times per order in bulk imports
    product: Product
    quantity: int


def order_body_product_codes(*bodies: Any) -> set[str]:
    """The product codes the bodies name, for one set-based product lookup before
    validation (a bulk import asks for a batch's bodies at once)."""
    return {code for data in bodies if isinstance(data, dict)
            and isinstance(products := data.get("products"), list)
            for item in products
            if isinstance(item, dict) and isinstance(code := item.get("product_code"), str)
            and NUL not in code}


def order_body_validate(data: Any, products_by_code: dict[str, Product]) -> dict[str, Any]:
    """A parsed create-or-update body -> the order's field values plus `lines`.

    `products_by_code` holds the active products (see `order_body_product_codes`); a code
    not in it is unknown or inactive. Raises OrderBodyMalformed (wrong structure) or
    OrderBodyInvalid naming every field at fault.

    It runs per order in bulk imports: each field's usual, valid case is tested first,
    and the checks that name a fault run only when that test fails.
    """
    if not isinstance(data, dict):
        raise OrderBodyMalformed("The body must be a JSON object (an order).")
    products = data.get("products")
    if products is not None and not (
        isinstance(products, list) and all(isinstance(item, dict) for item in products)
    ):
        raise OrderBodyMalformed(
            {"products": ["Must be a list of objects with product_code and quantity."]})

    if products is not None and len(products) > MAX_ORDER_LINES:
        raise OrderBodyInvalid(
            {"products": [f"At most {MAX_ORDER_LINES} products, got {len(products)}."]})

    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    customer_order_no = data.get("customer_order_no")
    if customer_order_no is None:
        errors["customer_order_no"] = ["This field is required."]
    elif not isinstance(customer_order_no, str):
        errors["customer_order_no"] = ["Must be a string."]
    elif NUL in customer_order_no:
        errors["customer_order_no"] = [NUL_MESSAGE]
    elif not customer_order_no.strip():
        errors["customer_order_no"] = ["May not be blank."]
    elif len(customer_order_no.strip()) > MAX_CUSTOMER_ORDER_NO:
        errors["customer_order_no"] = [f"At most {MAX_CUSTOMER_ORDER_NO} characters."]
    else:
        cleaned["customer_order_no"] = customer_order_no.strip()

    for name, choices, default in [("order_type", ORDER_TYPES, ORDER_TYPES.WHOLESALE),
                                   ("delivery_method", DELIVERY_METHODS, None)]:
        value = data.get(name)
        if value is None and default is not None:
            cleaned[name] = default
        elif value is None:
            errors[name] = ["This field is required."]
        elif not isinstance(value, str) or value not in CHOICE_VALUES[choices]:
            errors[name] = [f"{value!r} is not one of: {', '.join(choices.values)}."]
        else:
            cleaned[name] = value

    for name, max_length in TEXT_FIELD_LIMITS:
        value = data.get(name)
        if value is None:
            cleaned[name] = ""
            continue
        if not isinstance(value, str):
            errors[name] = ["Must be a string or null."]
            continue
        value = value.strip()
        if len(value) <= max_length and NUL not in value and name != COUNTRY_FIELD:
            cleaned[name] = value  # the usual case
        elif NUL in value:
            errors[name] = [NUL_MESSAGE]
        elif name == COUNTRY_FIELD and value and not COUNTRY_CODE.fullmatch(value):
            errors[name] = [f"{value!r} is not a two-letter country code (such as GB)."]
        elif len(value) > max_length:
            errors[name] = [f"At most {max_length} characters, got {len(value)}."]
        else:
            cleaned[name] = value.upper() if name == COUNTRY_FIELD else value

    if products is None:
        errors["products"] = ["This field is required."]
    elif not products:
        errors["products"] = ["At least one product is required."]
    else:
        lines = []
        for index, item in enumerate(products):
            code, quantity = item.get("product_code"), item.get("quantity")
            product = products_by_code.get(code) if type(code) is str else None
            if product is not None and type(quantity) is int and 0 < quantity <= MAX_QUANTITY:
                lines.append(OrderLineInput(product, quantity))
                continue
            if code is None:
                errors[f"products[{index}].product_code"] = ["This field is required."]
            elif not isinstance(code, str):
                errors[f"products[{index}].product_code"] = ["Must be a string."]
            elif NUL in code:
                errors[f"products[{index}].product_code"] = [NUL_MESSAGE]
            elif code not in products_by_code:
                errors[f"products[{index}].product_code"] = [
                    f"Unknown or inactive product_code {code!r}."]
            if quantity is None:
                errors[f"products[{index}].quantity"] = ["This field is required."]
            elif type(quantity) is not int or quantity < 1:
                errors[f"products[{index}].quantity"] = [
                    f"Must be a positive integer, got {quantity!r}."]
            elif quantity > MAX_QUANTITY:
                errors[f"products[{index}].quantity"] = [
                    f"At most {MAX_QUANTITY}, got {quantity!r}."]
        if len(lines) == len(products):
            errors.update(lines_beyond_the_columns(lines))
        cleaned["lines"] = lines

    if errors:
        raise OrderBodyInvalid(errors)
    return cleaned


def lines_beyond_the_columns(lines: list[OrderLineInput]) -> dict[str, list[str]]:
    """Errors for lines whose price or weight, or whose order's totals, would not fit the
    money and weight columns (numeric(14,2) and numeric(14,3)); the limits keep a margin
    for rounding, and VAT is a fraction of the price."""
    if sum([quantity for _, quantity in lines]) < SAFE_UNITS:
        return {}  # the usual order: too few units to reach the limits
    errors = {}
    total_price = total_weight = Decimal(0)
    for index, (product, quantity) in enumerate(lines):
        price, weight = product.unit_price * quantity, product.unit_weight * quantity
        if price > MAX_PRICE or weight > MAX_WEIGHT:
            errors[f"products[{index}].quantity"] = [
                f"{quantity} x {product.product_code} would cost {price} or weigh {weight} kg: "
                f"beyond what a line can hold ({MAX_PRICE}, {MAX_WEIGHT} kg)."]
        total_price += price
        total_weight += weight
    if not errors and (total_price > MAX_PRICE or total_weight > MAX_WEIGHT):
        errors["products"] = [f"The order's total ({total_price}, {total_weight} kg) is "
                              f"beyond what an order can hold ({MAX_PRICE}, {MAX_WEIGHT} kg)."]
    return errors


def order_numbers_allocate(count: int) -> range:
    """Take `count` consecutive order numbers in one statement.

    The UPDATE locks the counter row until the caller's transaction ends, so concurrent
    allocations queue instead of colliding; a rolled back transaction gives its numbers back.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    with transaction.atomic():
        counter = OrderNumberCounter.objects.filter(pk=1)
        if not counter.update(last_value=F("last_value") + count):
            # First use (or a flushed test database): start after the highest number in use.
            highest = (WholesaleOrder.objects.order_by("-order_number")
                       .values_list("order_number", flat=True).first())
            OrderNumberCounter.objects.get_or_create(pk=1, defaults={"last_value": highest or 0})
            counter.update(last_value=F("last_value") + count)
        last = counter.values_list("last_value", flat=True).get()
    return range(last - count + 1, last + 1)


def order_numbers_continue_after(number: int) -> None:
    """Make the next allocated number greater than `number` (after inserting known orders)."""
    with transaction.atomic():
        counter = OrderNumberCounter.objects.filter(pk=1)
        if not counter.update(last_value=Greatest(F("last_value"), number)):
            OrderNumberCounter.objects.get_or_create(pk=1, defaults={"last_value": number})
            counter.update(last_value=Greatest(F("last_value"), number))


def order_line_build(*, order: WholesaleOrder, product: Product, quantity: int,
                     position: int) -> WholesaleOrderLine:
    """An unsaved line with the product's current figures and its computed prices."""
    vat_rate = product.vat_rate
    figures = line_figures(unit_price=product.unit_price, vat_rate=vat_rate,
                           unit_weight=product.unit_weight, quantity=quantity)
    return WholesaleOrderLine(
        order=order,
        position=position,
        product=product,
        quantity=quantity,
        product_code=product.product_code,
        product_type=product.type,
        description=product.description,
        vat_code=product.vat_code,
        vat_rate=vat_rate,
        unit_price=product.unit_price,
        unit_weight=product.unit_weight,
        line_price=figures.line_price,
        vat=figures.vat,
        line_weight=figures.line_weight,
    )


def order_totals_apply(order: WholesaleOrder, lines: list[WholesaleOrderLine]) -> None:
    totals = order_totals(lines)
    order.total_price = totals.total_price
    order.total_vat = totals.total_vat
    order.total_weight = totals.total_weight


def order_save_from_body(*, account: TradeAccount, data: Any, actor=None,
                         via: str = "api") -> tuple[WholesaleOrder, bool]:
    """Create or update the account's order with the body's customer_order_no.

    Returns (order, created). A new number creates an order; an OPEN order with that
    number is replaced (fields and lines); any other state raises TransitionRefused.
    Two concurrent calls with one new number make one order: the loser's insert fails on
    the unique (account, customer_order_no) inside a savepoint and it updates instead.
    """
    products = selectors.products_by_code(order_body_product_codes(data))
    cleaned = order_body_validate(data, products)
    lines = cleaned.pop("lines")
    with transaction.atomic():
        order = order_locked_by_customer_order_no(account, cleaned["customer_order_no"])
        if order is None:
            try:
                with transaction.atomic():
                    return order_create(account=account, fields=cleaned, lines=lines,
                                        actor=actor, via=via), True
            except IntegrityError:
                order = order_locked_by_customer_order_no(account, cleaned["customer_order_no"])
                if order is None:
                    raise
        order_replace(order=order, fields=cleaned, lines=lines, actor=actor, via=via)
    return order, False


def order_locked_by_customer_order_no(account: TradeAccount,
                                      customer_order_no: str) -> WholesaleOrder | None:
    return (WholesaleOrder.objects.select_for_update()
            .filter(account=account, customer_order_no=customer_order_no).first())


def order_create(*, account: TradeAccount, fields: dict[str, Any],
                 lines: list[OrderLineInput], actor=None, via: str = "api") -> WholesaleOrder:
    with transaction.atomic():
        order = WholesaleOrder(
            account=account,
            order_number=order_numbers_allocate(1)[0],
            created_by=user_or_none(actor),
            **fields,
        )
        built = order_save_with_lines(order, lines)
        order_event_record(order=order, action="create", via=via, actor=actor,
                           to_state=order.order_state, note=order_summary(order, built))
    return order


def order_save_with_lines(order: WholesaleOrder,
                          lines: list[OrderLineInput]) -> list[WholesaleOrderLine]:
    """Save the order with these lines, priced from the catalog, and its totals."""
    built = [order_line_build(order=order, product=line.product, quantity=line.quantity,
                              position=index) for index, line in enumerate(lines)]
    order_totals_apply(order, built)
    order.save()
    WholesaleOrderLine.objects.bulk_create(built)
    return built


def order_replace(*, order: WholesaleOrder, fields: dict[str, Any],
                  lines: list[OrderLineInput], actor=None, via: str = "api") -> WholesaleOrder:
    """Replace an OPEN order's fields and lines (call with the order's row locked)."""
    order_ensure_editable(order)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(order, name, value)
        order.lines.all().delete()
        built = order_save_with_lines(order, lines)
        order_event_record(order=order, action="update", via=via, actor=actor,
                           note=order_summary(order, built))
    return order


def order_revise(
    *,
    order: WholesaleOrder,
    changes: dict[str, Any],
    quantities: dict[int, int],
    removed: set[int],
    added: list[OrderLineInput],
    actor=None,
    via: str = "admin",
) -> WholesaleOrder:
    """An operator's edit of an OPEN order: fields, quantities of lines (by line id),
    lines removed and added. Kept lines keep their price snapshot; totals follow."""
    with transaction.atomic():
        locked = WholesaleOrder.objects.select_for_update().get(pk=order.pk)
        order_ensure_editable(locked)
        for name, value in changes.items():
            setattr(locked, name, value)
        kept = [line for line in locked.lines.order_by("position", "id")
                if line.pk not in removed]
        if not kept and not added:
            raise ValidationError("An order needs at least one line.")
        changed = []
        for line in kept:
            quantity = quantities.get(line.pk, line.quantity)
            if quantity != line.quantity:
                figures = line_figures(unit_price=line.unit_price, vat_rate=line.vat_rate,
                                       unit_weight=line.unit_weight, quantity=quantity)
                line.quantity = quantity
                line.line_price = figures.line_price
                line.vat = figures.vat
                line.line_weight = figures.line_weight
                changed.append(line)
        next_position = max((line.position for line in kept), default=-1) + 1
        new = [order_line_build(order=locked, product=line.product, quantity=line.quantity,
                                position=next_position + index)
               for index, line in enumerate(added)]
        locked.lines.filter(pk__in=removed).delete()
        WholesaleOrderLine.objects.bulk_update(
            changed, ["quantity", "line_price", "vat", "line_weight"])
        WholesaleOrderLine.objects.bulk_create(new)
        order_totals_apply(locked, kept + new)
        locked.save()
        order_event_record(order=locked, action="update", via=via, actor=actor,
                           note=order_summary(locked, kept + new))
    return locked


def order_place(*, order: WholesaleOrder, actor=None, via: str = "api") -> WholesaleOrder:
    return transition(
        order, PLACE, actor=actor, via=via, state_field="order_state",
        guard=order_ensure_deliverable,
        changes=lambda o: {"placed_at": timezone.now(), "placed_by": user_or_none(actor)},
    )


def order_cancel(*, order: WholesaleOrder, actor=None, via: str = "api") -> WholesaleOrder:
    """Cancel an OPEN order (the origin's delete); the row is kept with deleted_by/at."""
    return transition(
        order, CANCEL, actor=actor, via=via, state_field="order_state",
        changes=lambda o: {"deleted_at": timezone.now(), "deleted_by": user_or_none(actor)},
    )


def order_ensure_editable(order: WholesaleOrder) -> None:
    if order.order_state not in EDITABLE_STATES:
        raise TransitionRefused(
            order, f"cannot change an order that is {order.order_state} (only OPEN orders)")


def order_ensure_deliverable(order: WholesaleOrder) -> None:
    if order.delivery_method != WholesaleOrder.DeliveryMethod.DELIVER:
        return
    missing = [name for name in DELIVERY_FIELDS_TO_PLACE if not getattr(order, name).strip()]
    if missing:
        raise TransitionRefused(
            order, f"cannot place a DELIVER order without {', '.join(missing)}")


def order_summary(order: WholesaleOrder, lines: list[WholesaleOrderLine]) -> str:
    return (f"{len(lines)} line(s), total {order.total_price} + VAT {order.total_vat}, "
            f"{order.total_weight} kg")


def user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def product_upsert(*, product_code: str, **values) -> tuple[Product, str]:
    """Create or update a catalog product by code; say created, updated or unchanged.
    Existing order lines keep their snapshot of the old figures."""
    return row_upsert(Product, lookup={"product_code": product_code}, values=values)
