"""Floor views of labs (see benchmarks/api_floors/__init__.py): the lab API's lists and
details, each answering the project's bytes with the least work: one query for the token
and its company, `.values()` of the printed columns, one query per table, orjson.

The lab API has no create (its document shows only reads), so there is no create endpoint.
"""

from datetime import UTC

import orjson
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone

from benchmarks.api_floors import Endpoint
from labs.models import Company, LabOrder, Product, Sample, Sku, Test
from orders.auth import LAST_USED_RESOLUTION
from orders.models import ApiToken, hash_token

PER_PAGE = 50


def company_id_of(request) -> int | None:
    """The project's check in one query: a live token with orders:read, an active user,
    the user's first company. None for anything else (the floor is timed on good tokens)."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw:
        return None
    first_company = Company.objects.filter(users=OuterRef("user_id")).order_by("pk")
    row = (ApiToken.objects.filter(token_hash=hash_token(raw))
           .values("pk", "abilities", "revoked_at", "expires_at", "last_used_at",
                   "user__is_active")
           .annotate(company_id=Subquery(first_company.values("pk")[:1])).first())
    now = timezone.now()
    if (row is None or row["revoked_at"] is not None or not row["user__is_active"]
            or (row["expires_at"] is not None and row["expires_at"] <= now)
            or not ApiToken(abilities=row["abilities"]).has_ability("orders:read")):
        return None
    if row["last_used_at"] is None or now - row["last_used_at"] > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=row["pk"]).update(last_used_at=now)
    return row["company_id"]


def ms(value):
    """The lab's times: "2025-11-13T19:47:00.000Z"."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def number(value):
    return None if value is None else float(value)  # DRF's encoder prints a Decimal so


def answer(body, status=200) -> HttpResponse:
    data = orjson.dumps(body)
    if b"\xe2\x80\xa8" in data or b"\xe2\x80\xa9" in data:  # DRF's renderer escapes these
        data = data.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return HttpResponse(data, status=status, content_type="application/json")


def refused() -> HttpResponse:
    return answer({"error": "refused"}, status=401)


def missing(what, pk) -> HttpResponse:
    return answer({"error": f"No {what} with id {pk}."}, status=404)


