"""Every write of the panels domain."""

from collections import Counter
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from orders.db import row_upsert
from orders.events import order_event_record
from orders.lifecycle import Transition, transition
from panels.models import Customer, CustomerPanelOrder, CustomerPanelOrderItem, Panel, Partner

Status = CustomerPanelOrder.Status

# The panels order lifecycle, as data.
CANCEL = Transition("cancel", source={Status.CREATED}, target=Status.CANCELED)
# The most items one order may have: each panel at most once, so this is 500 distinct
# panels (the API, admin and importer refuse more). Reading an order back prefetches its
# panels with one `id = ? OR ...` term each, and SQLite takes at most 1,000 of those.
MAX_ORDER_ITEMS = 500


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


def order_items_validate(panel_skus: list[str]) -> list[Panel]:
    """The panels for the skus, in request order; every problem named. One pass over the
    skus and one query, whatever their number (at most MAX_ORDER_ITEMS)."""
    if not panel_skus:
        raise ValidationError({"order_items": ["At least one order item is required."]})
    if len(panel_skus) > MAX_ORDER_ITEMS:
        raise ValidationError({"order_items": [
            f"At most {MAX_ORDER_ITEMS} order items, got {len(panel_skus)}."]})
    duplicates = sorted(sku for sku, count in Counter(panel_skus).items() if count > 1)
    if duplicates:
        raise ValidationError(
            {"order_items": [f"Panel sku '{sku}' is given more than once." for sku in duplicates]}
        )
    panels = {p.sku: p for p in Panel.objects.filter(sku__in=panel_skus, is_active=True)}
    unknown = [sku for sku in panel_skus if sku not in panels]
    if unknown:
        raise ValidationError(
            {"order_items": [f"Unknown or inactive panel sku '{sku}'." for sku in unknown]}
        )
    return [panels[sku] for sku in panel_skus]


def order_create(
    *,
    partner: Partner,
    customer_id: int,
    panel_skus: list[str],
    actor=None,
    via: str = "api",
    created_at=None,
    external_id: str | None = None,
) -> CustomerPanelOrder:
    """Create an order of the partner's customer with one item per sku, atomically."""
    customer = Customer.objects.filter(pk=customer_id, partner=partner).first()
    if customer is None:
        raise ValidationError({"customer_id": [f"No customer with id {customer_id}."]})
    panels = order_items_validate(panel_skus)
    with transaction.atomic():
        order = CustomerPanelOrder.objects.create(
            customer=customer, created_at=created_at or timezone.now(), external_id=external_id
        )
        CustomerPanelOrderItem.objects.bulk_create(
            CustomerPanelOrderItem(order=order, panel=panel, position=index)
            for index, panel in enumerate(panels)
        )
        order_event_record(order=order, action="create", via=via, actor=actor,
                           to_state=order.status)
    return order


def order_cancel(*, order: CustomerPanelOrder, actor=None, via: str = "api") -> CustomerPanelOrder:
    return transition(
        order, CANCEL, actor=actor, via=via, changes=lambda o: {"canceled_at": timezone.now()}
    )
