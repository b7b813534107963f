"""Floor views of panels (see benchmarks/api_floors/__init__.py): the partner API's order,
customer and panel lists and details, answered with the bytes the project answers, with the
least work: one query for the token and its partner, `.values()` of the printed columns,
one query per table, dicts by hand, orjson."""

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import orjson
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone

from orders.auth import LAST_USED_RESOLUTION
from orders.models import ApiToken, hash_token
from panels.models import Customer, CustomerPanelOrder, CustomerPanelOrderItem, Panel

CREATED_AT_FORMAT = "%Y-%m-%d %H:%M:%S"  # as the project prints created_at (UTC)
PAGE_DEFAULT, PAGE_MAX = 100, 1000
ORDERS = "/api/v1/customer-panel-orders/"
CUSTOMERS = "/api/v1/customers/"
PANELS = "/api/v1/trait-panels/"


def json_response(data, status=200, headers=None) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), status=status, headers=headers,
                        content_type="application/json")


def denied(message: str, status: int) -> HttpResponse:
    return json_response({"errors": {}, "non-field-errors": [message]}, status)


def partner_id_of(request):
    """The caller's partner id (the least, as the project picks), or the refusal: one query
    for the token, its user and the user's partners."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw:
        return None, denied("Authentication credentials were not provided.", 401)
    row = (ApiToken.objects.filter(token_hash=hash_token(raw))
           .order_by("user__panel_partners__id")
           .values_list("pk", "last_used_at", "revoked_at", "expires_at", "abilities",
                        "user__is_active", "user__panel_partners__id").first())
    now = timezone.now()
    if row is None or row[2] is not None or (row[3] is not None and row[3] <= now) \
            or not row[5]:
        return None, denied("Invalid token.", 401)
    token_id, last_used_at, _, _, abilities, _, partner_id = row
    if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    if not ({"orders:read", "orders:*", "*"} & set(abilities)):
        return None, denied("This token lacks the 'orders:read' ability.", 403)
    if partner_id is None:
        return None, denied("This user does not belong to a partner.", 403)
    return partner_id, None


def with_query(url: str, **params) -> str:
    """`url` with `params` set, its query sorted (as DRF's replace_query_param writes it)."""
    scheme, netloc, path_, query, fragment = urlsplit(url)
    query_dict = parse_qs(query, keep_blank_values=True)
    query_dict.update({key: [str(value)] for key, value in params.items()})
    return urlunsplit((scheme, netloc, path_, urlencode(sorted(query_dict.items()), doseq=True),
                       fragment))


def page(request, project_path: str, rows_of):
    """A limit/offset page (the project's headers: X-Total-Count, Link to the project's
    URL) of `rows_of(offset, limit) -> (count, rows)`."""
    limit = min(int(request.GET.get("limit") or PAGE_DEFAULT), PAGE_MAX)
    offset = int(request.GET.get("offset") or 0)
    count, rows = rows_of(offset, limit)
    url = request.build_absolute_uri(project_path)
    if request.META.get("QUERY_STRING"):
        url += "?" + request.META["QUERY_STRING"]
    links = []
    if offset + limit < count:
        links.append(f'<{with_query(url, limit=limit, offset=offset + limit)}>; rel="next"')
    if offset > 0:
        previous = with_query(url, limit=limit)
        if offset - limit > 0:
            previous = with_query(previous, offset=offset - limit)
        else:  # (DRF's remove_query_param)
            scheme, netloc, path_, query, fragment = urlsplit(previous)
            query_dict = parse_qs(query, keep_blank_values=True)
            query_dict.pop("offset", None)
            previous = urlunsplit((scheme, netloc, path_,
                                   urlencode(sorted(query_dict.items()), doseq=True), fragment))
        links.append(f'<{previous}>; rel="prev"')
    headers = {"X-Total-Count": str(count)}
    if links:
        headers["Link"] = ", ".join(links)
    return json_response(rows, headers=headers)


def orders_printed(rows: list[dict]) -> list[dict]:
    items: dict[int, list] = {row["id"]: [] for row in rows}
    for order_id, sku in (CustomerPanelOrderItem.objects.filter(order_id__in=list(items))
                          .order_by("order_id", "position", "id")
                          .values_list("order_id", "panel__sku")):
        items[order_id].append({"panel_sku": sku})
    return [{"id": row["id"],
             "created_at": timezone.localtime(row["created_at"]).strftime(CREATED_AT_FORMAT),
             "customer_id": row["customer_id"], "order_items": items[row["id"]],
             "status": row["status"]} for row in rows]


def partner_orders(partner_id):
    return CustomerPanelOrder.objects.filter(customer__partner_id=partner_id)


ORDER_COLUMNS = ("id", "created_at", "customer_id", "status")
CUSTOMER_COLUMNS = ("id", "first_name", "last_name", "reference_id", "email", "date_of_birth")
PANEL_COLUMNS = ("id", "name", "sku", "is_license_required")


def order_list(request):
    partner_id, refused = partner_id_of(request)
    if refused:
        return refused
    orders = partner_orders(partner_id)

    def rows_of(offset, limit):
        rows = list(orders.order_by("id").values(*ORDER_COLUMNS)[offset:offset + limit])
        return orders.count(), orders_printed(rows)

    return page(request, ORDERS, rows_of)


def order_detail(request, pk):
    partner_id, refused = partner_id_of(request)
    if refused:
        return refused
    rows = list(partner_orders(partner_id).filter(pk=pk).values(*ORDER_COLUMNS))
    if not rows:
        return denied("Not found.", 404)
    return json_response(orders_printed(rows)[0])


def customer_list(request):
    partner_id, refused = partner_id_of(request)
    if refused:
        return refused
    customers = Customer.objects.filter(partner_id=partner_id)

    def rows_of(offset, limit):
        rows = list(customers.order_by("id").values(*CUSTOMER_COLUMNS)[offset:offset + limit])
        return customers.count(), rows

    return page(request, CUSTOMERS, rows_of)


def customer_detail(request, pk):
    partner_id, refused = partner_id_of(request)
    if refused:
        return refused
    row = Customer.objects.filter(partner_id=partner_id, pk=pk).values(*CUSTOMER_COLUMNS).first()
    return denied("Not found.", 404) if row is None else json_response(row)


def panel_list(request):
    partner_id, refused = partner_id_of(request)
    if refused:
        return refused
    panels = Panel.objects.filter(is_active=True)

    def rows_of(offset, limit):
        rows = list(panels.order_by("id").values(*PANEL_COLUMNS)[offset:offset + limit])
        return panels.count(), rows

    return page(request, PANELS, rows_of)


urlpatterns = [
    path("floor/panels/orders/", order_list),
    path("floor/panels/orders/<int:pk>/", order_detail),
    path("floor/panels/customers/", customer_list),
    path("floor/panels/customers/<int:pk>/", customer_detail),
    path("floor/panels/trait-panels/", panel_list),
]


def endpoints(demo: dict) -> list:
    from benchmarks.api_floors import Endpoint
    from panels.models import Partner

    token = demo["panels"]["partner"]["token"]
    partner = Partner.objects.get(users__username="panels-partner")
    order_id = partner_orders(partner.pk).order_by("-id").values_list("id", flat=True)[0]
    customer_id = demo["panels"]["partner"]["customer_ids"][0]
    body = orjson.dumps({"customer_id": customer_id,
                         "order_items": [{"panel_sku": sku}
                                         for sku in demo["panels"]["panel_skus"][:2]]})
    return [
        Endpoint("panels list", f"{ORDERS}?limit=50", token,
                 "/floor/panels/orders/?limit=50"),
        Endpoint("panels detail", f"{ORDERS}{order_id}/", token,
                 f"/floor/panels/orders/{order_id}/"),
        Endpoint("panels customers list", f"{CUSTOMERS}?limit=50", token,
                 "/floor/panels/customers/?limit=50"),
        Endpoint("panels customer detail", f"{CUSTOMERS}{customer_id}/", token,
                 f"/floor/panels/customers/{customer_id}/"),
        Endpoint("panels trait-panels list", f"{PANELS}?limit=50", token,
                 "/floor/panels/trait-panels/?limit=50"),
        Endpoint("panels create", ORDERS, token, method="POST", body=body,
                 headers={"Content-Type": "application/json"}),
    ]
