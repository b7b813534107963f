"""Every read of the labs domain, scoped to the caller's company."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db.models import QuerySet, Subquery

from labs.inputs import NAME_REQUIRED, OrderInput
from labs.models import Assay, Company, LabOrder, Orderer, Product, Sample, Sku, Test
from orders.db import keys_found
from orders.inputs import InputError


def company_for_user(user) -> Company | None:
    if user is None or not user.is_authenticated:
        return None
    return Company.objects.filter(users=user).order_by("pk").first()


def company_id_of_user(user_id) -> Subquery:
    """The id of the user's company (its first), as a subquery: the token's lookup
    annotates it (labs.api.authentication), so the company costs no query of its own."""
    return Subquery(Company.objects.filter(users=user_id).order_by("pk").values("pk")[:1])


# Each read below is scoped to the company's id; the API prints `.values()` rows of them
# (labs.api.serializers), so none selects related rows itself.

def orders_for_company(
    company_id: int,
    *,
    status: str | None = None,
    payment_status: str | None = None,
    updated_since: datetime | None = None,
) -> QuerySet[LabOrder]:
    """The company's orders, newest first."""
    orders = LabOrder.objects.filter(company_id=company_id)
    if status:
        orders = orders.filter(status=status)
    if payment_status:
        orders = orders.filter(payment_status=payment_status)
    if updated_since is not None:
        orders = orders.filter(updated_at__gte=updated_since)
    return orders.order_by("-created_at", "-id")


def samples_of_orders(order_ids: Sequence[int]) -> QuerySet[Sample]:
    """The orders' samples in id order (one query, by the samples' own columns)."""
    return Sample.objects.filter(order_id__in=order_ids).order_by("id")


def tests_of_samples(sample_ids: Sequence[int]) -> QuerySet[Test]:
    return Test.objects.filter(sample_id__in=sample_ids).order_by("id")


def products_for_company(company_id: int) -> QuerySet[Product]:
    return Product.objects.filter(company_id=company_id).order_by("id")


def skus_of_products(product_ids: Sequence[int]) -> QuerySet[Sku]:
    return Sku.objects.filter(product_id__in=product_ids).order_by("id")


def skus_for_company(company_id: int) -> QuerySet[Sku]:
    return Sku.objects.filter(product__company_id=company_id).order_by("id")


def tests_for_company(
    company_id: int,
    *,
    status: str | None = None,
    updated_since: datetime | None = None,
) -> QuerySet[Test]:
    """The company's tests, newest first."""
    tests = Test.objects.filter(sample__order__company_id=company_id)
    if status:
        tests = tests.filter(status=status)
    if updated_since is not None:
        tests = tests.filter(updated_at__gte=updated_since)
    return tests.order_by("-created_at", "-id")


def rows_with_children(parents: list[dict], name: str, children: Iterable[dict],
                       parent_key: str) -> list[dict]:
    """Each parent row (by its "id") with its child rows (by their `parent_key`) under
    `name`, in the children's order."""
    by_parent: dict = {}
    for child in children:
        by_parent.setdefault(child[parent_key], []).append(child)
    for parent in parents:
        parent[name] = by_parent.get(parent["id"], [])
    return parents


def order_references_check(orders: Sequence[OrderInput]
                           ) -> list[tuple[OrderInput, list[InputError]]]:
    """The references of a batch of orders, checked with one query per kind (companies,
    skus, assays, orderers): per order, the order (an orderer name another order of the
    batch gave filled in) and its errors, each naming the field and the value.

    A sku is one of the order's company's products'; an order may leave out its
    orderer's name when the company has that orderer, or an earlier order of the batch
    names it."""
    company_ids = {order.company_id for order in orders}
    sku_ids = {sample.sku_id for order in orders for sample in order.samples}
    assay_ids = {test.assay_id for order in orders for sample in order.samples
                 for test in sample.tests}
    companies = set(Company.objects.filter(pk__any_of=list(company_ids))
                    .values_list("pk", flat=True))
    sku_companies = dict(Sku.objects.filter(pk__any_of=list(sku_ids))
                         .values_list("pk", "product__company_id"))
    assays = set(Assay.objects.filter(pk__any_of=list(assay_ids)).values_list("pk", flat=True))
    unnamed = {(order.company_id, order.orderer_email) for order in orders
               if order.orderer_name is None}
    known = keys_found(Orderer, ["company_id", "email"], unnamed) if unnamed else {}

    named: dict[tuple[int, str], str] = {}  # orderers the batch's earlier orders name
    checked = []
    for order in orders:
        errors = []
        if order.company_id not in companies:
            errors.append(InputError("company_id", f"No company with id {order.company_id}."))
        else:
            for index, sample in enumerate(order.samples):
                if sku_companies.get(sample.sku_id) != order.company_id:
                    errors.append(InputError(f"samples[{index}].sku_id",
                                             f"No sku with id {sample.sku_id}."))
        for index, sample in enumerate(order.samples):
            for number, test in enumerate(sample.tests):
                if test.assay_id not in assays:
                    errors.append(InputError(order.assay_field(index, number),
                                             f"No assay with id {test.assay_id}."))
        key = (order.company_id, order.orderer_email)
        if order.orderer_name is None and key not in known:
            if key in named:
                order = order._replace(orderer_name=named[key])
            else:
                errors.append(InputError(order.orderer_fields[1], NAME_REQUIRED))
        if not errors and order.orderer_name is not None:
            named.setdefault(key, order.orderer_name)
        checked.append((order, errors))
    return checked


def external_id_taken(external_id: str | None) -> InputError | None:
    """The error for an external id another order has, or None (one query)."""
    if external_id is None or not keys_found(LabOrder, ["external_id"], [(external_id,)]):
        return None
    return InputError("external_id", f"An order with external_id {external_id!r} exists.")
