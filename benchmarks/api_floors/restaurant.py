"""Floor views of restaurant (see benchmarks/api_floors/__init__.py): the JSON:API order list
and detail, with and without `include`, answered with the bytes the project answers, with the
least work: one query for the token and its staff member or customer, `.values()` of the
printed columns, one query per table (children by `__in` of the page's ids), dicts by hand,
orjson."""

import math
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import orjson
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone

from orders.auth import LAST_USED_RESOLUTION
from orders.models import ApiToken, hash_token
from restaurant.models import (
    Customer,
    Location,
    Order,
    OrderMenu,
    OrderTotal,
    Status,
    StatusHistory,
)

JSON_API = "application/vnd.api+json"
ORDERS = "/api/orders"
PLAIN = "%Y-%m-%d %H:%M:%S"  # created_at, updated_at (UTC)
ISO = "%Y-%m-%dT%H:%M:%S.%fZ"  # invoice_date, status_updated_at, assignee_updated_at
PAGE_DEFAULT, PAGE_MAX = 20, 100

ORDER_COLUMNS = (
    "id", "customer_id", "location_id", "address_id", "first_name", "last_name", "email",
    "telephone", "notify", "order_type", "order_time", "order_date", "processed",
    "total_items", "order_total", "currency", "comment", "payment_method_id",
    "invoice_prefix", "invoice_date", "status_id", "status_updated_at", "assignee_id",
    "assignee_group_id", "assignee_updated_at", "ip_address", "hash", "user_agent",
    "created_at", "updated_at")
MENU_COLUMNS = ("order_id", "menu_id", "id", "name", "qty", "price", "subtotal", "comment",
                "options")
TOTAL_COLUMNS = ("order_id", "code", "title", "value", "priority")
# The includes the bench asks for: (relationship, type, model, printed columns).
INCLUDES = {
    "customer": ("customers", Customer,
                 ("id", "first_name", "last_name", "email", "telephone", "created_at")),
    "location": ("locations", Location,
                 ("id", "name", "email", "telephone", "address_1", "city", "postcode")),
    "status": ("statuses", Status, ("id", "name", "comment", "notify_customer")),
}


def response(data, status=200) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), status=status, content_type=JSON_API)


def refused(status: int, detail: str) -> HttpResponse:
    titles = {401: "Unauthenticated", 403: "Forbidden", 404: "Not found"}
    return response({"errors": [{"status": str(status), "title": titles[status],
                                 "detail": detail}]}, status)


