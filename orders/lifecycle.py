"""The one guarded, atomic way to change an order's state.

A domain declares its transitions as data:

    CANCEL = Transition("cancel", source={"created"}, target="canceled")

and its service calls `transition(order, CANCEL, actor=..., via=...)`. Inside one
transaction the order's row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite
serialises writers), its current state checked against the transition's sources, the
state and any extra fields written, and one OrderEvent recorded. A refused transition
raises `TransitionRefused`, which the APIs answer with 409 and admin shows as an error
naming the order.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from orders.events import order_event_record


@dataclass(frozen=True)
class Transition:
    name: str  # the action as the history records it: "cancel", "place", ...
    source: frozenset[str]  # states it may start from
    target: str
    noun: str = "order"  # what moves, in a refusal: "cannot start a test that is ..."

    def __post_init__(self):
        object.__setattr__(self, "source", frozenset(self.source))


@dataclass(frozen=True)
class StateStore:
    """How `transition` reads and sets a state kept outside the order's own row (a
    status row of its own, say): `read(locked_order) -> state` and
    `write(locked_order, state)`, both inside the transition's transaction."""

    read: Callable[[models.Model], str]
    write: Callable[[models.Model, str], None]


class TransitionRefused(Exception):
    """A state change that the order's current state (or a guard) does not allow."""

    def __init__(self, order: models.Model, reason: str):
        self.order = order
        self.reason = reason
        super().__init__(f"{order_label(order)}: {reason}")


def order_label(order: models.Model) -> str:
    return f"{order._meta.verbose_name.capitalize()} {order}"


def transition(
    order: models.Model,
    spec: Transition,
    *,
    via: str,
    actor=None,
    note: str = "",
    state_field: str = "status",
    guard: Callable[[models.Model], None] | None = None,
    changes: Callable[[models.Model], dict[str, Any]] | None = None,
    state: StateStore | None = None,
) -> models.Model:
    """Move `order` along `spec`; return the fresh, updated instance.

    `guard(locked_order)` may raise TransitionRefused with a reason (for example a
    missing delivery address); `changes(locked_order)` returns extra fields to write
    with the state (placed_at, placed_by, ...). Both see the locked, current row.
    `state`: where the state lives when it is not a column of the order's row (another
    table); the order's row is still what is locked.
    """
    model = type(order)
    with transaction.atomic():
        # Lock the row alone: on PostgreSQL a locked row read through an outer join can
        # come back with the joined columns NULL when it waited on a concurrent update.
        locked = model._default_manager.select_for_update().get(pk=order.pk)
        current = state.read(locked) if state else getattr(locked, state_field)
        if current not in spec.source:
            article = "an" if spec.noun[:1] in "aeiou" else "a"
            raise TransitionRefused(
                locked,
                f"cannot {spec.name} {article} {spec.noun} that is {current} "
                f"(allowed from: {', '.join(sorted(spec.source))})",
            )
        if guard is not None:
            guard(locked)
        if state:
            state.write(locked, spec.target)
        updates = {**({} if state else {state_field: spec.target}),
                   **(changes(locked) if changes else {})}
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            updates.setdefault("updated_at", timezone.now())
        for name, value in updates.items():
            setattr(locked, name, value)
        if updates:
            locked.save(update_fields=list(updates))
        order_event_record(
            order=locked,
            action=spec.name,
            via=via,
            actor=actor,
            from_state=current,
            to_state=spec.target,
            note=note,
        )
    return locked
