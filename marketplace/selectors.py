"""Every read of the marketplace domain, scoped to the caller's account."""

from collections.abc import Sequence
from typing import NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from marketplace.inputs import OrderOwnersRef
from marketplace.models import MarketplaceCustomer, MarketplaceOrder, Merchant, Record
from orders.db import array_literal, rows_by_key
from orders.inputs import InputError, InputErrors


def customer_for_user(user) -> MarketplaceCustomer | None:
    if user is None or not user.is_authenticated:
        return None
    return MarketplaceCustomer.objects.filter(user=user).first()


def merchant_for_user(user) -> Merchant | None:
    if user is None or not user.is_authenticated:
        return None
    return Merchant.objects.filter(user=user).first()


def customer_by_email(email: str) -> MarketplaceCustomer | None:
    return MarketplaceCustomer.objects.select_related("user").filter(email__iexact=email).first()


def merchant_by_email(email: str) -> Merchant | None:
    return Merchant.objects.select_related("user").filter(email__iexact=email).first()


def _orders() -> QuerySet[MarketplaceOrder]:
    # Everything the order object shows comes from these joins: one query per page.
    return MarketplaceOrder.objects.select_related("record", "merchant", "customer")


def orders_for_customer(customer: MarketplaceCustomer) -> QuerySet[MarketplaceOrder]:
    return _orders().filter(customer=customer)


def orders_for_merchant(merchant: Merchant) -> QuerySet[MarketplaceOrder]:
    return _orders().filter(merchant=merchant)


def records_listed() -> QuerySet[Record]:
    """Records for sale (not removed), of every merchant: the marketplace's catalogue."""
    return Record.objects.select_related("merchant").filter(removed_at__isnull=True)


def records_for_merchant(merchant: Merchant) -> QuerySet[Record]:
    return records_listed().filter(merchant=merchant)


# --- a batch's references -------------------------------------------------------------


class OrderOwners(NamedTuple):
    """An order's customer, record and merchant (ids), and the merchant's details as the
    order keeps them (the snapshot taken when it is placed)."""

    customer_id: int
    record_id: int
    merchant_id: int
    merchant_company_name: str
    merchant_primary_contact: str
    merchant_phone_number: str


def batch_of(values: set[str]):
    """A batch's keys for `__in`: on PostgreSQL one array parameter (`IN (SELECT
    unnest(...))`, whose length the planner knows) rather than a placeholder per key,
    which for thousands costs the client more than the query."""
    if connection.vendor != "postgresql":
        return list(values)
    return RawSQL("SELECT unnest(%s::text[])", [array_literal(values)])


def order_owners_resolve(refs: Sequence[OrderOwnersRef], *,
                         for_write: bool = False) -> list[OrderOwners | InputErrors]:
    """Each ref's owners, or InputErrors naming the id that names no one: one query per
    kind (customers, merchants, records) for the whole batch. A record must be listed
    (not removed) and be its merchant's.

    `for_write` (inside the transaction that writes the orders): the records are locked
    (FOR NO KEY UPDATE) until it commits, so a concurrent removal of a record either
    happens before (the order is refused here) or waits until the orders exist (and is
    refused, the record having orders in progress); they are found with the one query
    that takes the lock, by an array of the batch's ids."""
    # (looked up key by key: linear in the batch whatever the tables' statistics say)
    customers = {row[0]: row[1] for row in rows_by_key(
        MarketplaceCustomer, ["public_id"], {(ref.customer_id,) for ref in refs}, ["id"])}
    merchants = {row[0]: row[1:] for row in rows_by_key(
        Merchant, ["public_id"], {(ref.merchant_id,) for ref in refs},
        ["id", "company_name", "primary_contact", "phone_number"])}
    records = Record.objects.filter(public_id__in=batch_of({ref.record_id for ref in refs}),
                                    removed_at__isnull=True)
    if for_write:
        records = records.select_for_update(no_key=True)
    records = {row[0]: row[1:] for row in records.values_list("public_id", "pk",
                                                               "merchant_id")}
    resolved: list[OrderOwners | InputErrors] = []
    for ref in refs:
        errors = []
        customer = customers.get(ref.customer_id)
        merchant = merchants.get(ref.merchant_id)
        record = records.get(ref.record_id)
        if customer is None:
            errors.append(InputError("customer_id", f"No customer with id {ref.customer_id}."))
        if merchant is None:
            errors.append(InputError("merchant_id", f"No merchant with id {ref.merchant_id}."))
        elif record is None or record[1] != merchant[0]:
            errors.append(InputError("record_id", f"No record with id {ref.record_id} of "
                                                  f"merchant {ref.merchant_id}."))
        resolved.append(InputErrors.of(*errors) if errors else OrderOwners(
            customer, record[0], *merchant))
    return resolved
