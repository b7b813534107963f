"""Every write of the wholesale domain, taking typed values (wholesale.inputs), and the
batch write the importer uses."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from orders import db
from orders.db import COPY_NULL, copy_texts, copy_value, row_upsert
from orders.events import EVENT_ROWS, order_event_record
from orders.imports.bulk import TableRows, new_ids
from orders.lifecycle import Transition, TransitionRefused, transition
from orders.models import OrderEvent
from wholesale.inputs import (  # noqa: F401  (BODY_TEXT_FIELDS, MAX_ORDER_LINES: for callers)
    BODY_TEXT_FIELDS,
    MAX_ORDER_LINES,
    OrderBody,
    OrderLineInput,
)
from wholesale.models import (
    OrderNumberCounter,
    Product,
    TradeAccount,
    WholesaleOrder,
    WholesaleOrderLine,
)
from wholesale.pricing import line_figures, order_totals

if TYPE_CHECKING:
    from wholesale.importers import PreparedOrder

State = WholesaleOrder.State

# The wholesale order lifecycle, as data. An order is edited while OPEN.
PLACE = Transition("place", source={State.OPEN}, target=State.PLACED)
CANCEL = Transition("cancel", source={State.OPEN}, target=State.CANCELLED)
EDITABLE_STATES = frozenset({State.OPEN})

# What a DELIVER order needs before it can be placed (an OPEN order may be incomplete).
DELIVERY_FIELDS_TO_PLACE = [
    "delivery_address1", "delivery_town", "delivery_postcode", "delivery_country_code",
]


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


def order_save(*, account: TradeAccount, body: OrderBody, actor=None,
               via: str = "api") -> tuple[WholesaleOrder, bool]:
    """Create or update the account's order with the body's customer_order_no.

    Returns (order, created). A new number creates an order; an OPEN order with that
    number is replaced (fields and lines); any other state raises TransitionRefused.
    Two concurrent calls with one new number make one order: the loser's insert fails on
    the unique (account, customer_order_no) inside a savepoint and it updates instead.
    """
    fields, lines = body
    with transaction.atomic():
        order = order_locked_by_customer_order_no(account, fields["customer_order_no"])
        if order is None:
            try:
                with transaction.atomic():
                    return order_create(account=account, fields=fields, lines=lines,
                                        actor=actor, via=via), True
            except IntegrityError:
                order = order_locked_by_customer_order_no(account, fields["customer_order_no"])
                if order is None:
                    raise
        order_replace(order=order, fields=fields, lines=lines, actor=actor, via=via)
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
    return order_note(len(lines), order.total_price, order.total_vat, order.total_weight)


def order_note(line_count: int, total_price, total_vat, total_weight) -> str:
    """The note of an order's create or update event (an import writes the same)."""
    return f"{line_count} line(s), total {total_price} + VAT {total_vat}, {total_weight} kg"


def user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def product_upsert(*, product_code: str, **values) -> tuple[Product, str]:
    """Create or update a catalog product by code; say created, updated or unchanged.
    Existing order lines keep their snapshot of the old figures."""
    return row_upsert(Product, lookup={"product_code": product_code}, values=values)


# --- the batch write of an import (wholesale.importers) ----------------------------------

# Each table's bulk row, described once: both writes (COPY, bulk_create) take their
# columns from these, and the hand-made COPY text (order_copy_text, the import's
# ImportCatalog.priced_line, events_copy_text) follows their order.
ORDER_ROWS = TableRows(WholesaleOrder, [
    "id", "order_number", "account_id", "customer_order_no", "order_state", "order_type",
    "delivery_method", *BODY_TEXT_FIELDS, "carriage_tba", "total_price", "total_vat",
    "total_weight", "created_at", "created_by_id", "updated_at", "placed_at", "deleted_at",
    "external_id",
])
ORDER_COLUMNS = ORDER_ROWS.columns[2:]  # PreparedOrder.order_text: all but id and number
LINE_ROWS = TableRows(WholesaleOrderLine, [
    "order_id", "position", "quantity", "product_id", "product_code", "product_type",
    "description", "vat_code", "vat_rate", "unit_price", "unit_weight", "line_price", "vat",
    "line_weight",
])
# The line columns copied from its product (the snapshot), and the product's attribute each.
LINE_SNAPSHOT = {"product_id": "pk", "product_code": "product_code", "product_type": "type",
                 "description": "description", "vat_code": "vat_code", "vat_rate": "vat_rate",
                 "unit_price": "unit_price", "unit_weight": "unit_weight"}
assert LINE_ROWS.columns[3:11] == tuple(LINE_SNAPSHOT), "LINE_ROWS and LINE_SNAPSHOT differ"
VIA_IMPORT = OrderEvent.Via.IMPORT.value


