from decimal import Decimal

import factory

from orders.services import api_token_create
from tests.factories import UserFactory as BaseUserFactory
from wholesale.models import Product, TradeAccount


class UserFactory(BaseUserFactory):
    username = factory.Sequence(lambda n: f"trader{n}")
    first_name = "Tess"
    last_name = factory.Sequence(lambda n: f"Trader{n}")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:
            instance.save()


class TradeAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TradeAccount
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Trade Account {n} Ltd")

    @factory.post_generation
    def user(account, create, extracted, **kwargs):
        account.users.add(extracted or UserFactory())


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ["product_code"]

    product_code = factory.Sequence(lambda n: f"P{n:05d}")
    description = factory.LazyAttribute(lambda p: f"Product {p.product_code}")
    unit_price = Decimal("1.0000")
    unit_weight = Decimal("0.100")


def account_token(account: TradeAccount, abilities=("orders:read", "orders:write")) -> str:
    _, raw = api_token_create(user=account.users.first(), abilities=abilities)
    return raw
