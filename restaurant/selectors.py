"""Every read of the restaurant domain, scoped to the caller (staff: all, customer: own)."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from orders.inputs import InputError, strict_int
from restaurant.models import Customer, Order, Staff, StatusHistory


@dataclass(frozen=True)
class Caller:
    """Who calls the API: a staff member (every order) or a customer (their own)."""

    staff: Staff | None = None
    customer: Customer | None = None

    @property
    def is_staff(self) -> bool:
        return self.staff is not None


def caller_for_user(user) -> Caller | None:
    if user is None or not user.is_authenticated:
        return None
    staff = Staff.objects.filter(user=user, is_active=True).first()
    if staff is not None:
        return Caller(staff=staff)
    customer = Customer.objects.filter(user=user).first()
    if customer is not None:
        return Caller(customer=customer)
    return None


def orders_for_caller(caller: Caller) -> QuerySet[Order]:
    """The caller's orders with what every response shows (menus, totals, the history
    ids of the `status_history` relationship) prefetched: a fixed number of queries."""
    orders = Order.objects.all() if caller.is_staff else Order.objects.filter(
        customer=caller.customer)
    return orders.prefetch_related(
        "order_menus", "order_totals",
        Prefetch("status_history", queryset=StatusHistory.objects.order_by("created_at", "id")),
    )


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
