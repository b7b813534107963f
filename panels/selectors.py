"""Every read of the panels domain, scoped to the caller's partner."""

from django.db.models import QuerySet

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
