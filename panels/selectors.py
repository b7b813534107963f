"""Every read of the panels domain, scoped to the caller's partner; and the batch step
that resolves validated orders' references."""

from typing import NamedTuple

from django.db.models import F, QuerySet

from orders.inputs import InputError, InputErrors
from panels.inputs import OrderInput
from panels.models import Customer, CustomerPanelOrder, CustomerPanelOrderItem, Panel, Partner


def partner_for_user(user) -> Partner | None:
    if user is None or not user.is_authenticated:
        return None
    return Partner.objects.filter(users=user).order_by("pk").first()


def with_partner_id(queryset: QuerySet, user: str) -> QuerySet:
    """`queryset` (rows with a user at `user`) with `panels_partner_id`: the least id of
    the user's partners (as partner_for_user picks), None for none. A join, ordered so that
    `.first()` takes that least one (the token authentication of panels.api.views)."""
    partner_id = f"{user}__panel_partners__id"
    return queryset.annotate(panels_partner_id=F(partner_id)).order_by(partner_id)


def partner_of_id(partner_id: int) -> Partner:
    """The partner by id, unloaded (as `.only("pk")` gives it): reads filter by its id."""
    return Partner.from_db(None, ["id"], [partner_id])


def orders_for_partner(partner: Partner) -> QuerySet[CustomerPanelOrder]:
    return CustomerPanelOrder.objects.filter(customer__partner=partner).order_by("id")


ORDER_COLUMNS = ("id", "created_at", "customer_id", "status")


def order_rows_for_partner(partner: Partner) -> QuerySet[dict]:
    """The partner's orders as rows of the columns the API prints; `with_order_items`
    adds their items to a page of them."""
    return orders_for_partner(partner).values(*ORDER_COLUMNS)


def with_order_items(orders: list[dict]) -> list[dict]:
    """Each order row with its `order_items` (`{"panel_sku": ...}`, in request order): one
    query for all of them, ordered by the item's own columns (no join to the order)."""
    items: dict[int, list] = {order["id"]: [] for order in orders}
    if items:
        for order_id, sku in (CustomerPanelOrderItem.objects
                              .filter(order_id__in=list(items))
                              .order_by("order_id", "position", "id")
                              .values_list("order_id", "panel__sku")):
            items[order_id].append({"panel_sku": sku})
    for order in orders:
        order["order_items"] = items[order["id"]]
    return orders


def order_row(partner: Partner, pk: int) -> dict | None:
    """One of the partner's orders as the API prints it, or None."""
    rows = with_order_items(list(order_rows_for_partner(partner).filter(pk=pk)))
    return rows[0] if rows else None


CUSTOMER_COLUMNS = ("id", "first_name", "last_name", "reference_id", "email", "date_of_birth")


def customers_for_partner(partner: Partner) -> QuerySet[dict]:
    """The partner's customers, as rows of the columns the API prints."""
    return Customer.objects.filter(partner=partner).order_by("id").values(*CUSTOMER_COLUMNS)


def panels_available() -> QuerySet[dict]:
    """The active panels, as rows of the columns the API prints."""
    return (Panel.objects.filter(is_active=True).order_by("id")
            .values("id", "name", "sku", "is_license_required"))


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