def caller_of(request):
    """(staff?, customer id) of the caller, or the refusal: one query for the token, its
    user and the user's staff member and customer."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw:
        return None, refused(401, "Authentication credentials were not provided.")
    row = (ApiToken.objects.filter(token_hash=hash_token(raw))
           .values_list("pk", "last_used_at", "revoked_at", "expires_at", "abilities",
                        "user__is_active", "user__restaurant_staff__is_active",
                        "user__restaurant_customer__id").first())
    now = timezone.now()
    if row is None or row[2] is not None or (row[3] is not None and row[3] <= now) \
            or not row[5]:
        return None, refused(401, "Invalid token.")
    token_id, last_used_at, _, _, abilities, _, staff_active, customer_id = row
    if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    if not ({"orders:read", "orders:*", "*"} & set(abilities)):
        return None, refused(403, "This token lacks the 'orders:read' ability.")
    if staff_active:
        return (True, None), None
    if customer_id is None:
        return None, refused(403, "This user is neither restaurant staff nor a restaurant "
                                  "customer.")
    return (False, customer_id), None


def caller_orders(caller):
    staff, customer_id = caller
    return Order.objects.all() if staff else Order.objects.filter(customer_id=customer_id)


def iso(value):
    return None if value is None else value.strftime(ISO)


def relation(kind: str, pk):
    return {"data": None if pk is None else {"type": kind, "id": str(pk)}}


def documents(rows: list[dict]) -> list[dict]:
    """The order resources of `rows`: menus, totals and history ids one query each."""
    ids = [row["id"] for row in rows]
    menus = {pk: [] for pk in ids}
    for line in OrderMenu.objects.filter(order_id__in=ids).order_by("order_id", "id") \
            .values_list(*MENU_COLUMNS):
        menus[line[0]].append({"id": line[1], "order_menu_id": line[2], "name": line[3],
                               "qty": line[4], "price": f"{line[5]:f}",
                               "subtotal": f"{line[6]:f}", "comment": line[7],
                               "options": line[8]})
    totals = {pk: [] for pk in ids}
    for total in OrderTotal.objects.filter(order_id__in=ids) \
            .order_by("order_id", "priority", "id").values_list(*TOTAL_COLUMNS):
        totals[total[0]].append({"code": total[1], "title": total[2],
                                 "value": f"{total[3]:f}", "priority": total[4]})
    history = {pk: [] for pk in ids}
    for order_id, pk in StatusHistory.objects.filter(order_id__in=ids) \
            .order_by("created_at", "id").values_list("order_id", "id"):
        history[order_id].append({"type": "status_history", "id": str(pk)})
    out = []
    for row in rows:
        pk = row["id"]
        order_date, order_time = row["order_date"], row["order_time"]
        out.append({"type": "orders", "id": str(pk), "attributes": {
            "customer_id": row["customer_id"], "location_id": row["location_id"],
            "address_id": row["address_id"], "first_name": row["first_name"],
            "last_name": row["last_name"], "email": row["email"],
            "telephone": row["telephone"], "notify": row["notify"],
            "order_type": row["order_type"], "order_time": order_time.strftime("%H:%M:%S"),
            "order_date": order_date.strftime("%Y-%m-%d 00:00:00"),
            "order_date_time": f"{order_date:%Y-%m-%d} {order_time:%H:%M:%S}",
            "processed": row["processed"], "total_items": row["total_items"],
            "order_total": f"{row['order_total']:f}", "currency": row["currency"],
            "comment": row["comment"], "payment": row["payment_method_id"],
            "invoice_prefix": row["invoice_prefix"], "invoice_date": iso(row["invoice_date"]),
            "status_id": row["status_id"], "status_updated_at": iso(row["status_updated_at"]),
            "assignee_id": row["assignee_id"], "assignee_group_id": row["assignee_group_id"],
            "assignee_updated_at": iso(row["assignee_updated_at"]),
            "ip_address": row["ip_address"], "hash": row["hash"],
            "user_agent": row["user_agent"], "created_at": row["created_at"].strftime(PLAIN),
            "updated_at": row["updated_at"].strftime(PLAIN), "order_totals": totals[pk],
            "order_menus": menus[pk],
        }, "relationships": {
            "customer": relation("customers", row["customer_id"]),
            "location": relation("locations", row["location_id"]),
            "address": relation("addresses", row["address_id"]),
            "payment_method": relation("payment_methods", row["payment_method_id"]),
            "status": relation("statuses", row["status_id"]),
            "assignee": relation("staff", row["assignee_id"]),
            "assignee_group": relation("staff_groups", row["assignee_group_id"]),
            "status_history": {"meta": {"count": len(history[pk])}, "data": history[pk]},
        }})
    return out


def included(request, rows: list[dict]) -> list[dict] | None:
    """The `included` array of `?include=` (one query per included table), as JSON:API
    orders it: by type, then by id as a string."""
    names = [n.strip() for n in request.GET.get("include", "").split(",") if n.strip()]
    if not names:
        return None
    found = []
    for name in names:
        kind, model, columns = INCLUDES[name]
        ids = {row[f"{name}_id"] for row in rows} - {None}
        for item in model.objects.filter(pk__in=ids).values(*columns):
            pk = str(item.pop("id"))
            if "created_at" in item:
                item["created_at"] = item["created_at"].strftime(PLAIN)
            found.append(((kind, pk), {"type": kind, "id": pk, "attributes": item}))
    found.sort(key=lambda entry: entry[0])
    return [resource for _, resource in found]


def with_page(url: str, number: int) -> str:
    """DRF's replace_query_param(url, "page", number): the query sorted."""
    scheme, netloc, path_, query, fragment = urlsplit(url)
    query_dict = parse_qs(query, keep_blank_values=True)
    query_dict["page"] = [str(number)]
    return urlunsplit((scheme, netloc, path_, urlencode(sorted(query_dict.items()), doseq=True),
                       fragment))


