"""Floor views of wholesale (see benchmarks/api_floors/__init__.py): the orders list, an
order, the products list, each the least work that answers the project's bytes.

The token check is one query (the token, its user's state and the user's first trade
account); then one query per table: the page's count, the orders, their lines by
`order_id__in`, the names of the users they name by `pk__in` (none if they name none).
Decimals go out as orjson Fragments of the digits the project prints.
"""

import json
from datetime import UTC
from decimal import Decimal
from urllib.parse import urlencode

import orjson
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone

from benchmarks.api_floors import Endpoint
from orders.auth import LAST_USED_RESOLUTION
from orders.models import ABILITIES, ApiToken, hash_token
from wholesale.models import VAT_RATES, Product, TradeAccount, WholesaleOrder, WholesaleOrderLine

ORDERS = "/apis/customer/orders"
PRODUCTS = "/apis/customer/products"
TEXT_FIELDS = ["delivery_name", "delivery_company_name", "delivery_address1",
               "delivery_address2", "delivery_town", "delivery_county",
               "delivery_country_code", "delivery_postcode", "delivery_telephone", "notes"]
USERS = ["created_by", "placed_by", "deleted_by"]
ORDER_COLUMNS = ["id", "order_number", "customer_order_no", "order_state", "order_type",
                 "delivery_method", *TEXT_FIELDS, "carriage_tba", "total_vat", "total_price",
                 "total_weight", "created_at", *[f"{user}_id" for user in USERS]]
LINE_COLUMNS = ["order_id", "product_code", "product_type", "quantity", "description",
                "vat_code", "vat_rate", "unit_price", "line_price", "vat", "unit_weight",
                "line_weight"]
PRODUCT_COLUMNS = ["product_code", "type", "description", "vat_code", "unit_price",
                   "unit_weight"]
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


def error(status: int, message: str) -> HttpResponse:
    return HttpResponse(orjson.dumps({"message": message}), status=status,
                        content_type="application/json")


def trade_account_id(request, ability: str) -> int | HttpResponse:
    """The caller's trade account id from its Bearer token (one query), or the error."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw:
        return error(401, "Authentication credentials were not provided.")
    first_account = (TradeAccount.users.through.objects.filter(user_id=OuterRef("user_id"))
                     .order_by("tradeaccount_id").values("tradeaccount_id")[:1])
    token = (ApiToken.objects.filter(token_hash=hash_token(raw))
             .values("id", "abilities", "revoked_at", "expires_at", "last_used_at",
                     "user__is_active")
             .annotate(account_id=Subquery(first_account)).first())
    now = timezone.now()
    if (token is None or token["revoked_at"] is not None or not token["user__is_active"]
            or (token["expires_at"] is not None and token["expires_at"] <= now)):
        return error(401, "Invalid token.")
    abilities = token["abilities"]
    if not (isinstance(abilities, list) and all(a in ABILITIES for a in abilities)
            and {ability, "*", "orders:*"} & set(abilities)):
        return error(403, f"This token lacks the '{ability}' ability.")
    if token["account_id"] is None:
        return error(403, "This user does not belong to a trade account.")
    if token["last_used_at"] is None or now - token["last_used_at"] > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token["id"]).update(last_used_at=now)
    return token["account_id"]


def number(value: Decimal) -> orjson.Fragment:
    """A column's digits as they are (money: 2 places, unit prices: 4)."""
    return orjson.Fragment(str(value))


def plain(value: Decimal) -> orjson.Fragment:
    """Without trailing zeros, never in exponent form."""
    value = value.normalize()
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return orjson.Fragment(str(value))


def user_names(rows: list[dict]) -> dict[int, str]:
    """The names of the page's users, one query (none for a page naming no user)."""
    ids = {row[f"{user}_id"] for row in rows for user in USERS} - {None}
    if not ids:
        return {}
    return {pk: f"{first} {last}".strip() or username for pk, first, last, username in
            get_user_model().objects.filter(pk__in=ids)
            .values_list("pk", "first_name", "last_name", "username")}


def order_dicts(rows: list[dict]) -> list[dict]:
    lines: dict[int, list] = {row["id"]: [] for row in rows}
    for line in (WholesaleOrderLine.objects.filter(order_id__in=list(lines))
                 .order_by("order_id", "position", "id").values_list(*LINE_COLUMNS)):
        (order_id, code, type_, quantity, description, vat_code, vat_rate, unit_price,
         line_price, vat, unit_weight, line_weight) = line
        lines[order_id].append({
            "product_code": code, "type": type_, "quantity": quantity,
            "description": description, "vat_code": vat_code, "vat_rate": plain(vat_rate),
            "unit_price": number(unit_price), "line_price": number(line_price),
            "vat": number(vat), "unit_weight": plain(unit_weight),
            "line_weight": plain(line_weight)})
    names = user_names(rows)
    orders = []
    for row in rows:
        order = {"order_id": row["id"], "order_number": row["order_number"],
                 "customer_order_no": row["customer_order_no"],
                 "order_state": row["order_state"], "order_type": row["order_type"],
                 "delivery_method": row["delivery_method"]}
        for name in TEXT_FIELDS:
            order[name] = row[name] or None
        order["products"] = lines[row["id"]]
        order["carriage_tba"] = row["carriage_tba"]
        order["total_vat"] = number(row["total_vat"])
        order["total_price"] = number(row["total_price"])
        order["total_weight"] = plain(row["total_weight"])
        order["created_at"] = row["created_at"].astimezone(UTC).strftime(
            "%Y-%m-%d %H:%M:%S+00")
        for user in USERS:
            order[user] = names.get(row[f"{user}_id"])
        orders.append(order)
    return orders


