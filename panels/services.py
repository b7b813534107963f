"""Every write of the panels domain, taking validated values (panels.inputs) whose
references are resolved (panels.selectors.references_resolve)."""

from contextlib import nullcontext
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders import db
from orders.db import row_upsert
from orders.events import order_events_write
from orders.imports.bulk import TableRows, new_ids
from orders.lifecycle import Transition, transition
from panels.inputs import MAX_ORDER_ITEMS  # noqa: F401 - (the limit, where it always was)
from panels.models import Customer, CustomerPanelOrder, CustomerPanelOrderItem, Panel, Partner
from panels.selectors import ResolvedOrder

Status = CustomerPanelOrder.Status

# The panels order lifecycle, as data.
CANCEL = Transition("cancel", source={Status.CREATED}, target=Status.CANCELED)

# Each table's row as a set-based write gives it (orders.imports.bulk).
ORDER_ROWS = TableRows(CustomerPanelOrder, ["id", "customer_id", "status", "created_at",
                                            "canceled_at", "external_id"])
ITEM_ROWS = TableRows(CustomerPanelOrderItem, ["order_id", "panel_id", "position"])


def customer_create(
    *,
    partner: Partner,
    first_name: str,
    last_name: str,
    reference_id: str = "",
    email: str = "",
    date_of_birth: date | None = None,
) -> Customer:
    customer = Customer(
        partner=partner,
        first_name=first_name,
        last_name=last_name,
        reference_id=reference_id or "",
        email=email or "",
        date_of_birth=date_of_birth,
    )
    customer.full_clean()
    customer.save()
    return customer


def panel_upsert(*, sku: str, name: str, is_license_required: bool = False,
                 is_active: bool = True) -> tuple[Panel, str]:
    """Create or update a panel by sku; say whether it was created, updated or unchanged."""
    return row_upsert(Panel, lookup={"sku": sku}, values={
        "name": name, "is_license_required": is_license_required, "is_active": is_active})


def orders_create(orders: list[ResolvedOrder], *, actor=None, via: str,
                  checks_set_based: bool = False) -> list[int]:
    """Write these orders, their items and their history in a handful of statements
    whatever their number (COPY on PostgreSQL); answer their ids, in order.

    An order whose status is canceled is written canceled, with the history the API's
    create then cancel would leave: two events. Call inside a transaction.

    `checks_set_based` (a bulk load): where the role may
    (orders.db.foreign_key_triggers_skippable), the orders and items skip PostgreSQL's
    row-by-row foreign key checks, most of the database's time: their customers and
    panels are checked and locked set-based instead (key_share_locked), and their
    orders are written in the same transaction."""
    if not orders:
        return []
    skip_triggers = checks_set_based and db.foreign_key_triggers_skippable()
    if skip_triggers:
        references_locked(orders)
    ids = new_ids(CustomerPanelOrder, len(orders))
    now = timezone.now()
    created, canceled = Status.CREATED.value, Status.CANCELED.value
    events = []
    for order_id, (order, _) in zip(ids, orders, strict=True):
        events.append((order_id, "create", "", created, ""))
        if order.status == canceled:
            events.append((order_id, CANCEL.name, created, canceled, ""))
    with db.foreign_key_triggers_skipped() if skip_triggers else nullcontext():
        ORDER_ROWS.write([
            (order_id, order.customer_id, order.status, order.created_at or now,
             now if order.status == canceled else None, order.external_id)
            for order_id, (order, _) in zip(ids, orders, strict=True)])
        ITEM_ROWS.write([(order_id, panel_id, position)
                         for order_id, (_, panel_ids) in zip(ids, orders, strict=True)
                         for position, panel_id in enumerate(panel_ids)])
    order_events_write(CustomerPanelOrder, events, via=via, actor=actor)
    return ids


def references_locked(orders: list[ResolvedOrder]) -> None:
    """Lock the orders' customers and panels as a foreign key check would (FOR KEY SHARE,
    one query each); one deleted since it was resolved is a conflict (IntegrityError):
    the import's runner then tries the batch once more, which names it."""
    customer_ids = {order.customer_id for order, _ in orders}
    panel_ids = {panel_id for _, panel_ids in orders for panel_id in panel_ids}
    if (len(db.key_share_locked(Customer, customer_ids)) < len(customer_ids)
            or len(db.key_share_locked(Panel, panel_ids)) < len(panel_ids)):
        raise IntegrityError("a customer or panel of these orders was deleted meanwhile")


def order_create(*, order: ResolvedOrder, actor=None, via: str = "api") -> CustomerPanelOrder:
    """Create one order (the API's, the admin's): the batch write with a batch of one."""
    with transaction.atomic():
        [order_id] = orders_create([order], actor=actor, via=via)
    return CustomerPanelOrder.objects.get(pk=order_id)


def order_cancel(*, order: CustomerPanelOrder, actor=None, via: str = "api") -> CustomerPanelOrder:
    return transition(
        order, CANCEL, actor=actor, via=via, changes=lambda o: {"canceled_at": timezone.now()}
    )