def orders_write(orders: list[PreparedOrder], *, actor=None) -> None:
    """Insert an import's new orders, their lines and one history event each, set-based:
    `orders` are wholesale.importers.PreparedOrder (validated, priced, their rows' COPY
    text made), their references checked and locked by the caller. PostgreSQL: one COPY
    a table, skipping the foreign key triggers (which would check the same references
    again, one query per row) when the session may; elsewhere bulk_create. The ids and a
    block of order numbers are taken in one statement each.
    """
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    content_type_id = ContentType.objects.get_for_model(WholesaleOrder).pk
    order_ids = new_ids(WholesaleOrder, len(orders))
    numbers = order_numbers_allocate(len(orders))
    now = timezone.now()
    if connection.vendor != "postgresql":
        ORDER_ROWS.write([order_row(order, order_id, number, now) for order, order_id, number
                          in zip(orders, order_ids, numbers, strict=True)])
        LINE_ROWS.write([row for order, order_id in zip(orders, order_ids, strict=True)
                         for row in line_rows(order, order_id)])
        EVENT_ROWS.write(event_rows(orders, order_ids, content_type_id, actor_id, now))
        return

    # The history rows' references are no record's doing: without them, the triggers.
    skip_triggers = (
        db.foreign_key_triggers_skippable()
        and db.key_share_locked(ContentType, [content_type_id]) == {content_type_id}
        and (actor_id is None
             or db.key_share_locked(get_user_model(), [actor_id]) == {actor_id}))
    order_text = "".join(
        f"{order_id}\t{number}\t{order.order_text}"
        for order, order_id, number in zip(orders, order_ids, numbers, strict=True))
    line_text = "".join([order.lines_copy_text(order_id)
                         for order, order_id in zip(orders, order_ids, strict=True)])
    event_text = events_copy_text(orders, order_ids, content_type_id, actor_id, now)
    with db.foreign_key_triggers_skipped() if skip_triggers else nullcontext():
        ORDER_ROWS.write_copy_text(order_text)
        LINE_ROWS.write_copy_text(line_text)
        EVENT_ROWS.write_copy_text(event_text)


def order_row(order: PreparedOrder, order_id: int, number: int, now: datetime) -> tuple:
    """The order's row in ORDER_ROWS' columns (the history fields: what the record says
    of the order's life)."""
    fields, totals, state = order.fields, order.totals, order.state
    return (order_id, number, order.account_id, fields["customer_order_no"], state,
            fields["order_type"], fields["delivery_method"],
            *[fields[name] for name in BODY_TEXT_FIELDS], order.carriage_tba,
            *totals, order.created_at or now, order.created_by_id, now,
            now if state == State.PLACED else None, now if state == State.CANCELLED else None,
            order.external_id)


def order_copy_text(order: PreparedOrder, now: str) -> str:
    """order_row as COPY text, after its id and number (ORDER_COLUMNS): an f-string, as
    it runs per order (with str() of the Decimals: three times quicker than format())."""
    fields, totals, state = order.fields, order.totals, order.state
    texts = copy_texts(fields["customer_order_no"], state, fields["order_type"],
                       fields["delivery_method"],
                       *[fields[name] for name in BODY_TEXT_FIELDS])
    created_at = now if order.created_at is None else order.created_at.isoformat()
    created_by_id = COPY_NULL if order.created_by_id is None else order.created_by_id
    return (
        f"{order.account_id}\t{texts}\t{'t' if order.carriage_tba else 'f'}\t"
        f"{str(totals.total_price)}\t{str(totals.total_vat)}\t{str(totals.total_weight)}\t"
        f"{created_at}\t"
        f"{created_by_id}\t{now}\t"
        f"{now if state == State.PLACED else COPY_NULL}\t"
        f"{now if state == State.CANCELLED else COPY_NULL}\t"
        f"{copy_value(order.external_id)}\n"
    )


def line_rows(order: PreparedOrder, order_id: int) -> list[tuple]:
    """The order's lines in LINE_ROWS' columns, priced as the API prices them."""
    rows = []
    for position, (product, quantity) in enumerate(order.lines):
        figures = line_figures(unit_price=product.unit_price, vat_rate=product.vat_rate,
                               unit_weight=product.unit_weight, quantity=quantity)
        rows.append((order_id, position, quantity,
                     *[getattr(product, name) for name in LINE_SNAPSHOT.values()], *figures))
    return rows


def event_rows(orders: list[PreparedOrder], order_ids: list[int], content_type_id: int,
               actor_id: int | None, now: datetime) -> list[tuple]:
    """Each order's create event in EVENT_ROWS' columns: as an API create records it
    (action, state, note), via import."""
    return [(content_type_id, order_id, "create", "", order.state, actor_id, VIA_IMPORT,
             order.note, now) for order, order_id in zip(orders, order_ids, strict=True)]


def events_copy_text(orders: list[PreparedOrder], order_ids: list[int], content_type_id: int,
                     actor_id: int | None, now: datetime) -> str:
    """event_rows as COPY text (the note holds nothing COPY escapes)."""
    actor, when = copy_value(actor_id), now.isoformat()
    return "".join([
        f"{content_type_id}\t{order_id}\tcreate\t\t{order.state}\t{actor}\t{VIA_IMPORT}\t"
        f"{order.note}\t{when}\n" for order, order_id in zip(orders, order_ids, strict=True)])
