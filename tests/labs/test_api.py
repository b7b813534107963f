import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from labs.models import LabOrder, Test
from tests.commands import seed_demo
from tests.conftest import bearer
from tests.labs.factories import (
    CompanyFactory,
    LabTestFactory,
    ProductFactory,
    SampleFactory,
    SkuFactory,
    company_token,
    order_with_tests,
)

pytestmark = pytest.mark.django_db

SEED = json.loads((Path(__file__).parent / "seed_examples.json").read_text())
ORDERS_URL = "/api/1/orders"


def get(client, path, token):
    return client.get(path, **bearer(token))


class TestSeedExamples:
    def test_list_is_the_seeds_list(self, client, demo):
        response = get(client, ORDERS_URL, demo["company"]["token"])
        assert response.status_code == 200
        assert response.json() == SEED["list"]

    def test_show_order_15_is_the_seeds_order(self, client, demo):
        response = get(client, f"{ORDERS_URL}/15", demo["company"]["token"])
        assert response.status_code == 200
        assert response.json() == SEED["show"]

    def test_demo_section_names_the_seed_orders(self, demo):
        assert demo["company"]["order_ids"] == [18, 17, 16, 15, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2,
                                                1]
        assert demo["other_company"]["order_ids"]
        assert demo["company"]["company_id"] != demo["other_company"]["company_id"]

    def test_seed_demo_is_idempotent(self, client, demo):
        again = seed_demo("labs")  # a re-run issues fresh tokens (revoking the first's)
        assert LabOrder.objects.filter(pk__in=demo["company"]["order_ids"]).count() == 15
        assert get(client, ORDERS_URL, again["company"]["token"]).json() == SEED["list"]

    @pytest.mark.parametrize("path", [
        "/api/1/orders", "/api/1/orders/", "/api/1/orders/15", "/api/1/orders/15/",
        "/api/1/products", "/api/1/products/", "/api/1/products/1", "/api/1/products/1/",
        "/api/1/skus", "/api/1/skus/", "/api/1/skus/16", "/api/1/skus/16/",
        "/api/1/tests", "/api/1/tests/", "/api/1/tests/517", "/api/1/tests/517/",
    ])
    def test_paths_answer_with_and_without_trailing_slash(self, client, demo, path):
        response = get(client, path, demo["company"]["token"])
        assert response.status_code == 200, response.content


class TestOtherEndpoints:
    def test_products_with_their_skus(self, client, demo):
        token = demo["company"]["token"]
        expected = {"id": 1, "name": "Protein Powder", "skus": [
            {"id": 16, "name": "Synergistic Copper Computer", "code": "StellarPromo165935",
             "serving_size_grams": None}]}
        assert get(client, "/api/1/products", token).json() == {
            "products": [expected],
            "pagination": {"per_page": 20, "current_page": 1, "prev_page": None,
                           "next_page": None}}
        assert get(client, "/api/1/products/1", token).json() == expected

    def test_skus_with_their_product(self, client, demo):
        token = demo["company"]["token"]
        sku = SEED["show"]["samples"][0]["sku"]
        assert get(client, "/api/1/skus", token).json()["skus"] == [sku]
        assert get(client, "/api/1/skus/16", token).json() == sku

    def test_serving_size_is_a_json_number(self, client, demo):
        body = get(client, "/api/1/skus/900", demo["other_company"]["token"]).json()
        assert body["serving_size_grams"] == 12.5

    def test_a_test_with_its_assay_sample_and_order(self, client, demo):
        body = get(client, "/api/1/tests/518", demo["company"]["token"]).json()
        sample = SEED["show"]["samples"][1]
        assert body == {
            **sample["tests"][0],
            "sample": {k: v for k, v in sample.items() if k != "tests"},
            "order": {"id": 15, "status": "created", "payment_status": "pending"},
        }

    def test_tests_list_newest_first(self, client, demo):
        body = get(client, "/api/1/tests", demo["company"]["token"]).json()
        assert [t["id"] for t in body["tests"]] == [519, 518, 517]


