"""Every read of the marketplace domain, scoped to the caller's account."""

from collections.abc import Sequence
from typing import NamedTuple

from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL

from marketplace.inputs import OrderOwnersRef
from marketplace.models import MarketplaceCustomer, MarketplaceOrder, Merchant, Record
from orders.db import array_literal, rows_by_key
from orders.inputs import InputError, InputErrors

# The user's accounts (reverse one-to-ones): loaded with the API token in its one query
# (marketplace.api.views.MarketplaceTokenAuthentication), else one query each, once.
ACCOUNT_MODELS = {"marketplace_customer": MarketplaceCustomer, "marketplace_merchant": Merchant}
# What a request reads of its account: the ids (a page's scope, the path's id); what an
# answer prints of an account is joined by the query that prints it.
ACCOUNT_COLUMNS = ("id", "public_id")


def account_annotations() -> dict[str, F]:
    """The accounts' columns, as annotations of a row with the user (its API token):
    `marketplace_customer_id`, `marketplace_customer_public_id`, ... (null: no such
    account). They compile as plain columns of the joined tables; a select_related of
    the user's reverse one-to-ones walks the user model's relations on every query."""
    return {f"{name}_{column}": F(f"user__{name}__{column}")
            for name in ACCOUNT_MODELS for column in ACCOUNT_COLUMNS}


def accounts_attach(user, row) -> None:
    """The user's accounts from `row`'s account_annotations() into the user's relation
    cache (with their ids only, as a row of `.only(*ACCOUNT_COLUMNS)` would be): an
    account the user has not is cached as absent, so customer_for_user and
    merchant_for_user ask no query."""
    for name, model in ACCOUNT_MODELS.items():
        values = [getattr(row, f"{name}_{column}") for column in ACCOUNT_COLUMNS]
        account = None
        if values[0] is not None:
            account = model.from_db(user._state.db, [*ACCOUNT_COLUMNS, "user_id"],
                                    [*values, user.pk])
            model.user.field.set_cached_value(account, user)
        getattr(type(user), name).related.set_cached_value(user, account)


def customer_for_user(user) -> MarketplaceCustomer | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.marketplace_customer
    except MarketplaceCustomer.DoesNotExist:
        return None


def merchant_for_user(user) -> Merchant | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.marketplace_merchant
    except Merchant.DoesNotExist:
        return None


def customer_by_email(email: str) -> MarketplaceCustomer | None:
    return MarketplaceCustomer.objects.select_related("user").filter(email__iexact=email).first()


def merchant_by_email(email: str) -> Merchant | None:
    return Merchant.objects.select_related("user").filter(email__iexact=email).first()


# What the order object shows: its own columns (nearly all) and some of its parents'.
ORDER_COLUMNS = [field.name for field in MarketplaceOrder._meta.concrete_fields]
ORDER_PARENT_COLUMNS = {
    "record": ["record__public_id"],
    "merchant": ["merchant__public_id"],
    "customer": ["customer__public_id", "customer__username", "customer__email",
                 "customer__first_name", "customer__last_name"],
}


def _orders(orders: QuerySet[MarketplaceOrder]) -> QuerySet[MarketplaceOrder]:
    """`orders` with the parents the order object shows joined, only their shown columns:
    one query per page. The account it is scoped to is joined too: the account the token
    loaded holds only its ids (orders.auth.TOKEN_COLUMNS)."""
    parent_columns = [column for columns in ORDER_PARENT_COLUMNS.values() for column in columns]
    return orders.select_related(*ORDER_PARENT_COLUMNS).only(*ORDER_COLUMNS, *parent_columns)


def orders_for_customer(customer: MarketplaceCustomer) -> QuerySet[MarketplaceOrder]:
    return _orders(MarketplaceOrder.objects.filter(customer=customer))


def orders_for_merchant(merchant: Merchant) -> QuerySet[MarketplaceOrder]:
    return _orders(MarketplaceOrder.objects.filter(merchant=merchant))


# The scopes alone (no parent loaded): what a page counts; with `rows_of` (a
# LeanRepresentation serializer) the same scope as the `.values_list()` rows it prints (no
# model object), for a read-only page (marketplace.api.views.page_of).
_ROWS: dict[tuple, QuerySet] = {}


def _of(model, rows_of=None) -> QuerySet:
    """All of `model`, or its rows as `rows_of` prints them: that values_list built once
    per pair (resolving its columns cost more than the filter that follows)."""
    if rows_of is None:
        return model.objects.all()
    if (model, rows_of) not in _ROWS:
        _ROWS[model, rows_of] = model.objects.values_list(*rows_of.row_columns())
    return _ROWS[model, rows_of]


def order_scope_for_customer(customer: MarketplaceCustomer, *, rows_of=None) -> QuerySet:
    return _of(MarketplaceOrder, rows_of).filter(customer=customer)


def order_scope_for_merchant(merchant: Merchant, *, rows_of=None) -> QuerySet:
    return _of(MarketplaceOrder, rows_of).filter(merchant=merchant)


_LISTED: dict = {}


def records_listed_scope(*, rows_of=None) -> QuerySet:
    """Records for sale (not removed), of every merchant: the marketplace's catalogue.
    (The same query on every request: built once, a clone of it answered.)"""
    if rows_of not in _LISTED:
        _LISTED[rows_of] = _of(Record, rows_of).filter(removed_at__isnull=True)
    return _LISTED[rows_of].all()


def records_listed() -> QuerySet[Record]:
    """records_listed_scope() with each record's merchant (its public id) loaded."""
    return (records_listed_scope().select_related("merchant")
            .defer("merchant__email", "merchant__company_name", "merchant__primary_contact",
                   "merchant__phone_number", "merchant__created_at"))


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
