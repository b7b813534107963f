"""Every read of the restaurant domain, scoped to the caller (staff: all, customer: own)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Q, QuerySet

from orders.db import AnyOf  # noqa: F401 - registers `__any_of` (a batch's keys as one array)
from orders.inputs import InputError, InputErrors, strict_int
from restaurant.inputs import (
    CUSTOMER_FIRST_STATUS,
    OrderChanges,
    OrderInput,
    References,
    ResolvedOrder,
    order_create_input,
    order_resolved,
)
from restaurant.inputs import (
    Menu as MenuFacts,
)
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


@dataclass(frozen=True)
class Caller:
    """Who calls the API: a staff member (every order) or a customer (their own)."""

    staff: Staff | None = None
    customer: Customer | None = None

    @property
    def is_staff(self) -> bool:
        return self.staff is not None


# The user's relations to the principals: the API's token authentication loads both with
# the token (select_related), so finding the caller costs no query of its own.
PRINCIPAL_RELATIONS = ("restaurant_staff", "restaurant_customer")


def loaded_principal(user, relation: str):
    """The user's staff member or customer as loaded with the user (None for none), or
    NOT_LOADED when the user came without it."""
    descriptor = getattr(type(user), relation, None)
    if descriptor is None or not descriptor.related.is_cached(user):
        return NOT_LOADED
    return getattr(user, relation, None)  # (RelatedObjectDoesNotExist is an AttributeError)


NOT_LOADED = object()


def caller_for_user(user) -> Caller | None:
    if user is None or not user.is_authenticated:
        return None
    staff = loaded_principal(user, "restaurant_staff")
    if staff is NOT_LOADED:
        staff = Staff.objects.filter(user=user, is_active=True).first()
    if staff is not None and staff.is_active:
        return Caller(staff=staff)
    customer = loaded_principal(user, "restaurant_customer")
    if customer is NOT_LOADED:
        customer = Customer.objects.filter(user=user).first()
    if customer is not None:
        return Caller(customer=customer)
    return None


# Each order's children, as the API prints them, in attributes of their own: rows of their
# printed columns (one `.values_list()` query per table for a page, never a query per
# order), ordered by the child's own columns (their Meta.ordering, ["order", ...], would
# join and sort by the orders table). A model instance per child row (Django's prefetch:
# from_db, a related manager and a queryset per order and relation) was half a page's time.
# The API's serializers read these attributes (OrderSerializer.Meta.prefetched_rows).
ORDER_CHILD_ROWS = {
    "order_menus": "order_menu_rows",
    "order_totals": "order_total_rows",
    "status_history": "status_history_rows",
}


class MenuRow(NamedTuple):
    id: int
    order_id: int
    menu_id: int
    name: str
    qty: int
    price: Decimal
    subtotal: Decimal
    comment: str
    options: Any

    @property
    def pk(self) -> int:
        return self.id


class TotalRow(NamedTuple):
    order_id: int
    code: str
    title: str
    value: Decimal
    priority: int


class HistoryRow(NamedTuple):
    id: int
    order_id: int
    status_id: int
    staff_id: int | None
    comment: str
    notify: bool
    created_at: datetime

    @property
    def pk(self) -> int:
        return self.id


CHILD_ROWS = [
    (OrderMenu, MenuRow, ("order_id", "id"), ORDER_CHILD_ROWS["order_menus"]),
    (OrderTotal, TotalRow, ("order_id", "priority", "id"), ORDER_CHILD_ROWS["order_totals"]),
    (StatusHistory, HistoryRow, ("created_at", "id"), ORDER_CHILD_ROWS["status_history"]),
]


def orders_for_caller(caller: Caller) -> QuerySet[Order]:
    """The caller's orders (staff: all, a customer: their own). What every response shows
    of an order's children: `order_children_attach` on the page."""
    return Order.objects.all() if caller.is_staff else Order.objects.filter(
        customer=caller.customer)


def order_children_attach(orders: list[Order]) -> list[Order]:
    """Each order's menus, totals and status history (the ids of the `status_history`
    relationship, or the included entries) as rows: one query per table, whatever the
    number of orders."""
    ids = [order.pk for order in orders]
    for model, row, ordering, attribute in CHILD_ROWS:
        by_order = {pk: [] for pk in ids}
        if ids:
            for values in model.objects.filter(order_id__in=ids).order_by(*ordering) \
                    .values_list(*row._fields):
                item = row._make(values)
                by_order[item.order_id].append(item)
        for order in orders:
            setattr(order, attribute, by_order[order.pk])
    return orders


ORDER_SEARCH_FIELDS = ["first_name", "last_name", "email", "telephone"]


def orders_search(orders: QuerySet[Order], term: str) -> QuerySet[Order]:
    """Order id (exact), names, email or telephone (contains)."""
    condition = Q()
    for name in ORDER_SEARCH_FIELDS:
        condition |= Q(**{f"{name}__icontains": term})
    try:
        condition |= Q(pk=strict_int(term, minimum=1))
    except InputError:  # not an order id ("²", 5,000 digits): names and email only
        pass
    return orders.filter(condition)


# --- the batch step: a batch's references, one query per kind ---------------------------