class TestTenancy:
    @pytest.mark.parametrize("path, what", [
        ("/api/1/orders/15", "order"), ("/api/1/products/1", "product"),
        ("/api/1/skus/16", "sku"), ("/api/1/tests/517", "test"),
    ])
    def test_another_companys_object_is_404_like_a_missing_one(self, client, demo, path,
                                                                 what):
        other = demo["other_company"]["token"]
        response = get(client, path, other)
        missing = get(client, path.rsplit("/", 1)[0] + "/999999", other)
        assert (response.status_code, missing.status_code) == (404, 404)
        assert response.json() == {"error": f"No {what} with id {path.rsplit('/', 1)[1]}."}
        assert missing.json() == {"error": f"No {what} with id 999999."}

    @pytest.mark.parametrize("path, root", [
        ("/api/1/orders", "orders"), ("/api/1/products", "products"),
        ("/api/1/skus", "skus"), ("/api/1/tests", "tests"),
    ])
    def test_lists_hold_only_the_callers_company(self, client, demo, path, root):
        other = get(client, path, demo["other_company"]["token"]).json()[root]
        mine = get(client, path, demo["company"]["token"]).json()[root]
        assert other and mine
        assert not {row["id"] for row in other} & {row["id"] for row in mine}
        if root == "orders":
            assert [o["id"] for o in other] == sorted(demo["other_company"]["order_ids"],
                                                      reverse=True)

    def test_huge_id_is_404(self, client, demo):
        response = get(client, f"{ORDERS_URL}/99999999999999999999999", demo["company"]["token"])
        assert response.status_code == 404
        assert "99999999999999999999999" in response.json()["error"]

    def test_a_user_of_no_company_is_403(self, client, demo):
        from orders.services import api_token_create
        from tests.labs.factories import UserFactory

        _, raw = api_token_create(user=UserFactory())
        response = get(client, ORDERS_URL, raw)
        assert response.status_code == 403
        assert response.json() == {"error": "This user does not belong to a company."}


class TestAuthentication:
    @pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Bearer"])
    @pytest.mark.parametrize("path", ["/api/1/orders", "/api/1/orders/15", "/api/1/products",
                                      "/api/1/skus/16", "/api/1/tests"])
    def test_missing_or_bad_token_is_401(self, client, demo, header, path):
        extra = {"HTTP_AUTHORIZATION": header} if header else {}
        response = client.get(path, **extra)
        assert response.status_code == 401
        assert set(response.json()) == {"error"} and response.json()["error"]

    def test_token_without_read_ability_is_403(self, client, demo):
        company = CompanyFactory()
        token = company_token(company, abilities=["orders:write"])
        response = get(client, ORDERS_URL, token)
        assert response.status_code == 403
        assert response.json() == {"error": "This token lacks the 'orders:read' ability."}
        assert get(client, ORDERS_URL, company_token(company, ["orders:read"])).status_code == 200

    def test_revoked_token_is_401(self, client, demo):
        from orders.models import ApiToken

        ApiToken.objects.filter(label="demo labs company").update(revoked_at=timezone.now())
        response = get(client, ORDERS_URL, demo["company"]["token"])
        assert response.status_code == 401
        assert response.json() == {"error": "Token has been revoked."}

    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_writes_are_405_and_change_nothing(self, client, demo, method):
        before = LabOrder.objects.get(pk=15).updated_at
        response = getattr(client, method)(f"{ORDERS_URL}/15", **bearer(demo["company"]["token"]))
        assert response.status_code == 405
        assert response.json() == {"error": f'Method "{method.upper()}" not allowed.'}
        assert LabOrder.objects.get(pk=15).updated_at == before


