"""Every write of the restaurant domain, taking typed values (`restaurant.inputs`).

What a body may hold is decided in `inputs` (parse) and `selectors.references_resolve`
(the batch's references); here are the writes. New orders are written set-based, a batch
of one for an API or admin create and thousands for an import: ids from the sequences,
each table's rows described once (`TableRows`: COPY on PostgreSQL, bulk_create on
SQLite), one create event per order (`orders.events.order_events_write`). Status moves go
through `orders.lifecycle.transition`, the status kept in its own table (`StateStore`).
"""

import secrets
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from orders.db import row_upsert
from orders.events import order_event_record, order_events_write
from orders.imports.bulk import TableRows, new_ids
from orders.inputs import short_repr
from orders.lifecycle import StateStore, Transition, TransitionRefused, transition
from restaurant.inputs import OrderChanges, ResolvedOrder
from restaurant.models import (
    Address,
    Menu,
    Order,
    OrderMenu,
    OrderTotal,
    Staff,
    Status,
    StatusHistory,
)

# The guarded moves of the back office, as data (status names). PATCH status_id may
# move any status to any other, as the origin allows staff to.
OPEN_STATUSES = {"Received", "Pending", "Preparation", "Delivery"}
CANCEL = Transition("cancel", source=OPEN_STATUSES, target="Canceled")
COMPLETE = Transition("complete", source=OPEN_STATUSES, target="Completed")
NO_STATUS = "no status"  # the state of an order without one, as a refusal names it

# Each table a create writes, described once (columns in the order its rows give them).
ORDER_ROWS = TableRows(Order, [
    "id", "address_id", "customer_id", "location_id", "first_name", "last_name", "email",
    "telephone", "comment", "notify", "order_type", "order_date", "order_time", "processed",
    "total_items", "order_total", "currency", "payment_method_id", "invoice_prefix",
    "invoice_date", "status_id", "status_updated_at", "assignee_id", "assignee_group_id",
    "assignee_updated_at", "hash", "ip_address", "user_agent", "external_id", "created_at",
    "updated_at"])
ADDRESS_ROWS = TableRows(Address, ["id", "customer_id", "address_1", "address_2", "city",
                                   "state", "postcode", "country"])
MENU_ROWS = TableRows(OrderMenu, ["order_id", "menu_id", "name", "qty", "price", "subtotal",
                                  "comment", "options"])
TOTAL_ROWS = TableRows(OrderTotal, ["order_id", "code", "title", "value", "priority"])
HISTORY_ROWS = TableRows(StatusHistory, ["order_id", "status_id", "staff_id", "comment",
                                         "notify", "created_at"])


def staff_id_of(actor) -> int | None:
    """The staff member a user is (who gave a status), or None."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return Staff.objects.filter(user=actor).values_list("pk", flat=True).first()


class OrderRows(NamedTuple):
    """A new order's rows, made before it is written (for an import, while the previous
    batch is): each table's row as TableRows describes it, but for the ids (given when
    written). On PostgreSQL already in COPY's text (`text`), what follows the ids: what
    crosses to the import's writer process and what it writes, without a value to look
    at again; elsewhere the row's values."""

    text: bool
    external_id: str | None
    hash: str
    status_name: str  # the create event's to_state
    order: tuple | str  # without id and address_id
    address: tuple | str | None  # a new address, without its id
    lines: tuple
    totals: tuple
    history: tuple


def order_rows_made(resolved: ResolvedOrder, *, now: datetime, staff_id: int | None = None,
                    ip_address: str | None = None, user_agent: str = "",
                    text: bool | None = None) -> OrderRows:
    """A new order's rows (its order, new address, menus, totals and status history).

    An order's status, unless it brings its history (an import of an export), is its
    first history entry (with `status_comment`, given by `staff_id`, at
    `status_updated_at` or now). `ip_address`/`user_agent`: the request's, where the body
    gives none. Times, the hash and the history are the import's when given.
    """
    if text is None:
        text = connection.vendor == "postgresql"
    order = resolved.order
    created_at = order.created_at or now
    status_updated_at = None  # (an order without a status has no status time)
    history = []
    if order.status_history is not None:
        entries = order.status_history
        history = [(0, entry.status_id, entry.staff_id, entry.comment, entry.notify,
                    entry.created_at or created_at) for entry in entries]
        if resolved.status_id is not None:
            status_updated_at = order.status_updated_at or (
                entries[-1].created_at or created_at if entries else created_at)
    elif resolved.status_id is not None:
        status_updated_at = order.status_updated_at or now
        history = [(0, resolved.status_id, staff_id, order.status_comment, bool(order.notify),
                    status_updated_at)]
    has_assignee = order.assignee_id is not None or order.assignee_group_id is not None
    order_hash = order.hash or secrets.token_hex(16)
    row = (  # ORDER_ROWS' columns
        0, None, resolved.customer_id, order.location_id, order.first_name, order.last_name,
        order.email, order.telephone, order.comment, order.notify, order.order_type,
        order.order_date or now.date(), order.order_time or now.time().replace(microsecond=0),
        bool(order.processed), resolved.total_items, resolved.order_total, order.currency,
        order.payment, order.invoice_prefix or f"INV-{created_at.year}-00",
        order.invoice_date, resolved.status_id, status_updated_at, order.assignee_id,
        order.assignee_group_id, order.assignee_updated_at or (now if has_assignee else None),
        order_hash, order.ip_address or ip_address, order.user_agent or user_agent or "",
        order.external_id, created_at, now)
    address = None
    if order.address is not None and order.address_id is None:
        address = (0, resolved.customer_id, *order.address)
    elif order.address_id is not None:
        row = (0, order.address_id, *row[2:])
    lines = [(0, *line) for line in resolved.lines]
    totals = [(0, *total) for total in resolved.totals]
    if text:
        return OrderRows(
            True, order.external_id, order_hash, resolved.status_name,
            ORDER_ROWS.formatter(1 if address is None else 2)(row),
            ADDRESS_ROWS.formatter(1)(address) if address is not None else None,
            tuple(map(MENU_ROWS.formatter(1), lines)),
            tuple(map(TOTAL_ROWS.formatter(1), totals)),
            tuple(map(HISTORY_ROWS.formatter(1), history)))
    return OrderRows(False, order.external_id, order_hash, resolved.status_name,
                     row, address, tuple(lines), tuple(totals), tuple(history))


