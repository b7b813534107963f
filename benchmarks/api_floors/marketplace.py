"""Floor views of marketplace (see benchmarks/api_floors/__init__.py): the customer's and
the merchant's order lists, the record list and a record's detail, each the least work that
answers the project's bytes: one query for the token and its account, `.values()` of the
printed columns (the order's parents joined in its one query), orjson."""

import json
from datetime import UTC

import orjson
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone

from benchmarks.api_floors import Endpoint
from marketplace.models import MarketplaceOrder, Record
from orders.auth import LAST_USED_RESOLUTION
from orders.models import ApiToken, hash_token

READ = "orders:read"
ORDER_COLUMNS = (
    "status", "public_id", "record__public_id", "merchant__public_id",
    "customer__username", "customer__email", "customer__first_name", "customer__last_name",
    "shipping_address1", "shipping_address2", "shipping_city", "shipping_state",
    "shipping_zip", "paypal_email", "billing_address1", "billing_address2", "billing_city",
    "billing_state", "billing_zip", "merchant_company_name", "merchant_primary_contact",
    "merchant_phone_number", "comments", "customer__public_id", "created_at", "version",
)


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error_message": message, "response_code": status}, status=status)


def account_of(request) -> dict | JsonResponse:
    """The token's row with its user's customer and merchant ids: one query (or the 401/403
    the project answers)."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw:
        return error(401, "Authentication credentials were not provided.")
    token = ApiToken.objects.filter(token_hash=hash_token(raw)).values(
        "pk", "abilities", "revoked_at", "expires_at", "last_used_at", "user__is_active",
        "user__marketplace_customer__id", "user__marketplace_customer__public_id",
        "user__marketplace_merchant__id", "user__marketplace_merchant__public_id").first()
    now = timezone.now()
    if (token is None or token["revoked_at"] is not None or not token["user__is_active"]
            or (token["expires_at"] is not None and token["expires_at"] <= now)):
        return error(401, "Invalid token.")
    if token["last_used_at"] is None or now - token["last_used_at"] > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token["pk"]).update(last_used_at=now)
    abilities = token["abilities"]
    if not (isinstance(abilities, list) and (READ in abilities or "*" in abilities
                                             or "orders:*" in abilities)):
        return error(403, f"This token lacks the '{READ}' ability.")
    return token


def created_date(value) -> str:
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def page(request, rows, *, default_order):
    """limit/offset as the project reads them on the happy path (default: all)."""
    limit, offset = request.GET.get("limit"), int(request.GET.get("offset") or 0)
    rows = rows.order_by(*default_order)
    end = None if limit is None else offset + int(limit)
    return rows[offset:end]


def json_response(body, total: int | None = None) -> HttpResponse:
    response = HttpResponse(orjson.dumps(body), content_type="application/json")
    if total is not None:
        response["X-Total-Count"] = str(total)
    return response


def order_body(row: dict) -> dict:
    return {
        "status": row["status"],
        "_id": row["public_id"],
        "record_id": row["record__public_id"],
        "merchant_id": row["merchant__public_id"],
        "customer_info": [{"username": row["customer__username"],
                           "email": row["customer__email"],
                           "firstName": row["customer__first_name"],
                           "lastName": row["customer__last_name"]}],
        "shipping_info": [{"shipping_address1": row["shipping_address1"],
                           "shipping_address2": row["shipping_address2"],
                           "shipping_city": row["shipping_city"],
                           "shipping_state": row["shipping_state"],
                           "shipping_zip": row["shipping_zip"]}],
        "billing_info": [{"paypal_email": row["paypal_email"],
                          "billing_address1": row["billing_address1"],
                          "billing_address2": row["billing_address2"],
                          "billing_city": row["billing_city"],
                          "billing_state": row["billing_state"],
                          "billing_zip": row["billing_zip"]}],
        "merchant_info": [{"merchant_id": row["merchant__public_id"],
                           "companyName": row["merchant_company_name"],
                           "primaryContact": row["merchant_primary_contact"],
                           "phoneNumber": row["merchant_phone_number"]}],
        "comments": row["comments"],
        "_createdBy": row["customer__public_id"],
        "created_date": created_date(row["created_at"]),
        "__v": row["version"],
    }


def order_list(request, owner: str, public_id: str):
    token = account_of(request)
    if isinstance(token, HttpResponse):
        return token
    account_id = token[f"user__marketplace_{owner}__id"]
    if account_id is None:
        return error(403, f"This request is for {owner} accounts only.")
    if token[f"user__marketplace_{owner}__public_id"] != public_id:
        return error(404, f"No {owner} with id {public_id}.")
    orders = MarketplaceOrder.objects.filter(**{f"{owner}_id": account_id})
    rows = page(request, orders.values(*ORDER_COLUMNS), default_order=("created_at", "id"))
    return json_response([order_body(row) for row in rows], orders.count())


def customer_orders(request, customer_id):
    return order_list(request, "customer", customer_id)


def merchant_orders(request, merchant_id):
    return order_list(request, "merchant", merchant_id)


RECORD_COLUMNS = ("public_id", "merchant__public_id", "artist", "title", "price", "condition",
                  "comments", "created_at")


def record_body(row: dict) -> dict:
    return {"_id": row["public_id"], "merchant_id": row["merchant__public_id"],
            "artist": row["artist"], "title": row["title"], "price": float(row["price"]),
            "condition": row["condition"], "comments": row["comments"],
            "created_date": created_date(row["created_at"])}


def any_account(request):
    token = account_of(request)
    if (not isinstance(token, HttpResponse) and token["user__marketplace_customer__id"] is None
            and token["user__marketplace_merchant__id"] is None):
        return error(403, "This request needs a marketplace customer or merchant account.")
    return token


def records(request):
    token = any_account(request)
    if isinstance(token, HttpResponse):
        return token
    listed = Record.objects.filter(removed_at__isnull=True)
    rows = page(request, listed.values(*RECORD_COLUMNS),
                default_order=("artist", "title", "id"))
    return json_response([record_body(row) for row in rows], listed.count())


def record(request, record_id):
    token = any_account(request)
    if isinstance(token, HttpResponse):
        return token
    row = Record.objects.filter(removed_at__isnull=True, public_id=record_id).values(
        *RECORD_COLUMNS).first()
    if row is None:
        return error(404, f"No record with id {record_id}.")
    return json_response(record_body(row))


urlpatterns = [
    path("floor/marketplace/orders/customers/<str:customer_id>", customer_orders),
    path("floor/marketplace/orders/merchants/<str:merchant_id>", merchant_orders),
    path("floor/marketplace/records", records),
    path("floor/marketplace/records/<str:record_id>", record),
]


def endpoints(demo: dict) -> list[Endpoint]:
    customer, merchant = demo["marketplace"]["customer"], demo["marketplace"]["merchant"]
    record_id = merchant["record_ids"][0]
    # (the record the demo customer orders must be listed: the bench's orders name it)
    assert Record.objects.filter(public_id=record_id, removed_at__isnull=True).exists()
    create_body = json.dumps({
        "shipping_address1": "123 Shipping Lane", "shipping_city": "Raleigh",
        "shipping_state": "NC", "shipping_zip": "27615", "paypal_email": "paypal@example.com",
        "billing_address1": "123 Billing Drive", "billing_city": "Raleigh",
        "billing_state": "NC", "billing_zip": "27615", "comments": ["Bench create"],
    }).encode()
    return [
        Endpoint("marketplace customer list",
                 f"/api/v1/orders/customers/{customer['id']}?limit=50", customer["token"],
                 floor=f"/floor/marketplace/orders/customers/{customer['id']}?limit=50"),
        Endpoint("marketplace merchant list",
                 f"/api/v1/orders/merchants/{merchant['id']}?limit=50", merchant["token"],
                 floor=f"/floor/marketplace/orders/merchants/{merchant['id']}?limit=50"),
        Endpoint("marketplace records list", "/api/v1/records?limit=50", customer["token"],
                 floor="/floor/marketplace/records?limit=50"),
        Endpoint("marketplace record detail", f"/api/v1/records/{record_id}",
                 customer["token"], floor=f"/floor/marketplace/records/{record_id}"),
        Endpoint("marketplace create",
                 f"/api/v1/orders/merchants/{merchant['id']}/records/{record_id}",
                 customer["token"], method="POST", body=create_body,
                 headers={"Content-Type": "application/json"}),
    ]