class TestPaging:
    def test_paging_through_every_page(self, client, demo):
        token = demo["company"]["token"]
        expected = [o["id"] for o in SEED["list"]["orders"]]
        seen, page, pages = [], 1, []
        while page is not None:
            body = get(client, f"{ORDERS_URL}?per_page=4&page={page}", token).json()
            seen += [o["id"] for o in body["orders"]]
            pages.append(body["pagination"])
            page = body["pagination"]["next_page"]
        assert seen == expected
        assert pages == [
            {"per_page": 4, "current_page": 1, "prev_page": None, "next_page": 2},
            {"per_page": 4, "current_page": 2, "prev_page": 1, "next_page": 3},
            {"per_page": 4, "current_page": 3, "prev_page": 2, "next_page": 4},
            {"per_page": 4, "current_page": 4, "prev_page": 3, "next_page": None},
        ]

    def test_default_page_is_20_and_next_page_is_given(self, client):
        company = CompanyFactory()
        for _ in range(21):
            order_with_tests(company, samples=0)
        body = get(client, ORDERS_URL, company_token(company)).json()
        assert len(body["orders"]) == 20
        assert body["pagination"] == {"per_page": 20, "current_page": 1, "prev_page": None,
                                      "next_page": 2}

    def test_page_past_the_end_is_empty_and_points_back_to_the_last_page(self, client, demo):
        body = get(client, f"{ORDERS_URL}?per_page=10&page=7", demo["company"]["token"]).json()
        assert body == {"orders": [], "pagination": {
            "per_page": 10, "current_page": 7, "prev_page": 2, "next_page": None}}

    def test_per_page_100_is_allowed(self, client, demo):
        body = get(client, f"{ORDERS_URL}?per_page=100", demo["company"]["token"]).json()
        assert len(body["orders"]) == 15 and body["pagination"]["per_page"] == 100

    @pytest.mark.parametrize("query, message", [
        ("page=0", "page: must be at least 1, got 0."),
        ("page=abc", "page: must be an integer, got 'abc'."),
        ("per_page=0", "per_page: must be at least 1, got 0."),
        ("per_page=101", "per_page: must be at most 100, got 101."),
        ("per_page=x", "per_page: must be an integer, got 'x'."),
        ("status=lost", "status: must be one of created, completed, canceled, got 'lost'."),
        ("payment_status=free",
         "payment_status: must be one of draft, pending, paid, got 'free'."),
        ("updated_since=yesterday",
         "updated_since: Must be an ISO 8601 datetime, got 'yesterday'."),
        ("updated_since=2025-13-45T00:00:00Z",
         "updated_since: Must be an ISO 8601 datetime, got '2025-13-45T00:00:00Z'."),
        # Beyond what PostgreSQL takes (an offset past 15:59) or any renderer (year 10000).
        ("updated_since=2020-01-01T00:00:00%2B16:00",
         "updated_since: The UTC offset must be between -15:59 and +15:59."),
        ("updated_since=9999-12-31T20:00:00-05:00",
         "updated_since: Must be between 1900-01-01 and 9999-12-30 (UTC)."),
        ("page=%C2%B2", "page: must be an integer, got '²'."),
        ("page=" + "9" * 5000, "page: must be at most 9223372036854775807, got '" + "9" * 39
         + "… (5002 characters)."),
        ("per_page=%D9%A3", "per_page: must be an integer, got '٣'."),
        ("status=%00", "status: Contains a NUL character (\\u0000), which cannot be stored."),
    ])
    def test_bad_values_are_400_naming_parameter_and_value(self, client, demo, query,
                                                           message):
        response = get(client, f"{ORDERS_URL}?{query}", demo["company"]["token"])
        assert response.status_code == 400
        assert response.json() == {"error": message}

    def test_bad_test_status_is_400(self, client, demo):
        response = get(client, "/api/1/tests?status=done", demo["company"]["token"])
        assert response.status_code == 400
        assert response.json()["error"].startswith("status: must be one of not_started")


