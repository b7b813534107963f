"""Every write of the marketplace domain, taking typed values from `marketplace.inputs`.

Orders are created set-based (`orders_create`: a batch's orders and their events in a
few statements, whatever its size); the API's create is a batch of one, so an API client's
order and an imported one are written by the same code and read alike.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from marketplace import selectors
from marketplace.inputs import ADDRESS_FIELDS, OrderInput, OrderOwnersRef
from marketplace.models import MarketplaceOrder, Merchant, Record, new_public_id
from marketplace.selectors import OrderOwners
from orders.events import order_event_record, order_events_write
from orders.imports.bulk import TableRows, new_ids
from orders.inputs import InputError, InputErrors
from orders.lifecycle import Transition, TransitionRefused, transition

Status = MarketplaceOrder.Status

# The order lifecycle, as data: merchants fulfil, either side may cancel while in progress.
COMPLETE = Transition("complete", source={Status.IN_PROGRESS}, target=Status.COMPLETED)
CANCEL = Transition("cancel", source={Status.IN_PROGRESS}, target=Status.CANCELLED)
TRANSITION_TO = {COMPLETE.target: COMPLETE, CANCEL.target: CANCEL}

# An order's row as a bulk write takes it (described once: COPY on PostgreSQL,
# bulk_create on SQLite); its texts last, so a COPY row escapes them in one pass.
ORDER_ROWS = TableRows(MarketplaceOrder, [
    "id", "record_id", "merchant_id", "customer_id", "version", "created_at", "external_id",
    "public_id", "status", *ADDRESS_FIELDS, "merchant_company_name",
    "merchant_primary_contact", "merchant_phone_number", "comments"])


class NewOrder(NamedTuple):
    """An order to create: its owners (resolved), its fields, and, from an import, what
    another system had of it (its public id, state, version and time)."""

    owners: OrderOwners
    order: OrderInput
    external_id: str | None = None
    public_id: str | None = None
    status: str = Status.IN_PROGRESS
    version: int = 0
    created_at: datetime | None = None


# --- orders ---------------------------------------------------------------------------


def orders_create(orders: Sequence[NewOrder], *, actor=None, via: str) -> list[int]:
    """Write new orders and their history set-based: ids from the sequence in one
    statement, the orders in one COPY (executemany on SQLite), one `create` event each
    (to its state, noting `__v`). Call inside the transaction that resolved the owners
    (`selectors.order_owners_resolve(for_write=True)`). Returns the orders' ids."""
    if not orders:
        return []
    ids = new_ids(MarketplaceOrder, len(orders))
    now = timezone.now()
    ORDER_ROWS.write([
        (order_id, new.owners.record_id, new.owners.merchant_id, new.owners.customer_id,
         new.version, new.created_at or now, new.external_id,
         new.public_id or new_public_id(), new.status, *new.order[:-1],
         *new.owners[3:], new.order.comments)
        for order_id, new in zip(ids, orders, strict=True)])
    order_events_write(MarketplaceOrder, [
        (order_id, "create", "", new.status, f"__v {new.version}")
        for order_id, new in zip(ids, orders, strict=True)], via=via, actor=actor)
    return ids


def order_create(*, customer_id: str, merchant_id: str, record_id: str, order: OrderInput,
                 actor=None, via: str = "api") -> int:
    """One order, as the API creates it: the same batch step and write as an import's,
    for a batch of one. Raises InputErrors naming the owner id that names no one (or a
    record removed or of another merchant). Returns the order's id."""
    with transaction.atomic():
        [owners] = selectors.order_owners_resolve(
            [OrderOwnersRef(customer_id, merchant_id, record_id)], for_write=True)
        if isinstance(owners, InputErrors):
            raise owners
        [order_id] = orders_create([NewOrder(owners, order)], actor=actor, via=via)
    return order_id


def order_update(
    *,
    order: MarketplaceOrder,
    changes: dict[str, Any],
    expected_version: int | None = None,
    actor=None,
    via: str = "api",
) -> MarketplaceOrder:
    """Change the given fields (and status, through the lifecycle); bump `version` once.

    `changes` comes from inputs.order_update_input. Under the row lock: a stale
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
    """List a record for the merchant; `fields` from inputs.record_input."""
    return Record.objects.create(merchant=merchant, **fields)


def record_save(*, record: Record, merchant: Merchant, fields: dict[str, Any],
                removed_at=None) -> Record:
    """An operator's save of a record (admin, new or edited): its fields from
    inputs.record_input, its merchant, and whether it is unlisted."""
    for name, value in fields.items():
        setattr(record, name, value)
    record.merchant, record.removed_at = merchant, removed_at
    record.save()
    return record


def record_upsert(
    *, merchant: Merchant, public_id: str, fields: dict[str, Any]
) -> tuple[Record, str]:
    """A catalog import's record, by its public id within its merchant: created, updated
    (a removed record is listed again) or unchanged. `fields` from inputs.record_input."""
    with transaction.atomic():
        record = Record.objects.select_for_update().filter(public_id=public_id).first()
        if record is None:
            return Record.objects.create(merchant=merchant, public_id=public_id,
                                         **fields), "created"
        if record.merchant_id != merchant.pk:
            raise InputError("_id", f"Record {public_id} belongs to another merchant.")
        changed = [name for name, value in fields.items() if getattr(record, name) != value]
        if not changed and record.removed_at is None:
            return record, "unchanged"
        for name in changed:
            setattr(record, name, fields[name])
        record.removed_at = None
        record.save(update_fields=[*changed, "removed_at"])
    return record, "updated"


def record_update(*, record: Record, fields: dict[str, Any]) -> Record:
    """Change the given fields of a listed record (`inputs.record_input(partial=True)`)."""
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
