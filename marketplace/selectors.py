"""Every read of the marketplace domain, scoped to the caller's account."""

from django.db.models import QuerySet

from marketplace.models import MarketplaceCustomer, MarketplaceOrder, Merchant, Record


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
