"""Labs query parameters parsed strictly and bounded on every list; the API is read-only."""

import pytest

from tests.conftest import bearer
from tests.labs.factories import CompanyFactory, company_token

pytestmark = pytest.mark.django_db

LISTS = ["/api/1/orders", "/api/1/tests"]


@pytest.fixture
def token():
    return company_token(CompanyFactory())


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("value, problem", [
    ("2020-01-01T00:00:00%2B16:00", "UTC offset"),  # beyond PostgreSQL's 15:59
    ("9999-12-31T20:00:00-05:00", "Must be between"),  # year 10000 in UTC
    ("0001-01-01T00:00:00%2B14:00", "Must be between"),
    ("2020-01-01%0012:00", "NUL character"),
])
def test_updated_since_beyond_the_database_is_400_naming_it(client, token, path, value,
                                                           problem):
    response = client.get(f"{path}?updated_since={value}", **bearer(token))
    assert response.status_code == 400
    [message] = response.json().values()
    assert message.startswith("updated_since: ") and problem in message


@pytest.mark.parametrize("path", [*LISTS, "/api/1/products", "/api/1/skus"])
@pytest.mark.parametrize("query", ["page=%C2%B2", "per_page=%D9%A3", "page=" + "9" * 5000])
def test_paging_parameters_are_strict_on_every_list(client, token, path, query):
    response = client.get(f"{path}?{query}", **bearer(token))
    assert response.status_code == 400
    assert response.json()["error"].startswith(query.split("=")[0] + ": ")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_405_in_the_labs_body(client, token, method):
    response = getattr(client, method)("/api/1/orders/1", "{}", content_type="application/json",
                                       **bearer(token))
    assert response.status_code == 405
    assert set(response.json()) == {"error"}