class TestFilters:
    def ids(self, client, token, query):
        return [o["id"] for o in get(client, f"{ORDERS_URL}?per_page=100&{query}",
                                     token).json()["orders"]]

    def test_status_and_payment_status(self, client, demo):
        token = demo["company"]["token"]
        assert self.ids(client, token, "status=completed") == [8, 7, 5, 3, 2]
        assert self.ids(client, token, "payment_status=pending") == [18, 17, 16, 15, 11]
        assert self.ids(client, token, "status=created&payment_status=draft") == [10, 9, 6, 4,
                                                                                 1]
        assert self.ids(client, token, "status=canceled") == []

    @pytest.mark.parametrize("since, expected", [
        ("2025-11-13T19:00:00.000Z", [18, 17]),
        ("2025-11-13T19:53:03.700Z", [17]),
        ("2025-11-13T20:53:03.700+01:00", [17]),
        ("2025-11-13T19:53:03.700", [17]),
        ("2025-11-13", [18, 17, 16]),
        ("2025-12-01T00:00:00Z", []),
    ])
    def test_updated_since_takes_iso_8601(self, client, demo, since, expected):
        from urllib.parse import quote

        assert self.ids(client, demo["company"]["token"],
                        f"updated_since={quote(since)}") == expected

    def test_tests_filters(self, client, demo):
        Test.objects.filter(pk=518).update(status="in_progress", updated_at=timezone.now())
        token = demo["company"]["token"]
        body = get(client, "/api/1/tests?status=in_progress", token).json()
        assert [t["id"] for t in body["tests"]] == [518]
        body = get(client, "/api/1/tests?updated_since=2025-11-05T14:04:04Z", token).json()
        assert [t["id"] for t in body["tests"]] == [518]


class TestQueryCounts:
    def count(self, client, path, token):
        client.get(path, **bearer(token))  # the token's first use writes its last_used_at
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, **bearer(token))
        assert response.status_code == 200
        return len(ctx), response.json()

    @pytest.mark.parametrize("path, root", [
        ("/api/1/orders", "orders"), ("/api/1/products", "products"),
        ("/api/1/skus", "skus"), ("/api/1/tests", "tests"),
    ])
    def test_lists_cost_the_same_for_a_small_and_a_large_page(self, client, path, root):
        company = CompanyFactory()
        for _ in range(30):
            order_with_tests(company, samples=1, tests_per_sample=1)
        token = company_token(company)
        small, body = self.count(client, f"{path}?per_page=2", token)
        assert len(body[root]) == 2
        large, body = self.count(client, f"{path}?per_page=30", token)
        assert len(body[root]) == 30
        assert small == large

    def test_detail_costs_the_same_whatever_its_samples_and_tests(self, client):
        company = CompanyFactory()
        token = company_token(company)
        small = order_with_tests(company, samples=1, tests_per_sample=1)
        large = order_with_tests(company, samples=8, tests_per_sample=4)
        few, body = self.count(client, f"{ORDERS_URL}/{small.pk}", token)
        assert len(body["samples"]) == 1
        many, body = self.count(client, f"{ORDERS_URL}/{large.pk}", token)
        assert len(body["samples"]) == 8 and all(len(s["tests"]) == 4 for s in body["samples"])
        assert few == many

    def test_products_cost_the_same_whatever_their_skus(self, client):
        company = CompanyFactory()
        token = company_token(company)
        one = ProductFactory(company=company)
        SkuFactory(product=one)
        many = ProductFactory(company=company)
        for _ in range(10):
            SkuFactory(product=many)
        assert self.count(client, f"/api/1/products/{one.pk}", token)[0] == self.count(
            client, f"/api/1/products/{many.pk}", token)[0]


def test_samples_and_tests_are_shown_in_id_order(client):
    company = CompanyFactory()
    order = order_with_tests(company, samples=0)
    first, second = SampleFactory(order=order), SampleFactory(order=order)
    tests = [LabTestFactory(sample=second), LabTestFactory(sample=first),
             LabTestFactory(sample=second)]
    body = get(client, f"{ORDERS_URL}/{order.pk}", company_token(company)).json()
    assert [s["id"] for s in body["samples"]] == [first.pk, second.pk]
    assert [t["id"] for t in body["samples"][1]["tests"]] == [tests[0].pk, tests[2].pk]
