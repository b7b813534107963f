"""Panels input limits: date and integer query parameters parsed strictly and bounded,
body integers within a bigint, at most MAX_ORDER_ITEMS items validated in one pass."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from panels.models import CustomerPanelOrder
from panels.services import MAX_ORDER_ITEMS
from tests.conftest import bearer
from tests.panels.factories import CustomerFactory, PanelFactory, PartnerFactory, partner_token

pytestmark = pytest.mark.django_db

ORDERS_URL = "/api/v1/customer-panel-orders/"


@pytest.fixture
def partner():
    return PartnerFactory()


@pytest.fixture
def token(partner):
    return partner_token(partner)


def refused(response, name: str):
    """400 in the partner API's body, naming `name`."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"errors", "non-field-errors"}
    assert name in body["errors"], body
    return " ".join(body["errors"][name])


@pytest.mark.parametrize("name", ["created_at_after", "created_at_before"])
@pytest.mark.parametrize("value, problem", [
    ("2020-01-01T00:00:00%2B16:00", "UTC offset"),  # beyond PostgreSQL's 15:59
    ("2020-01-01T00:00:00-16:00", "UTC offset"),
    ("9999-12-31T20:00:00-05:00", "Must be between"),  # year 10000 in UTC
    ("0001-01-01T00:00:00%2B14:00", "Must be between"),  # year 0 in UTC
    ("yesterday", "ISO 8601"),
])
def test_a_date_filter_beyond_the_database_is_400_naming_it(client, token, name, value,
                                                           problem):
    assert problem in refused(client.get(f"{ORDERS_URL}?{name}={value}", **bearer(token)),
                              name)


def test_date_filters_still_filter(client, partner, token):
    customer = CustomerFactory(partner=partner)
    panel = PanelFactory()
    body = {"customer_id": customer.pk, "order_items": [{"panel_sku": panel.sku}]}
    response = client.post(ORDERS_URL, json.dumps(body), content_type="application/json",
                           **bearer(token))
    assert response.status_code == 201
    for query, count in [("created_at_after=2000-01-01", 1),
                         ("created_at_before=2000-01-01T00:00:00%2B15:59", 0),
                         ("created_at_after=9999-12-29T00:00:00Z", 0)]:
        response = client.get(f"{ORDERS_URL}?{query}", **bearer(token))
        assert response.status_code == 200, response.content
        assert len(response.json()) == count, query


@pytest.mark.parametrize("name", ["limit", "offset", "customer_id"])
@pytest.mark.parametrize("value", ["%C2%B2", "%D9%A3", "9" * 5000, "1_0"])
def test_an_integer_parameter_that_is_not_ascii_digits_in_bounds_is_400(client, token, name,
                                                                        value):
    refused(client.get(f"{ORDERS_URL}?{name}={value}", **bearer(token)), name)


@pytest.mark.parametrize("customer_id", [2**63, 10**30, -(2**63), 0, True, 1.5, "²", "9" * 5000])
def test_a_customer_id_beyond_a_bigint_is_400_naming_it(client, partner, token, customer_id):
    panel = PanelFactory()
    body = {"customer_id": customer_id, "order_items": [{"panel_sku": panel.sku}]}
    response = client.post(ORDERS_URL, json.dumps(body), content_type="application/json",
                           **bearer(token))
    refused(response, "customer_id")
    assert not CustomerPanelOrder.objects.exists()


def test_more_items_than_the_maximum_are_refused_by_the_length_rule(client, partner, token):
    """20,000 items (6.5 s of validation before): refused by their number alone, before
    any item is looked at (so with no query for the panels)."""
    customer = CustomerFactory(partner=partner)
    body = {"customer_id": customer.pk,
            "order_items": [{"panel_sku": f"sku-{i}"} for i in range(20_000)]}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(ORDERS_URL, json.dumps(body), content_type="application/json",
                               **bearer(token))
    message = refused(response, "order_items")
    assert f"{MAX_ORDER_ITEMS}" in message
    assert not any("panels_panel" in q["sql"] for q in queries.captured_queries)
    assert not CustomerPanelOrder.objects.exists()


def test_the_maximum_number_of_items_is_validated_in_one_pass(client, partner, token,
                                                              django_assert_max_num_queries):
    """MAX_ORDER_ITEMS items: accepted, with one query for all their panels (and a
    constant number of queries in all, whatever the number of items)."""
    customer = CustomerFactory(partner=partner)
    skus = [PanelFactory().sku for _ in range(MAX_ORDER_ITEMS)]
    body = {"customer_id": customer.pk, "order_items": [{"panel_sku": s} for s in skus]}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(ORDERS_URL, json.dumps(body), content_type="application/json",
                               **bearer(token))
    assert response.status_code == 201, response.content[:300]
    panel_reads = [q for q in queries.captured_queries
                   if q["sql"].lstrip().startswith("SELECT") and '"panels_panel"' in q["sql"]
                   and "sku" in q["sql"].split("WHERE")[-1]]
    assert len(panel_reads) == 1
    assert len(queries.captured_queries) < 30
    assert len(response.json()["order_items"]) == MAX_ORDER_ITEMS


def test_one_item_more_than_the_maximum_is_400(client, partner, token):
    customer = CustomerFactory(partner=partner)
    body = {"customer_id": customer.pk,
            "order_items": [{"panel_sku": f"sku-{i}"} for i in range(MAX_ORDER_ITEMS + 1)]}
    response = client.post(ORDERS_URL, json.dumps(body), content_type="application/json",
                           **bearer(token))
    assert f"{MAX_ORDER_ITEMS}" in refused(response, "order_items")


def test_the_inputs_refuse_more_items_than_the_maximum():
    """The API, the admin and the importer parse through panels.inputs: the same rule."""
    from panels.inputs import InputErrors, order_create_input, order_import_input

    body = {"customer_id": 1,
            "order_items": [{"panel_sku": f"sku-{i}"} for i in range(MAX_ORDER_ITEMS + 1)]}
    for parse in (order_create_input, order_import_input):
        with pytest.raises(InputErrors) as raised:
            parse(body)
        assert f"{MAX_ORDER_ITEMS}" in " ".join(raised.value.as_dict()["order_items"])
