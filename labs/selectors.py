"""Every read of the labs domain, scoped to the caller's company."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from labs.models import Company, LabOrder, Product, Sample, Sku, Test


def company_for_user(user) -> Company | None:
    if user is None or not user.is_authenticated:
        return None
    return Company.objects.filter(users=user).order_by("pk").first()


def orders_for_company(
    company: Company,
    *,
    status: str | None = None,
    payment_status: str | None = None,
    updated_since: datetime | None = None,
) -> QuerySet[LabOrder]:
    """The company's orders, newest first, with their orderer (the list's one join)."""
    orders = LabOrder.objects.filter(company=company).select_related("orderer")
    if status:
        orders = orders.filter(status=status)
    if payment_status:
        orders = orders.filter(payment_status=payment_status)
    if updated_since is not None:
        orders = orders.filter(updated_at__gte=updated_since)
    return orders.order_by("-created_at", "-id")


def order_details_for_company(company: Company) -> QuerySet[LabOrder]:
    """Orders with samples, skus, products, tests and assays: three queries in all."""
    tests = Test.objects.select_related("assay").order_by("id")
    samples = (
        Sample.objects.select_related("sku__product")
        .prefetch_related(Prefetch("tests", queryset=tests))
        .order_by("id")
    )
    return orders_for_company(company).prefetch_related(Prefetch("samples", queryset=samples))


def products_for_company(company: Company) -> QuerySet[Product]:
    return (
        Product.objects.filter(company=company)
        .prefetch_related(Prefetch("skus", queryset=Sku.objects.order_by("id")))
        .order_by("id")
    )


def skus_for_company(company: Company) -> QuerySet[Sku]:
    return Sku.objects.filter(product__company=company).select_related("product").order_by("id")


def tests_for_company(
    company: Company,
    *,
    status: str | None = None,
    updated_since: datetime | None = None,
) -> QuerySet[Test]:
    tests = Test.objects.filter(sample__order__company=company).select_related(
        "assay", "sample__sku__product", "sample__order"
    )
    if status:
        tests = tests.filter(status=status)
    if updated_since is not None:
        tests = tests.filter(updated_at__gte=updated_since)
    return tests.order_by("-created_at", "-id")
