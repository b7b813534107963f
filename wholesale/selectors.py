"""Every read of the wholesale domain, scoped to the caller's trade account."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import QuerySet, Subquery

from wholesale.models import Product, TradeAccount, WholesaleOrder, WholesaleOrderLine


def account_for_user(user) -> TradeAccount | None:
    if user is None or not user.is_authenticated:
        return None
    return TradeAccount.objects.filter(users=user).order_by("pk").first()


def first_account_id_of(user_id) -> Subquery:
    """The id of the first trade account of the user `user_id` (an OuterRef) names, as
    account_for_user picks it: for an annotation, so it costs no query of its own."""
    return Subquery(TradeAccount.users.through.objects.filter(user_id=user_id)
                    .order_by("tradeaccount_id").values("tradeaccount_id")[:1])


def account_reference(account_id: int) -> TradeAccount:
    """The account by its id alone, for filters and foreign keys (no query; its other
    fields are deferred: reading one loads it)."""
    return TradeAccount.from_db(None, ["id"], (account_id,))


def orders_for_account(account: TradeAccount) -> QuerySet[WholesaleOrder]:
    """The account's orders, newest first (for writes: whole rows, nothing prefetched)."""
    return WholesaleOrder.objects.filter(account=account).order_by("-created_at", "-id")


# What the wire format prints of an order (wholesale.api.serializers.order_wire): its own
# columns; of its three users only the names, read for the page's users in one query (not
# whole rows, password hashes and all, nor three joins before the page is cut).
ORDER_USERS = ("created_by", "placed_by", "deleted_by")
ORDER_ROW_COLUMNS = (
    "id", "order_number", "customer_order_no", "order_state", "order_type", "delivery_method",
    "delivery_name", "delivery_company_name", "delivery_address1", "delivery_address2",
    "delivery_town", "delivery_county", "delivery_country_code", "delivery_postcode",
    "delivery_telephone", "notes", "carriage_tba", "total_vat", "total_price", "total_weight",
    "created_at", *[f"{user}_id" for user in ORDER_USERS],
)
LINE_ROW_COLUMNS = ("order_id", "product_code", "product_type", "quantity", "description",
                    "vat_code", "vat_rate", "unit_price", "line_price", "vat", "unit_weight",
                    "line_weight")
USER_NAME_COLUMNS = ("pk", "first_name", "last_name", "username")
PRODUCT_ROW_COLUMNS = ("product_code", "type", "description", "vat_code", "unit_price",
                       "unit_weight")


def order_rows_for_account(account: TradeAccount) -> QuerySet[dict]:
    """The account's orders as rows (dicts) of their printed columns, newest first; a page
    of them is completed by `order_rows_completed`."""
    return orders_for_account(account).values(*ORDER_ROW_COLUMNS)


def order_rows_completed(rows: list[dict]) -> list[dict]:
    """`rows` (of order_rows_for_account), each given its "lines" (tuples of
    LINE_ROW_COLUMNS in the request's order: a page has five times more lines than orders,
    and tuples read a fifth quicker than dicts) and, for each of ORDER_USERS, the user's
    (first_name, last_name, username) or None. One query for the lines, one for the users
    (none when the page names no user).

    Lines are ordered by their own columns: ordering by "order" would join and sort by
    the order's."""
    by_order = {}
    user_ids = set()
    for row in rows:
        by_order[row["id"]] = row["lines"] = []
        user_ids.update(row[f"{user}_id"] for user in ORDER_USERS)
    if by_order:
        for line in (WholesaleOrderLine.objects.filter(order_id__in=list(by_order))
                     .order_by("order_id", "position", "id")
                     .values_list(*LINE_ROW_COLUMNS)):
            by_order[line[0]].append(line)
    user_ids.discard(None)
    names = {}
    if user_ids:
        names = {pk: (first, last, username) for pk, first, last, username in
                 get_user_model().objects.filter(pk__in=user_ids)
                 .values_list(*USER_NAME_COLUMNS)}
    for row in rows:
        for user in ORDER_USERS:
            row[user] = names.get(row[f"{user}_id"])
    return rows


def active_products(codes: Iterable[str]) -> QuerySet[Product]:
    """The products that may be ordered among `codes`."""
    return Product.objects.filter(product_code__any_of=set(codes), is_active=True)


def products_by_code(codes: Iterable[str]) -> dict[str, Product]:
    """The active products among `codes`, by code, in one query (none for no codes)."""
    codes = set(codes)
    return {p.product_code: p for p in active_products(codes)} if codes else {}


def products_available() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).order_by("product_code")


def product_rows_available() -> QuerySet[dict]:
    """The active catalog as rows of what the wire format prints."""
    return products_available().values(*PRODUCT_ROW_COLUMNS)
