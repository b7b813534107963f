"""Every read of the panels domain, scoped to the caller's partner; and the batch step
that resolves validated orders' references."""

from typing import NamedTuple

from django.db.models import QuerySet

from orders.inputs import InputError, InputErrors
from panels.inputs import OrderInput
from panels.models import Customer, CustomerPanelOrder, Panel, Partner


def partner_for_user(user) -> Partner | None:
    if user is None or not user.is_authenticated:
        return None
    return Partner.objects.filter(users=user).order_by("pk").first()


def orders_for_partner(partner: Partner) -> QuerySet[CustomerPanelOrder]:
    return (
        CustomerPanelOrder.objects.filter(customer__partner=partner)
        .select_related("customer")
        .prefetch_related("items__panel")
        .order_by("id")
    )


def customers_for_partner(partner: Partner) -> QuerySet[Customer]:
    return Customer.objects.filter(partner=partner).order_by("id")


def panels_available() -> QuerySet[Panel]:
    return Panel.objects.filter(is_active=True).order_by("id")


class ResolvedOrder(NamedTuple):
    """A validated order whose references exist: its panels' ids, in request order."""

    order: OrderInput
    panel_ids: tuple[int, ...]

    @property
    def external_id(self) -> str | None:  # (the import's key: OrderImporter.order_key)
        return self.order.external_id


def references_resolve(orders: list[OrderInput], *,
                       partner: Partner | None = None) -> list[ResolvedOrder | InputErrors]:
    """Each order resolved, or its errors naming field and value: its customer (one of
    the partner's, when given: an API client's), and its panels (active ones, by sku).
    One query per kind for the whole batch, whatever its size."""
    if not orders:
        return []
    customer_ids = list({order.customer_id for order in orders})
    customers = Customer.objects.filter(pk__any_of=customer_ids)
    if partner is not None:
        customers = customers.filter(partner=partner)
    known_customers = set(customers.values_list("pk", flat=True))
    skus = list({sku for order in orders for sku in order.panel_skus})
    panel_ids = dict(Panel.objects.filter(sku__any_of=skus, is_active=True)
                     .values_list("sku", "pk")) if skus else {}
    resolved: list[ResolvedOrder | InputErrors] = []
    for order in orders:
        ids = tuple([panel_ids.get(sku) for sku in order.panel_skus])
        if order.customer_id in known_customers and None not in ids:
            resolved.append(ResolvedOrder(order, ids))
            continue
        errors = []
        if order.customer_id not in known_customers:
            errors.append(InputError("customer_id", f"No customer with id {order.customer_id}."))
        errors.extend(InputError("order_items", f"Unknown or inactive panel sku '{sku}'.")
                      for sku, panel_id in zip(order.panel_skus, ids, strict=True)
                      if panel_id is None)
        resolved.append(InputErrors.of(*errors))
    return resolved