def paged(request, root, matching, columns, row):
    """The lab's page: {root: [...], "pagination": {...}}: the count of `matching`, the page
    of its `.values(*columns)`, each printed by `row`."""
    page = int(request.GET.get("page", 1))
    per_page = int(request.GET.get("per_page", 20))
    count = matching.count()
    last_page = max(1, -(-count // per_page))
    start = (page - 1) * per_page
    rows = list(matching.values(*columns)[start:start + per_page]) if start < count else []
    return {root: [row(r) for r in rows], "pagination": {
        "per_page": per_page, "current_page": page,
        "prev_page": min(page - 1, last_page) if page > 1 else None,
        "next_page": page + 1 if page < last_page else None,
    }}


# --- orders ----------------------------------------------------------------------------

ORDER_COLUMNS = ["id", "status", "payment_status", "ordered_at", "paid_at", "date_received",
                 "created_at", "updated_at", "orderer__email", "orderer__name"]


def order_row(r):
    return {"id": r["id"], "status": r["status"], "payment_status": r["payment_status"],
            "ordered_at": ms(r["ordered_at"]), "paid_at": ms(r["paid_at"]),
            "date_received": ms(r["date_received"]), "created_at": ms(r["created_at"]),
            "updated_at": ms(r["updated_at"]),
            "orderer": {"email": r["orderer__email"], "name": r["orderer__name"]}}


def orders(request):
    company_id = company_id_of(request)
    if company_id is None:
        return refused()
    matching = LabOrder.objects.filter(company_id=company_id).order_by("-created_at", "-id")
    return answer(paged(request, "orders", matching, ORDER_COLUMNS, order_row))


SKU_COLUMNS = ["id", "name", "code", "serving_size_grams", "product_id", "product__name"]


def sku_row(r, prefix=""):
    return {"id": r[f"{prefix}id"], "name": r[f"{prefix}name"], "code": r[f"{prefix}code"],
            "serving_size_grams": number(r[f"{prefix}serving_size_grams"]),
            "product": {"id": r[f"{prefix}product_id"], "name": r[f"{prefix}product__name"]}}


SAMPLE_COLUMNS = ["id", "lot", "batch", "composite", "number_of_composites",
                  *(f"sku__{column}" for column in SKU_COLUMNS)]


def sample_row(r):
    return {"id": r["id"], "lot": r["lot"], "sku": sku_row(r, "sku__"), "batch": r["batch"],
            "composite": r["composite"], "number_of_composites": r["number_of_composites"]}


def test_row(r):
    return {"id": r["id"], "status": r["status"], "created_at": ms(r["created_at"]),
            "updated_at": ms(r["updated_at"]),
            "assay": {"id": r["assay_id"], "name": r["assay__name"]}}


def order(request, pk):
    company_id = company_id_of(request)
    if company_id is None:
        return refused()
    found = (LabOrder.objects.filter(company_id=company_id, pk=pk)
             .values(*ORDER_COLUMNS).first())
    if found is None:
        return missing("order", pk)
    samples = list(Sample.objects.filter(order_id=pk).order_by("id").values(*SAMPLE_COLUMNS))
    tests = {}
    for r in (Test.objects.filter(sample_id__in=[s["id"] for s in samples]).order_by("id")
              .values("id", "sample_id", "status", "created_at", "updated_at", "assay_id",
                      "assay__name")):
        tests.setdefault(r["sample_id"], []).append(test_row(r))
    body = order_row(found)
    body["samples"] = [{**sample_row(s), "tests": tests.get(s["id"], [])} for s in samples]
    return answer(body)


# --- products and skus -----------------------------------------------------------------

SKU_SUMMARY = ["id", "product_id", "name", "code", "serving_size_grams"]


def products_with_skus(rows):
    skus = {}
    for r in (Sku.objects.filter(product_id__in=[p["id"] for p in rows]).order_by("id")
              .values(*SKU_SUMMARY)):
        skus.setdefault(r["product_id"], []).append({
            "id": r["id"], "name": r["name"], "code": r["code"],
            "serving_size_grams": number(r["serving_size_grams"])})
    return [{"id": p["id"], "name": p["name"], "skus": skus.get(p["id"], [])} for p in rows]


def products(request):
    company_id = company_id_of(request)
    if company_id is None:
        return refused()
    matching = Product.objects.filter(company_id=company_id).order_by("id")
    body = paged(request, "products", matching, ["id", "name"], lambda r: r)
    body["products"] = products_with_skus(body["products"])
    return answer(body)


def product(request, pk):
    company_id = company_id_of(request)
    if company_id is None:
        return refused()
    found = Product.objects.filter(company_id=company_id, pk=pk).values("id", "name").first()
    if found is None:
        return missing("product", pk)
    return answer(products_with_skus([found])[0])


def skus_of(company_id):
    return Sku.objects.filter(product__company_id=company_id).order_by("id")


def skus(request):
    company_id = company_id_of(request)
    if company_id is None:
        return refused()
    return answer(paged(request, "skus", skus_of(company_id), SKU_COLUMNS, sku_row))


def sku(request, pk):
    company_id = company_id_of(request)
    if company_id is None:
        return refused()
    found = skus_of(company_id).filter(pk=pk).values(*SKU_COLUMNS).first()
    if found is None:
        return missing("sku", pk)
    return answer(sku_row(found))


# --- tests -----------------------------------------------------------------------------

TEST_COLUMNS = ["id", "status", "created_at", "updated_at", "assay_id", "assay__name",
                *(f"sample__{column}" for column in SAMPLE_COLUMNS),
                "sample__order_id", "sample__order__status", "sample__order__payment_status"]


def lone_test_row(r):
    sample = {key[len("sample__"):]: value for key, value in r.items()
              if key.startswith("sample__")}
    return {**test_row(r), "sample": sample_row(sample),
            "order": {"id": r["sample__order_id"], "status": r["sample__order__status"],
                      "payment_status": r["sample__order__payment_status"]}}


def tests_of(company_id):
    return Test.objects.filter(sample__order__company_id=company_id).order_by(
        "-created_at", "-id")


def lab_tests(request):
    company_id = company_id_of(request)
    if company_id is None:
        return refused()
    return answer(paged(request, "tests", tests_of(company_id), TEST_COLUMNS, lone_test_row))


def lab_test(request, pk):
    company_id = company_id_of(request)
    if company_id is None:
        return refused()
    found = tests_of(company_id).filter(pk=pk).values(*TEST_COLUMNS).first()
    if found is None:
        return missing("test", pk)
    return answer(lone_test_row(found))


urlpatterns = [
    path("floor/labs/orders", orders),
    path("floor/labs/orders/<int:pk>", order),
    path("floor/labs/products", products),
    path("floor/labs/products/<int:pk>", product),
    path("floor/labs/skus", skus),
    path("floor/labs/skus/<int:pk>", sku),
    path("floor/labs/tests", lab_tests),
    path("floor/labs/tests/<int:pk>", lab_test),
]


def endpoints(demo: dict) -> list:
    """Every list (a page of 50) and detail of the demo company; each detail is of the
    company's newest row that has children (an order with samples and tests, a product
    with skus), so the floor prints what the endpoint prints."""
    company = demo["labs"]["company"]
    token, company_id = company["token"], company["company_id"]
    order_id = (Sample.objects.filter(order__company_id=company_id, tests__isnull=False)
                .order_by("-order__created_at", "-order_id").values_list("order_id", flat=True)
                .first())
    product_id = (Sku.objects.filter(product__company_id=company_id)
                  .order_by("product_id").values_list("product_id", flat=True).first())
    sku_id = Sku.objects.filter(product_id=product_id).order_by("id").values_list(
        "id", flat=True).first()
    test_id = (Test.objects.filter(sample__order__company_id=company_id)
               .order_by("-created_at", "-id").values_list("id", flat=True).first())
    listed = [("orders", None), ("products", product_id), ("skus", sku_id),
              ("tests", test_id)]
    found = []
    for what, _ in listed:
        found.append(Endpoint(f"labs {what} list", f"/api/1/{what}?per_page={PER_PAGE}", token,
                              floor=f"/floor/labs/{what}?per_page={PER_PAGE}"))
    for what, pk in [("orders", order_id), *listed[1:]]:
        found.append(Endpoint(f"labs {what.rstrip('s')} detail", f"/api/1/{what}/{pk}", token,
                              floor=f"/floor/labs/{what}/{pk}"))
    return found
