from decimal import Decimal

import factory

from marketplace.models import MarketplaceCustomer, MarketplaceOrder, Merchant, Record
from orders.services import api_token_create
from tests.factories import UserFactory


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    user = factory.SubFactory(UserFactory)
    email = factory.Sequence(lambda n: f"merchant{n}@example.com")
    company_name = factory.Sequence(lambda n: f"Vinyl Shop {n}")
    primary_contact = "Sam Seller"
    phone_number = "555-0100"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketplaceCustomer

    user = factory.SubFactory(UserFactory)
    username = factory.Sequence(lambda n: f"buyer{n}")
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    first_name = "Bea"
    last_name = "Buyer"


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Record

    merchant = factory.SubFactory(MerchantFactory)
    artist = factory.Sequence(lambda n: f"Artist {n}")
    title = "Greatest Hits"
    price = Decimal("10.00")
    condition = "VG+"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketplaceOrder

    record = factory.SubFactory(RecordFactory)
    merchant = factory.SelfAttribute("record.merchant")
    customer = factory.SubFactory(CustomerFactory)
    shipping_address1 = "1 Main St"
    shipping_city = "Raleigh"
    shipping_state = "NC"
    shipping_zip = "27615"
    paypal_email = "pay@example.com"
    merchant_company_name = factory.SelfAttribute("merchant.company_name")


def account_token(account, abilities=("orders:read", "orders:write")) -> str:
    _, raw = api_token_create(user=account.user, abilities=abilities)
    return raw
