from decimal import Decimal

import factory
from django.utils import timezone

from orders.services import api_token_create
from restaurant.models import Customer, Location, Menu, Order, OrderMenu, Staff, Status
from tests.factories import UserFactory as BaseUserFactory


class UserFactory(BaseUserFactory):
    username = factory.Sequence(lambda n: f"restaurant-user{n}")
    password = factory.django.Password("secret-pass")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Staff {n}")
    email = factory.LazyAttribute(lambda s: s.user.email)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    user = factory.SubFactory(UserFactory)
    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Lovelace{n}")
    email = factory.LazyAttribute(lambda c: c.user.email)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Location {n}")


class MenuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Menu

    name = factory.Sequence(lambda n: f"Dish {n}")
    price = Decimal("4.9900")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order
        skip_postgeneration_save = True

    location = factory.LazyFunction(lambda: Location.objects.get(pk=1))
    customer = None
    first_name = "Grace"
    last_name = factory.Sequence(lambda n: f"Hopper{n}")
    email = factory.Sequence(lambda n: f"grace{n}@example.com")
    order_type = "collection"
    order_date = factory.LazyFunction(lambda: timezone.now().date())
    order_time = factory.LazyFunction(lambda: timezone.now().time().replace(microsecond=0))
    total_items = 1
    order_total = Decimal("4.9900")
    payment_method_id = "cod"
    status = factory.LazyFunction(lambda: Status.objects.get(pk=1))
    hash = factory.Sequence(lambda n: f"{n:032x}")

    @factory.post_generation
    def with_menu(order, create, extracted, **kwargs):
        if create:
            OrderMenu.objects.create(order=order, menu_id=1, name="Puff-Puff", qty=1,
                                     price=Decimal("4.99"), subtotal=Decimal("4.99"))


def token_for(user, abilities=("orders:read", "orders:write")) -> str:
    _, raw = api_token_create(user=user, abilities=abilities)
    return raw
