"""Every read of the wholesale domain, scoped to the caller's trade account."""

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from wholesale.models import Product, TradeAccount, WholesaleOrder, WholesaleOrderLine


def account_for_user(user) -> TradeAccount | None:
    if user is None or not user.is_authenticated:
        return None
    return TradeAccount.objects.filter(users=user).order_by("pk").first()


def orders_for_account(account: TradeAccount) -> QuerySet[WholesaleOrder]:
    """The account's orders, newest first, with what the wire format shows prefetched."""
    return (
        WholesaleOrder.objects.filter(account=account)
        .select_related("created_by", "placed_by", "deleted_by")
        .prefetch_related(
            Prefetch("lines", queryset=WholesaleOrderLine.objects.order_by("position", "id"))
        )
        .order_by("-created_at", "-id")
    )


def active_products(codes: Iterable[str]) -> QuerySet[Product]:
    """The products that may be ordered among `codes`."""
    return Product.objects.filter(product_code__any_of=set(codes), is_active=True)


def products_by_code(codes: Iterable[str]) -> dict[str, Product]:
    """The active products among `codes`, by code, in one query (none for no codes)."""
    codes = set(codes)
    return {p.product_code: p for p in active_products(codes)} if codes else {}


def products_available() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).order_by("product_code")
