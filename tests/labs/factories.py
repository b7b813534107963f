import factory

from labs.models import Assay, Company, LabOrder, Orderer, Product, Sample, Sku, Test
from orders.services import api_token_create
from tests.factories import UserFactory


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Company {n}")

    @factory.post_generation
    def user(company, create, extracted, **kwargs):
        company.users.add(extracted or UserFactory())


class OrdererFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Orderer

    company = factory.SubFactory(CompanyFactory)
    email = factory.Sequence(lambda n: f"orderer{n}@example.com")
    name = "Olive Orderer"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Product {n}")


class SkuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sku

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Sku {n}")
    code = factory.Sequence(lambda n: f"SKU-{n}")


class AssayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assay

    name = factory.Sequence(lambda n: f"Assay {n}")


class LabOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabOrder

    orderer = factory.SubFactory(OrdererFactory)
    company = factory.SelfAttribute("orderer.company")


class SampleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sample

    order = factory.SubFactory(LabOrderFactory)
    sku = factory.SubFactory(SkuFactory, product__company=factory.SelfAttribute(
        "...order.company"))


class LabTestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Test

    sample = factory.SubFactory(SampleFactory)
    assay = factory.SubFactory(AssayFactory)


def order_with_tests(company: Company, *, samples: int = 1, tests_per_sample: int = 1,
                     **order_fields) -> LabOrder:
    order = LabOrderFactory(orderer__company=company, **order_fields)
    for _ in range(samples):
        sample = SampleFactory(order=order)
        for _ in range(tests_per_sample):
            LabTestFactory(sample=sample)
    return order


def company_token(company: Company, abilities=("orders:read", "orders:write")) -> str:
    _, raw = api_token_create(user=company.users.first(), abilities=abilities)
    return raw