def orders_write(
    orders: Sequence[OrderRows],
    *,
    actor=None,
    via: str = "api",
) -> list[int]:
    """Write new orders set-based, with their addresses, menus, totals, status history
    and one create event each: a handful of statements whatever their number (ids from
    the sequences, one COPY or bulk_create per table). Returns their ids. Call inside a
    transaction (the API's create and each import batch are one)."""
    if not orders:
        return []
    order_ids = new_ids(Order, len(orders))
    address_ids = iter(new_ids(Address, sum(1 for rows in orders if rows.address is not None)))
    if orders[0].text:
        order_text, address_text, menu_text, total_text, history_text = [], [], [], [], []
        for order_id, rows in zip(order_ids, orders, strict=True):
            if rows.address is not None:
                address_id = next(address_ids)
                address_text.append(f"{address_id}{rows.address}")
                order_text.append(f"{order_id}\t{address_id}{rows.order}")
            else:
                order_text.append(f"{order_id}{rows.order}")
            menu_text.extend([f"{order_id}{tail}" for tail in rows.lines])
            total_text.extend([f"{order_id}{tail}" for tail in rows.totals])
            history_text.extend([f"{order_id}{tail}" for tail in rows.history])
        ADDRESS_ROWS.write_copy_text("".join(address_text))  # before the orders using them
        ORDER_ROWS.write_copy_text("".join(order_text))
        MENU_ROWS.write_copy_text("".join(menu_text))
        TOTAL_ROWS.write_copy_text("".join(total_text))
        HISTORY_ROWS.write_copy_text("".join(history_text))
    else:
        order_rows, address_rows, menu_rows, total_rows, history_rows = [], [], [], [], []
        for order_id, rows in zip(order_ids, orders, strict=True):
            address_id = rows.order[1]
            if rows.address is not None:
                address_id = next(address_ids)
                address_rows.append((address_id, *rows.address[1:]))
            order_rows.append((order_id, address_id, *rows.order[2:]))
            menu_rows.extend([(order_id, *line[1:]) for line in rows.lines])
            total_rows.extend([(order_id, *total[1:]) for total in rows.totals])
            history_rows.extend([(order_id, *entry[1:]) for entry in rows.history])
        ADDRESS_ROWS.write(address_rows)
        ORDER_ROWS.write(order_rows)
        MENU_ROWS.write(menu_rows)
        TOTAL_ROWS.write(total_rows)
        HISTORY_ROWS.write(history_rows)
    order_events_write(Order, [(order_id, "create", "", rows.status_name, "")
                               for order_id, rows in zip(order_ids, orders, strict=True)],
                       via=via, actor=actor)
    return order_ids


def order_create(*, order: ResolvedOrder, actor=None, via: str = "api",
                 ip_address: str | None = None, user_agent: str = "") -> Order:
    """Create one order (a batch of one, the import's own path), atomically."""
    rows = order_rows_made(order, now=timezone.now(), staff_id=staff_id_of(actor),
                           ip_address=ip_address, user_agent=user_agent)
    with transaction.atomic():
        [order_id] = orders_write([rows], actor=actor, via=via)
    return Order.objects.get(pk=order_id)


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


