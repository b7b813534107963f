"""The panels part of seed_demo: the seed document's panels, customers and orders."""

from datetime import UTC, datetime

from orders.demo import demo_user, reset_sequences
from orders.services import demo_api_token
from panels.models import Customer, CustomerPanelOrder, CustomerPanelOrderItem, Panel, Partner

PANELS = [
    ("cardiometabolic-1", "Cardiometabolic", False),
    ("nutri-opt-1", "Nutrition Optimization", False),
    ("weight-management-1", "Weight Management", False),
    ("hormone-1", "Hormone", True),
]
# The seed's two example orders: (id, created_at, customer_id, skus).
ORDERS = [
    (101, datetime(2017, 11, 24, 10, 0, tzinfo=UTC), 319, ["cardiometabolic-1", "nutri-opt-1"]),
    (102, datetime(2017, 11, 24, 10, 1, tzinfo=UTC), 320, ["weight-management-1", "hormone-1"]),
]
ABILITIES = ["orders:read", "orders:write"]


def load() -> dict:
    panels = {}
    for sku, name, license_required in PANELS:
        panels[sku], _ = Panel.objects.update_or_create(
            sku=sku, defaults={"name": name, "is_license_required": license_required,
                               "is_active": True}
        )

    partner = partner_with_user("Toolbox Demo Partner", "panels-partner")
    other = partner_with_user("Other Demo Partner", "panels-other-partner")

    for customer_id, first, last in [(319, "Jane", "Doe"), (320, "John", "Roe")]:
        Customer.objects.update_or_create(
            pk=customer_id,
            defaults={"partner": partner, "first_name": first, "last_name": last,
                      "reference_id": f"REF-{customer_id}"},
        )
    other_customer, _ = Customer.objects.update_or_create(
        pk=900, defaults={"partner": other, "first_name": "Olga", "last_name": "Other"}
    )

    for order_id, created_at, customer_id, skus in ORDERS:
        order, created = CustomerPanelOrder.objects.get_or_create(
            pk=order_id, defaults={"customer_id": customer_id, "created_at": created_at}
        )
        if created:
            CustomerPanelOrderItem.objects.bulk_create(
                CustomerPanelOrderItem(order=order, panel=panels[sku], position=i)
                for i, sku in enumerate(skus)
            )
    reset_sequences(Customer, CustomerPanelOrder, CustomerPanelOrderItem, Panel)

    return {
        "partner": {
            "token": demo_api_token(user=partner.users.get(), label="demo panels partner",
                                    abilities=ABILITIES),
            "customer_ids": [319, 320],
        },
        "other_partner": {
            "token": demo_api_token(user=other.users.get(), label="demo panels other partner",
                                    abilities=ABILITIES),
            "customer_ids": [other_customer.pk],
        },
        "panel_skus": [sku for sku, _, _ in PANELS],
    }


def partner_with_user(name: str, username: str) -> Partner:
    partner, _ = Partner.objects.get_or_create(name=name)
    partner.users.add(demo_user(username))
    return partner
