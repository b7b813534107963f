import factory

from orders.services import api_token_create
from panels.models import Customer, Panel, Partner
from tests.factories import UserFactory


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partner {n}")

    @factory.post_generation
    def user(partner, create, extracted, **kwargs):
        partner.users.add(extracted or UserFactory())


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    partner = factory.SubFactory(PartnerFactory)
    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Lovelace{n}")


class PanelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panel
        django_get_or_create = ["sku"]

    sku = factory.Sequence(lambda n: f"panel-{n}")
    name = factory.LazyAttribute(lambda p: p.sku.title())


def partner_token(partner: Partner, abilities=("orders:read", "orders:write")) -> str:
    _, raw = api_token_create(user=partner.users.first(), abilities=abilities)
    return raw