def order_list(request):
    caller, refusal = caller_of(request)
    if refusal:
        return refusal
    per_page = int(request.GET.get("pageLimit") or PAGE_DEFAULT)
    current = int(request.GET.get("page") or 1)
    orders = caller_orders(caller)
    total = orders.count()
    offset = (current - 1) * per_page
    rows = list(orders.order_by("id").values(*ORDER_COLUMNS)[offset:offset + per_page]) \
        if offset < total else []
    total_pages = max(1, math.ceil(total / per_page))
    url = request.build_absolute_uri(ORDERS)
    if request.META.get("QUERY_STRING"):
        url += "?" + request.META["QUERY_STRING"]
    links = {"self": with_page(url, current), "first": with_page(url, 1),
             "last": with_page(url, total_pages)}
    if 1 < current <= total_pages + 1:
        links["prev"] = with_page(url, current - 1)
    if current < total_pages:
        links["next"] = with_page(url, current + 1)
    document = {"links": links, "data": documents(rows)}
    if (extra := included(request, rows)) is not None:
        document["included"] = extra
    document["meta"] = {"pagination": {"total": total, "count": len(rows),
                                       "per_page": per_page, "current_page": current,
                                       "total_pages": total_pages}}
    return response(document)


def order_detail(request, pk):
    caller, refusal = caller_of(request)
    if refusal:
        return refusal
    rows = list(caller_orders(caller).filter(pk=pk).values(*ORDER_COLUMNS))
    if not rows:
        return refused(404, f"No order with id {pk}.")
    document = {"data": documents(rows)[0]}
    if (extra := included(request, rows)) is not None:
        document["included"] = extra
    return response(document)


urlpatterns = [
    path("floor/restaurant/orders", order_list),
    path("floor/restaurant/orders/<int:pk>", order_detail),
]


def endpoints(demo: dict) -> list:
    from benchmarks.api_floors import Endpoint

    token = demo["restaurant"]["writer"]["token"]  # staff: every order
    order_id = Order.objects.order_by("-id").values_list("id", flat=True)[0]
    include = "include=customer,location,status"
    body = orjson.dumps({"data": {"type": "orders", "attributes": {
        "location_id": demo["restaurant"]["location_ids"][0], "first_name": "Bench",
        "last_name": "Create", "email": "bench@example.com", "order_type": "collection",
        "payment": "cod", "status_id": demo["restaurant"]["status_ids"][0],
        "order_menus": [{"id": demo["restaurant"]["menu_ids"][0], "qty": 2}],
        "order_totals": [{"code": "total", "title": "Total", "value": "9.98",
                          "priority": 1}],
        "order_total": "9.98",
    }}})
    return [
        Endpoint("restaurant list", f"{ORDERS}?pageLimit=50", token,
                 "/floor/restaurant/orders?pageLimit=50"),
        Endpoint("restaurant list include", f"{ORDERS}?pageLimit=50&{include}", token,
                 f"/floor/restaurant/orders?pageLimit=50&{include}"),
        Endpoint("restaurant detail", f"{ORDERS}/{order_id}", token,
                 f"/floor/restaurant/orders/{order_id}"),
        Endpoint("restaurant detail include", f"{ORDERS}/{order_id}?{include}", token,
                 f"/floor/restaurant/orders/{order_id}?{include}"),
        Endpoint("restaurant create", ORDERS, token, method="POST", body=body,
                 headers={"Content-Type": JSON_API}),
    ]