def order_update(*, order: Order, changes: OrderChanges, actor=None, via: str = "api"
                 ) -> Order:
    """Apply an update (`selectors.changes_resolved`: rows for status and assignee)
    under the order's row lock.

    A new status is a transition (one status history entry and one event, in lock
    order, so concurrent status changes each leave exactly one entry); a new assignee
    stamps `assignee_updated_at`.
    """
    values = changes.values
    with transaction.atomic():
        locked = order_locked(order)
        now = timezone.now()
        changed = []
        for name in ["first_name", "last_name", "email", "telephone", "notify", "order_type",
                     "order_date", "order_time"]:
            if name in values and getattr(locked, name) != values[name]:
                setattr(locked, name, values[name])
                changed.append(name)
        assignee_changed = False
        for name in ["assignee", "assignee_group"]:
            if name in values and getattr(locked, f"{name}_id") != (
                    values[name].pk if values[name] else None):
                setattr(locked, name, values[name])
                changed.append(name)
                assignee_changed = True
        if assignee_changed or "assignee_updated_at" in values:
            locked.assignee_updated_at = values.get("assignee_updated_at") or now
            changed.append("assignee_updated_at")
        if changed:
            locked.save(update_fields=changed + ["updated_at"])
            order_event_record(order=locked, action="update", via=via, actor=actor,
                               note="changed: " + ", ".join(changed))
        status = values.get("status")
        if status is not None and status.pk != locked.status_id:
            statuses = frozenset(Status.objects.values_list("name", flat=True)) | {NO_STATUS}
            locked = status_move(locked, Transition("status", source=statuses,
                                                    target=status.name),
                                 status=status, comment=values.get("status_comment", ""),
                                 notify=bool(locked.notify), actor=actor, via=via,
                                 changed_at=values.get("status_updated_at") or now)
        elif values.get("status_updated_at"):
            locked.status_updated_at = values["status_updated_at"]
            locked.save(update_fields=["status_updated_at", "updated_at"])
    return locked


def order_locked(order: Order) -> Order:
    """The order's row, locked until the transaction ends; Http404 (the API's 404) when a
    concurrent delete took it first.

    No join under the lock: when PostgreSQL re-reads a row that another transaction just
    updated, the columns of an outer-joined table come back NULL.
    """
    locked = Order.objects.select_for_update().filter(pk=order.pk).first()
    if locked is None:
        raise Http404(f"No order with id {order.pk}.")
    return locked


def status_name_of(order: Order) -> str:
    if order.status_id is None:
        return NO_STATUS
    return Status.objects.filter(pk=order.status_id).values_list("name", flat=True).first()


def status_move(order: Order, spec: Transition, *, status: Status, comment: str = "",
                notify: bool = False, actor=None, via: str = "admin",
                changed_at: datetime | None = None) -> Order:
    """Give the order `status` along `spec` (orders.lifecycle.transition: under the row
    lock, refused unless its current status is a source): one status history entry, the
    order's status and its time, one event."""
    changed_at = changed_at or timezone.now()

    def history_write(locked: Order, _name: str) -> None:
        StatusHistory.objects.create(order=locked, status=status, comment=comment,
                                     notify=notify, staff_id=staff_id_of(actor),
                                     created_at=changed_at)

    return transition(order, spec, via=via, actor=actor, note=comment,
                      state=StateStore(read=status_name_of, write=history_write),
                      changes=lambda locked: {"status": status,
                                              "status_updated_at": changed_at})


def order_status_move(*, order: Order, spec: Transition, actor=None, via: str = "admin",
                      comment: str = "") -> Order:
    """Move the order along a guarded transition (CANCEL, COMPLETE); TransitionRefused
    when its current status is not a source, Http404 when it was deleted meanwhile."""
    with transaction.atomic():
        locked = order_locked(order)
        target = Status.objects.filter(name=spec.target).first()
        if target is None:
            raise TransitionRefused(locked, f"there is no status named {short_repr(spec.target)}")
        return status_move(locked, spec, status=target, comment=comment, actor=actor,
                           via=via)


def order_cancel(*, order: Order, actor=None, via: str = "admin") -> Order:
    return order_status_move(order=order, spec=CANCEL, actor=actor, via=via)


def order_complete(*, order: Order, actor=None, via: str = "admin") -> Order:
    return order_status_move(order=order, spec=COMPLETE, actor=actor, via=via)


def order_assign(*, order: Order, staff: Staff, actor=None, via: str = "admin") -> Order:
    """Assign an open order; TransitionRefused for a completed or cancelled one."""
    with transaction.atomic():
        locked = order_locked(order)
        current = status_name_of(locked)
        if current not in OPEN_STATUSES:
            raise TransitionRefused(
                locked, f"cannot assign an order that is {current} "
                        f"(allowed while: {', '.join(sorted(OPEN_STATUSES))})")
        return order_update(order=locked, changes=OrderChanges({"assignee": staff}),
                            actor=actor, via=via)


def order_delete(*, order: Order, actor=None, via: str = "api") -> int:
    """Delete the order with its lines; its history events stay (with the order's id)."""
    with transaction.atomic():
        locked = order_locked(order)
        order_id = locked.pk
        order_event_record(order=locked, action="delete", via=via, actor=actor,
                           note=f"deleted order #{order_id}")
        locked.delete()
    return order_id
