"""The restaurant part of seed_demo: the seed's location, menu, statuses and its example
order (Tucker Vega), a staff reader and writer and a customer with tokens."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

from orders.demo import demo_user, reset_sequences
from orders.services import demo_api_token
from restaurant.models import (
    Customer,
    Location,
    Menu,
    Order,
    OrderMenu,
    PaymentMethod,
    Staff,
    StaffGroup,
    Status,
    StatusHistory,
)

STATUSES = [(1, "Received"), (2, "Pending"), (3, "Preparation"), (4, "Delivery"),
            (5, "Completed"), (6, "Canceled")]
SEED_CREATED_AT = datetime(2020, 5, 24, 12, 58, 43, tzinfo=UTC)
SEED_INVOICE_DATE = datetime(2020, 5, 24, 11, 58, 43, tzinfo=UTC)
READ_WRITE = ["orders:read", "orders:write"]


def load() -> dict:
    for status_id, name in STATUSES:
        Status.objects.update_or_create(pk=status_id, defaults={"name": name})
    PaymentMethod.objects.update_or_create(code="cod", defaults={"name": "Cash On Delivery"})
    location, _ = Location.objects.update_or_create(
        pk=1, defaults={"name": "Default location", "email": "location@example.com",
                        "city": "London", "is_active": True})
    Menu.objects.update_or_create(pk=1, defaults={"name": "Puff-Puff",
                                                  "price": Decimal("4.99"), "is_active": True})
    group, _ = StaffGroup.objects.get_or_create(pk=1, defaults={"name": "Owners"})

    reader = staff_with_user("restaurant-reader", "Reader Staff", "reader@restaurant.example")
    writer = staff_with_user("restaurant-writer", "Writer Staff", "writer@restaurant.example")
    writer.groups.add(group)
    customer_user = demo_user("restaurant-customer", email="vavur@mailinator.com",
                              first_name="Tucker", last_name="Vega")
    customer, _ = Customer.objects.update_or_create(
        pk=1, defaults={"user": customer_user, "first_name": "Tucker", "last_name": "Vega",
                        "email": "vavur@mailinator.com", "telephone": "+1 (604) 376-2674"})

    order, created = Order.objects.get_or_create(pk=1, defaults=dict(
        customer=customer, location=location, first_name="Tucker", last_name="Vega",
        email="vavur@mailinator.com", telephone="+1 (604) 376-2674", notify=None,
        order_type="collection", order_date=date(2020, 5, 24), order_time=time(13, 13),
        processed=True, total_items=3, order_total=Decimal("15.0449"), currency="GBP",
        comment="", payment_method_id="cod", invoice_prefix="INV-2020-00",
        invoice_date=SEED_INVOICE_DATE, status_id=3, status_updated_at=SEED_INVOICE_DATE,
        ip_address="192.168.10.1", hash="7158b25ef2f10b151f87fc4d26b3b27d",
        user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:76.0) "
                   "Gecko/20100101 Firefox/76.0",
        created_at=SEED_CREATED_AT,
    ))
    if created:
        OrderMenu.objects.create(pk=1, order=order, menu_id=1, name="Puff-Puff", qty=3,
                                 price=Decimal("4.99"), subtotal=Decimal("14.97"))
        StatusHistory.objects.create(pk=1, order=order, status_id=3, comment="",
                                     created_at=SEED_INVOICE_DATE)
        # auto_now stamps today on save; the seed shows its own updated_at.
        Order.objects.filter(pk=1).update(updated_at=SEED_CREATED_AT)
    reset_sequences(Status, Location, Menu, StaffGroup, Customer, Order, OrderMenu,
                    StatusHistory)

    return {
        "reader": {"token": demo_api_token(user=reader.user, label="demo restaurant reader",
                                           abilities=["orders:read"])},
        "writer": {"token": demo_api_token(user=writer.user, label="demo restaurant writer",
                                           abilities=READ_WRITE)},
        "customer": {"token": demo_api_token(user=customer_user,
                                             label="demo restaurant customer",
                                             abilities=READ_WRITE),
                     "id": customer.pk},
        "location_ids": [location.pk],
        "menu_ids": [1],
        "status_ids": [status_id for status_id, _ in STATUSES],
    }


def staff_with_user(username: str, name: str, email: str) -> Staff:
    user = demo_user(username, email=email)
    staff, _ = Staff.objects.update_or_create(email=email, defaults={"name": name,
                                                                     "user": user})
    return staff
