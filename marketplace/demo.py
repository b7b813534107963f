"""The marketplace part of seed_demo: the seed document's customer, merchant, record and
its two example orders, plus another customer and merchant to try tenancy with."""

from datetime import UTC, datetime
from decimal import Decimal

from marketplace.models import MarketplaceCustomer, MarketplaceOrder, Merchant, Record
from orders.demo import demo_password, demo_user
from orders.services import demo_api_token

ABILITIES = ["orders:read", "orders:write"]
CUSTOMERS = {
    # key: (public id, user, username, email, first, last, password)
    "customer": ("5c6777d1d6a7470017de33c3", "marketplace-customer", "customerName",
                 "email@example.com", "First", "Name", "customer-demo-pass"),
    "other_customer": ("5c6777d1d6a7470017de33c4", "marketplace-other-customer",
                       "otherCustomer", "other.customer@example.com", "Other", "Customer",
                       "other-customer-demo-pass"),
}
MERCHANTS = {
    # key: (public id, user, email, company, contact, phone, password, records)
    "merchant": (
        "5c679751bb102c001706bf0a", "marketplace-merchant", "merchant@example.com",
        "Record Stack Overflow", "Pat Seller", "919-555-0100", "merchant-demo-pass",
        [("5c679811bb102c001706bf0b", "Miles Davis", "Kind of Blue", "24.99", "Near Mint"),
         ("5c679811bb102c001706bf0c", "Nina Simone", "Pastel Blues", "19.50", "VG+"),
         ("5c679811bb102c001706bf0d", "John Coltrane", "Blue Train", "32.00", "Mint")],
    ),
    "other_merchant": (
        "5c679751bb102c001706bf1a", "marketplace-other-merchant", "other.merchant@example.com",
        "Other Vinyl Shop", "Olga Other", "617-555-0199", "other-merchant-demo-pass",
        [("5c679811bb102c001706bf1b", "Aretha Franklin", "Lady Soul", "21.00", "VG"),
         ("5c679811bb102c001706bf1c", "Bill Evans", "Sunday at the Village Vanguard",
          "28.75", "Near Mint")],
    ),
}
# The seed's two listed orders of `customer` for the seed's record of `merchant`.
ORDERS = [
    ("5c68a588fc924b00178bf143", datetime(2019, 2, 17, 0, 6, 32, 391000, tzinfo=UTC)),
    ("5c68a604fc924b00178bf144", datetime(2019, 2, 17, 0, 8, 36, 722000, tzinfo=UTC)),
]
SEED_ORDER_FIELDS = {
    "shipping_address1": "123 Shipping Lane", "shipping_address2": "",
    "shipping_city": "Raleigh", "shipping_state": "NC", "shipping_zip": "27615",
    "paypal_email": "paypal@example.com", "billing_address1": "123 Billing Drive",
    "billing_address2": "Ste. #100", "billing_city": "Raleigh", "billing_state": "NC",
    "billing_zip": "27615", "comments": ["This is a comment"],
}


def load() -> dict:
    result = {}
    customers = {}
    for key, (public_id, username, name, email, first, last, password) in CUSTOMERS.items():
        user = demo_user(username, email=email, first_name=first, last_name=last,
                         password=password)
        customers[key], _ = MarketplaceCustomer.objects.update_or_create(
            public_id=public_id,
            defaults={"user": user, "username": name, "email": email, "first_name": first,
                      "last_name": last},
        )
        result[key] = principal(user, f"demo marketplace {key}", public_id, email, password)

    merchants = {}
    for key, (public_id, username, email, company, contact, phone, password,
              records) in MERCHANTS.items():
        user = demo_user(username, email=email, password=password)
        merchants[key], _ = Merchant.objects.update_or_create(
            public_id=public_id,
            defaults={"user": user, "email": email, "company_name": company,
                      "primary_contact": contact, "phone_number": phone},
        )
        for record_id, artist, title, price, condition in records:
            Record.objects.update_or_create(
                public_id=record_id,
                defaults={"merchant": merchants[key], "artist": artist, "title": title,
                          "price": Decimal(price), "condition": condition,
                          "removed_at": None},
            )
        result[key] = {
            **principal(user, f"demo marketplace {key}", public_id, email, password),
            "record_ids": [record[0] for record in records],
        }

    merchant = merchants["merchant"]
    record = Record.objects.get(public_id=MERCHANTS["merchant"][7][0][0])
    for order_id, created_at in ORDERS:
        MarketplaceOrder.objects.get_or_create(
            public_id=order_id,
            defaults={"record": record, "merchant": merchant,
                      "customer": customers["customer"], "created_at": created_at,
                      "merchant_company_name": merchant.company_name,
                      "merchant_primary_contact": merchant.primary_contact,
                      "merchant_phone_number": merchant.phone_number,
                      **SEED_ORDER_FIELDS},
        )
    return result


def principal(user, label: str, public_id: str, email: str, password: str) -> dict:
    """Token and id as the issue names them; email and password for the log-in endpoints."""
    return {"token": demo_api_token(user=user, label=label, abilities=ABILITIES),
            "id": public_id, "email": email, "password": demo_password(user, password)}
