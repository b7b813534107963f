"""The wholesale part of seed_demo: the seed document's products and its example order."""

from datetime import UTC, datetime
from decimal import Decimal

from orders.demo import demo_password, demo_user, reset_sequences
from orders.services import demo_api_token
from wholesale import services
from wholesale.models import Product, TradeAccount, WholesaleOrder, WholesaleOrderLine

# (code, type, description, VAT code, unit price, unit weight), as the seed shows them.
PRODUCTS = [
    ("VFR8CW", "stock", "PROKNIGHT LED 8w IP65 FIRE RATED 4000K", "S", "23.4500", "0.251"),
    ("VFR8BEZMW", "stock", "MATT WHITE BEZEL 2 VFR/VFR8 FIXED DOWNLIGHTS", "S", "1.2300",
     "0.050"),
    ("VFR8BEZCBR", "stock", "BRUSHED CHROME BEZEL 2 VFR/VFR8 FIXED DOWNLIGHTS", "S", "2.3400",
     "0.050"),
    ("CA", "nonstock", "Carriage Charge", "S", "10.0000", "0"),
]
# The seed's GET example.
SEED_ORDER = {
    "id": 1234,
    "order_number": 606739,
    "customer_order_no": "MLA-API #12345",
    "created_at": datetime(2017, 2, 27, 12, 0, tzinfo=UTC),
    "fields": {
        "order_type": "WHOLESALE",
        "delivery_method": "DELIVER",
        "delivery_company_name": "ML Accessories Limited",
        "delivery_address1": "Unit 4 Foster Avenue",
        "delivery_address2": "Woodside Park",
        "delivery_town": "Dunstable",
        "delivery_county": "Bedfordshire",
        "delivery_country_code": "GB",
        "delivery_postcode": "LU5 5TA",
        "delivery_telephone": "01582 88 77 60",
    },
    "lines": [("VFR8CW", 5), ("CA", 1)],
}
CUSTOMER = {"username": "wholesale-customer", "email": "john.doe@mlaccessories.example",
            "first_name": "John", "last_name": "Doe", "password": "wholesale-demo"}
OTHER_CUSTOMER = {"username": "wholesale-other-customer",
                  "email": "olive.other@othertrade.example", "first_name": "Olive",
                  "last_name": "Other", "password": "wholesale-other-demo"}
ABILITIES = ["orders:read", "orders:write"]


def load() -> dict:
    products = {}
    for code, type_, description, vat_code, price, weight in PRODUCTS:
        products[code], _ = Product.objects.update_or_create(
            product_code=code,
            defaults={"type": type_, "description": description, "vat_code": vat_code,
                      "unit_price": Decimal(price), "unit_weight": Decimal(weight),
                      "is_active": True},
        )
    account, customer = account_with_user("ML Accessories Limited", CUSTOMER)
    other_account, other_customer = account_with_user("Other Trade Supplies Ltd",
                                                      OTHER_CUSTOMER)

    order, created = WholesaleOrder.objects.get_or_create(
        pk=SEED_ORDER["id"],
        defaults={"account": account, "order_number": SEED_ORDER["order_number"],
                  "customer_order_no": SEED_ORDER["customer_order_no"],
                  "created_at": SEED_ORDER["created_at"], "created_by": customer,
                  **SEED_ORDER["fields"]},
    )
    if created:
        lines = [services.order_line_build(order=order, product=products[code],
                                           quantity=quantity, position=index)
                 for index, (code, quantity) in enumerate(SEED_ORDER["lines"])]
        WholesaleOrderLine.objects.bulk_create(lines)
        services.order_totals_apply(order, lines)
        order.save(update_fields=["total_price", "total_vat", "total_weight"])
    reset_sequences(TradeAccount, Product, WholesaleOrder, WholesaleOrderLine)
    services.order_numbers_continue_after(SEED_ORDER["order_number"])

    return {
        "customer": credentials(account, customer, CUSTOMER, "demo wholesale customer"),
        "other_customer": credentials(other_account, other_customer, OTHER_CUSTOMER,
                                      "demo wholesale other customer"),
        "product_codes": [code for code, *_ in PRODUCTS],
    }


def account_with_user(name: str, person: dict):
    account, _ = TradeAccount.objects.get_or_create(name=name)
    user = demo_user(person["username"], email=person["email"],
                     first_name=person["first_name"], last_name=person["last_name"],
                     password=person["password"])
    account.users.add(user)
    return account, user


def credentials(account: TradeAccount, user, person: dict, label: str) -> dict:
    return {
        "token": demo_api_token(user=user, label=label, abilities=ABILITIES),
        "email": user.email,
        "password": demo_password(user, person["password"]),
        "account_id": account.pk,
    }
