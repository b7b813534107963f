"""An order's history: one helper for a single change, one for a batch's new orders.

Both write the same `OrderEvent` rows, so an imported order's history reads like one an
API client created: the same action, states and note, only `via` differs.
"""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from orders.imports.bulk import TableRows
from orders.models import OrderEvent

EVENT_ROWS = TableRows(OrderEvent, ["content_type_id", "object_id", "action", "from_state",
                                    "to_state", "actor_id", "via", "note", "created_at"])


def actor_id_of(actor) -> int | None:
    """The user to record as the actor: None for no one or an anonymous user."""
    return actor.pk if getattr(actor, "is_authenticated", False) else None


def order_event_record(
    *,
    order: models.Model,
    action: str,
    via: str,
    actor=None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
) -> OrderEvent:
    """Record one change of an order in its history (call inside the change's transaction)."""
    return OrderEvent.objects.create(
        content_type=ContentType.objects.get_for_model(order, for_concrete_model=True),
        object_id=order.pk,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        actor_id=actor_id_of(actor),
        via=via,
        note=note,
    )


def order_events_write(
    model: type[models.Model],
    events: Iterable[tuple[int, str, str, str, str]],
    *,
    via: str,
    actor=None,
) -> None:
    """Record many orders' changes set-based: `events` are (order id, action, from state,
    to state, note), written in one statement (COPY on PostgreSQL), stamped now."""
    content_type_id = ContentType.objects.get_for_model(model, for_concrete_model=True).pk
    actor_id, now = actor_id_of(actor), timezone.now()
    EVENT_ROWS.write([
        (content_type_id, order_id, action, from_state or "", to_state or "", actor_id, via,
         note, now)
        for order_id, action, from_state, to_state, note in events])