def references_find(orders: Sequence[OrderInput], *, external_ids: bool = False,
                    hashes: bool = True) -> References:
    """What the orders refer to, one query per kind whatever the batch's size (a kind no
    order names costs none). `external_ids`: also which of their external ids exist
    (the API's create refuses those; an import revisits them instead). `hashes`: which
    of their hashes other orders have (an import asks in its batch's transaction)."""

    def ids(*names: str) -> set:
        return {value for order in orders for name in names
                if (value := getattr(order, name)) is not None}

    def found(model, wanted: Iterable, **filters) -> frozenset:
        wanted = list(wanted)
        if not wanted:
            return frozenset()
        return frozenset(model.objects.filter(pk__any_of=wanted, **filters)
                         .values_list("pk", flat=True))

    statuses = ids("status_id") | {entry.status_id for order in orders
                                   for entry in order.status_history or ()}
    staff = ids("assignee_id") | {entry.staff_id for order in orders
                                  for entry in order.status_history or ()
                                  if entry.staff_id is not None}
    menus = {line.menu_id for order in orders for line in order.order_menus}
    given_hashes = ids("hash") if hashes else set()
    by_customer = any(order.by_customer for order in orders)
    address_ids = list(ids("address_id"))
    external = list(ids("external_id")) if external_ids else []
    status_names = dict(Status.objects.filter(
        Q(pk__any_of=list(statuses)) | Q(name=CUSTOMER_FIRST_STATUS) if by_customer
        else Q(pk__any_of=list(statuses))).values_list("pk", "name")
    ) if statuses or by_customer else {}
    first = next(((pk, name) for pk, name in status_names.items()
                  if name == CUSTOMER_FIRST_STATUS), None)
    return References(
        customers=found(Customer, ids("customer_id")),
        locations=found(Location, ids("location_id"), is_active=True),
        addresses=dict(Address.objects.filter(pk__any_of=address_ids)
                       .values_list("pk", "customer_id")) if address_ids else {},
        statuses=status_names,
        staff=found(Staff, staff),
        groups=found(StaffGroup, ids("assignee_group_id")),
        menus={pk: MenuFacts(name, price) for pk, name, price in Menu.objects.filter(
            pk__any_of=list(menus)).values_list("pk", "name", "price")} if menus else {},
        payments=found(PaymentMethod, ids("payment"), is_active=True),
        hashes=orders_with_hashes(given_hashes),
        external_ids=dict(Order.objects.filter(external_id__any_of=external)
                          .values_list("external_id", "pk")) if external else {},
        first_status=first,
    )


def orders_with_hashes(hashes: Iterable[str]) -> dict[str, int]:
    """Of these hashes, those of existing orders, with the order's id (one query)."""
    hashes = list(hashes)
    return dict(Order.objects.filter(hash__any_of=hashes).values_list("hash", "pk")
                ) if hashes else {}


def references_resolve(orders: Sequence[OrderInput], *, customer_id: int | None = None,
                       external_ids: bool = False, hashes: bool = True
                       ) -> list[ResolvedOrder | InputErrors]:
    """The batch step: each order resolved against the batch's references (found in one
    query per kind), or the InputErrors naming its fields and values. `customer_id`: the
    calling customer's, for a customer's orders."""
    refs = references_find(orders, external_ids=external_ids, hashes=hashes)
    resolved: list[ResolvedOrder | InputErrors] = []
    for order in orders:
        try:
            resolved.append(order_resolved(order, refs, customer_id=customer_id))
        except InputErrors as exc:
            resolved.append(exc)
    return resolved


def order_create_resolved(order: OrderInput, *, customer_id: int | None = None
                          ) -> ResolvedOrder:
    """One create body's references (the API's and the admin's): ResolvedOrder or raise."""
    [result] = references_resolve([order], customer_id=customer_id, external_ids=True)
    if isinstance(result, InputErrors):
        raise result
    return result


def order_create_checked(body, *, customer: Customer | None = None) -> ResolvedOrder:
    """A create body through both steps, as the API and the admin take one: parsed
    (`inputs.order_create_input`, a customer's by the customer's rules) and resolved;
    InputErrors naming every bad field."""
    order = order_create_input(body, by_customer=customer is not None)
    return order_create_resolved(order, customer_id=customer.pk if customer else None)


def changes_resolved(changes: OrderChanges) -> OrderChanges:
    """An update's references (status, assignee, group) as rows, one query per kind;
    InputErrors naming each unknown one."""
    values = dict(changes.values)
    errors = []
    for name, model, label, attribute in [("status_id", Status, "status", "status"),
                                          ("assignee_id", Staff, "staff member", "assignee"),
                                          ("assignee_group_id", StaffGroup, "staff group",
                                           "assignee_group")]:
        if name not in values:
            continue
        pk = values.pop(name)
        row = model.objects.filter(pk=pk).first() if pk is not None else None
        if pk is not None and row is None:
            errors.append(InputError(name, f"The selected {name} is invalid: no {label} "
                                           f"with id {pk}."))
        values[attribute] = row
    if errors:
        raise InputErrors.of(*errors)
    return OrderChanges(values)