def json_response(data, headers=None) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), content_type="application/json", headers=headers)


def paged(request, product_path: str, queryset, columns: list[str], rows_to_json):
    """A page of `queryset` as the project's header paging answers it."""
    limit = min(int(request.GET.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    offset = int(request.GET.get("offset") or 0)
    count = queryset.count()
    rows = list(queryset.values(*columns)[offset:offset + limit]) if count > offset else []
    headers = {"X-Total-Count": str(count)}
    base = request.build_absolute_uri(product_path)
    query = dict(request.GET.lists())
    links = []
    if offset + limit < count:
        links.append(f'<{link(base, query, limit, offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{link(base, query, limit, max(offset - limit, 0))}>; rel="prev"')
    if links:
        headers["Link"] = ", ".join(links)
    return json_response(rows_to_json(rows), headers)


def link(base: str, query: dict, limit: int, offset: int) -> str:
    query = {**query, "limit": [str(limit)], "offset": [str(offset)]}
    if not offset:
        del query["offset"]
    return f"{base}?{urlencode(sorted(query.items()), doseq=True)}"


def order_list(request):
    account_id = trade_account_id(request, "orders:read")
    if isinstance(account_id, HttpResponse):
        return account_id
    orders = WholesaleOrder.objects.filter(account_id=account_id).order_by("-created_at", "-id")
    return paged(request, ORDERS, orders, ORDER_COLUMNS, order_dicts)


def order_detail(request, pk: int):
    account_id = trade_account_id(request, "orders:read")
    if isinstance(account_id, HttpResponse):
        return account_id
    rows = list(WholesaleOrder.objects.filter(account_id=account_id, pk=pk)
                .values(*ORDER_COLUMNS))
    if not rows:
        return error(404, "Not found.")
    return json_response(order_dicts(rows)[0])


def product_dicts(rows: list[dict]) -> list[dict]:
    return [{"product_code": row["product_code"], "type": row["type"],
             "description": row["description"], "vat_code": row["vat_code"],
             "vat_rate": plain(VAT_RATES[row["vat_code"]]),
             "unit_price": number(row["unit_price"]), "unit_weight": plain(row["unit_weight"])}
            for row in rows]


def product_list(request):
    account_id = trade_account_id(request, "orders:read")
    if isinstance(account_id, HttpResponse):
        return account_id
    products = Product.objects.filter(is_active=True).order_by("product_code")
    return paged(request, PRODUCTS, products, PRODUCT_COLUMNS, product_dicts)


urlpatterns = [
    path("floor/wholesale/orders", order_list),
    path("floor/wholesale/orders/<int:pk>", order_detail),
    path("floor/wholesale/products", product_list),
]

CREATE_BODY = {
    "customer_order_no": "BENCH-API-CREATE", "delivery_method": "DELIVER",
    "delivery_company_name": "Bench Trading Ltd", "delivery_address1": "Unit 4 Foster Avenue",
    "delivery_town": "Dunstable", "delivery_country_code": "GB", "delivery_postcode": "LU5 5TA",
    "products": [{"product_code": "VFR8CW", "quantity": 10},
                 {"product_code": "VFR8BEZMW", "quantity": 5},
                 {"product_code": "CA", "quantity": 1}],
}


def endpoints(demo: dict) -> list:
    customer = demo["wholesale"]["customer"]
    token = customer["token"]
    newest = (WholesaleOrder.objects.filter(account_id=customer["account_id"])
              .order_by("-created_at", "-id").values_list("pk", flat=True).first())
    return [
        Endpoint("wholesale list", f"{ORDERS}?limit=50", token,
                 floor="/floor/wholesale/orders?limit=50"),
        Endpoint("wholesale detail", f"{ORDERS}/{newest}", token,
                 floor=f"/floor/wholesale/orders/{newest}"),
        Endpoint("wholesale products list", f"{PRODUCTS}?limit=50", token,
                 floor="/floor/wholesale/products?limit=50"),
        # The same customer_order_no each call: the first creates, the rest replace it.
        Endpoint("wholesale create or update", ORDERS, token, method="POST",
                 body=json.dumps(CREATE_BODY).encode(),
                 headers={"Content-Type": "application/json"}),
    ]
