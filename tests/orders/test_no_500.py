"""The shared layer that keeps odd input from becoming a 500 or a partial write, through
one endpoint of each domain: text the database cannot store (a NUL, a lone surrogate) in
a body or a query, a 10 MB body, 1,001 form fields, ids that are not 1 to 18 ASCII digits,
and a request that fails after it wrote. Each answer is the domain's own error body."""

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.conf import settings

from tests.commands import seed_demo
from tests.conftest import bearer
from tests.marketplace.test_orders_api import CREATE_URL as MARKETPLACE_CREATE_URL
from tests.restaurant.test_api import SEED_PAYLOAD as RESTAURANT_BODY
from tests.wholesale.test_api import SEED_POST_BODY as WHOLESALE_BODY

pytestmark = pytest.mark.django_db

MARKETPLACE_BODY = {"shipping_address1": "1 Road", "shipping_city": "Austin",
                    "shipping_state": "TX", "shipping_zip": "73301",
                    "paypal_email": "me@example.com", "comments": "hi"}


def fields_panels(body):
    assert set(body) == {"errors", "non-field-errors"}, body
    return list(body["errors"]), " ".join(body["non-field-errors"])


def fields_wholesale(body):
    assert set(body) <= {"message", "errors"} and "message" in body, body
    return list(body.get("errors", {})), body["message"]


def fields_marketplace(body):
    assert set(body) == {"error_message", "response_code"}, body
    message = body["error_message"]
    return [message.split(": ")[0]] if ": " in message else [], message


def fields_restaurant(body):
    assert set(body) == {"errors"}, body
    pointers = [e["source"]["pointer"].removeprefix("/data/attributes/")
                for e in body["errors"] if "pointer" in e.get("source", {})]
    return pointers, " ".join(e["detail"] for e in body["errors"])


def fields_labs(body):
    assert set(body) == {"error"}, body
    message = body["error"]
    return [message.split(": ")[0]] if ": " in message else [], message


@dataclass
class Domain:
    name: str
    token: Callable[[dict], str]
    create_url: str | None  # None: the domain's API is read-only
    create_body: dict
    text_field: str  # a free-text field of the create body
    field_status: int  # how the domain answers a bad field of a body
    list_url: str
    detail_url: str  # with {id}
    read: Callable  # the error body -> (fields named, message)


DOMAINS = [
    Domain("panels", lambda d: d["panels"]["partner"]["token"],
           "/api/v1/customer-panel-orders/",
           {"customer_id": 319, "order_items": [{"panel_sku": "cardiometabolic-1"}]},
           "order_items[0].panel_sku", 400, "/api/v1/customer-panel-orders/",
           "/api/v1/customer-panel-orders/{id}", fields_panels),
    Domain("wholesale", lambda d: d["wholesale"]["customer"]["token"],
           "/apis/customer/orders", WHOLESALE_BODY, "notes", 422,
           "/apis/customer/orders", "/apis/customer/orders/{id}", fields_wholesale),
    Domain("marketplace", lambda d: d["marketplace"]["customer"]["token"],
           MARKETPLACE_CREATE_URL, MARKETPLACE_BODY, "shipping_city", 400,
           "/api/v1/records", "/api/v1/records/{id}", fields_marketplace),
    Domain("restaurant", lambda d: d["restaurant"]["writer"]["token"],
           "/api/orders", RESTAURANT_BODY, "comment", 422,
           "/api/orders", "/api/orders/{id}", fields_restaurant),
    Domain("labs", lambda d: d["labs"]["company"]["token"], None, {}, "", 0,
           "/api/1/orders", "/api/1/orders/{id}", fields_labs),
]
WRITING = [d for d in DOMAINS if d.create_url]
# The domain whose create takes form bodies (its seed's own create is form-encoded); the
# others' bodies are nested, which only JSON carries: a form is a 415.
FORMS = [d for d in WRITING if d.name == "marketplace"]
JSON_ONLY = [d for d in WRITING if d not in FORMS]


def by_name(domains):
    return pytest.mark.parametrize("domain", domains, ids=[d.name for d in domains])


@pytest.fixture
def demo():
    return seed_demo()


def row_counts() -> dict[str, int]:
    """Rows of every table of the domains and the core: equal before and after means
    nothing was written."""
    labels = {"orders", *settings.DOMAIN_APPS}
    return {model._meta.label: model.objects.count() for model in apps.get_models()
            if model._meta.app_label in labels}


def with_text(body: dict, path: str, text: str) -> dict:
    """`body` with the text at `path` (`order_items[0].panel_sku` or `notes`) replaced."""
    body = json.loads(json.dumps(body))
    if "[0]." in path:
        outer, inner = path.split("[0].")
        body[outer][0][inner] = text
    else:
        body[path] = text
    return body


@by_name(WRITING)
@pytest.mark.parametrize("text, problem", [("Bad\ud800text", "lone surrogate"),
                                           ("Bad\u0000text", "NUL character")])
def test_unstorable_text_in_a_body_field_is_refused_naming_it(client, demo, domain, text,
                                                              problem):
    before = row_counts()
    body = json.dumps(with_text(domain.create_body, domain.text_field, text))
    response = client.post(domain.create_url, body, content_type="application/json",
                           **bearer(domain.token(demo)))
    assert response.status_code == domain.field_status, response.content
    fields, message = domain.read(response.json())
    assert domain.text_field in fields
    assert problem in message or domain.name == "panels"
    assert row_counts() == before


@by_name(WRITING)
def test_unstorable_text_in_a_key_is_refused(client, demo, domain):
    before = row_counts()
    body = json.dumps({**domain.create_body, "odd\ud800key": 1})
    response = client.post(domain.create_url, body, content_type="application/json",
                           **bearer(domain.token(demo)))
    assert response.status_code == domain.field_status, response.content
    fields, _ = domain.read(response.json())
    assert "odd\\ud800key" in fields  # (written as an escape, so the body can be sent)
    assert row_counts() == before


@by_name(FORMS)
def test_a_nul_in_a_form_field_is_refused_naming_it(client, demo, domain):
    before = row_counts()
    response = client.post(domain.create_url, "note=a%00b",
                           content_type="application/x-www-form-urlencoded",
                           **bearer(domain.token(demo)))
    assert 400 <= response.status_code < 500, response.content
    fields, _ = domain.read(response.json())
    assert "note" in fields
    assert row_counts() == before


@by_name([d for d in DOMAINS if d.name in ("panels", "wholesale", "labs")])
def test_a_nul_in_a_query_parameter_is_400_naming_it(client, demo, domain):
    response = client.get(f"{domain.list_url}?note=a%00b", **bearer(domain.token(demo)))
    assert response.status_code == 400, response.content
    fields, message = domain.read(response.json())
    assert "note" in fields
    assert "NUL character" in message or domain.name == "panels"


@by_name(WRITING)
def test_a_10_mb_body_is_413(client, demo, domain):
    before = row_counts()
    body = json.dumps({**domain.create_body, domain.text_field.split("[")[0]: "x" * 10**7})
    response = client.post(domain.create_url, body, content_type="application/json",
                           **bearer(domain.token(demo)))
    assert response.status_code == 413, response.content[:300]
    _, message = domain.read(response.json())
    assert "2,621,440 bytes" in message
    assert row_counts() == before


def test_a_10_mb_body_to_the_read_only_labs_api_is_405(client, demo):
    response = client.post("/api/1/orders", "x" * 10**7, content_type="application/json",
                           **bearer(demo["labs"]["company"]["token"]))
    assert response.status_code == 405
    fields_labs(response.json())


@by_name(FORMS)
def test_a_10_mb_form_body_is_413(client, demo, domain):
    before = row_counts()
    response = client.post(domain.create_url, "note=" + "x" * 10**7,
                           content_type="application/x-www-form-urlencoded",
                           **bearer(domain.token(demo)))
    assert response.status_code == 413, response.content[:300]
    domain.read(response.json())
    assert row_counts() == before


@by_name(FORMS)
def test_1001_form_fields_are_400(client, demo, domain):
    before = row_counts()
    form = "&".join(f"f{i}=1" for i in range(1001))
    response = client.post(domain.create_url, form,
                           content_type="application/x-www-form-urlencoded",
                           **bearer(domain.token(demo)))
    assert response.status_code == 400, response.content[:300]
    _, message = domain.read(response.json())
    assert "1,000" in message
    assert row_counts() == before


@by_name(JSON_ONLY)
@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=b"])
def test_a_form_body_to_a_json_only_create_is_415(client, demo, domain, content_type):
    before = row_counts()
    response = client.post(domain.create_url, "note=1", content_type=content_type,
                           **bearer(domain.token(demo)))
    assert response.status_code == 415, response.content[:300]
    _, message = domain.read(response.json())
    assert "media type" in message.lower(), message
    assert row_counts() == before


@by_name(FORMS)
def test_1001_multipart_fields_are_400(client, demo, domain):
    before = row_counts()
    response = client.post(domain.create_url, {f"f{i}": "1" for i in range(1001)},
                           **bearer(domain.token(demo)))
    assert response.status_code == 400, response.content[:300]
    domain.read(response.json())
    assert row_counts() == before


@by_name([d for d in DOMAINS if d.name in ("panels", "wholesale", "labs")])
def test_1001_query_parameters_are_400(client, demo, domain):
    query = "&".join(f"f{i}=1" for i in range(1001))
    response = client.get(f"{domain.list_url}?{query}", **bearer(domain.token(demo)))
    assert response.status_code == 400, response.content[:300]
    _, message = domain.read(response.json())
    assert "1,000" in message


@by_name(DOMAINS)
@pytest.mark.parametrize("odd_id", ["9" * 5000, "1" * 19, "%D9%A3", "%C2%B2", "1%00",
                                    "-1", "%EF%BC%91"])  # (Arabic-Indic 3, ², fullwidth 1)
def test_an_id_that_is_not_1_to_18_ascii_digits_is_the_domains_404(client, demo, domain,
                                                                    odd_id):
    response = client.get(domain.detail_url.format(id=odd_id), **bearer(domain.token(demo)))
    assert response.status_code == 404, response.content[:300]
    domain.read(response.json())


# --- a request that fails writes nothing ------------------------------------------------


def test_a_panels_order_whose_answer_fails_after_the_write_is_rolled_back(client, demo,
                                                                         monkeypatch):
    """A bug after the write (here: rendering the created order fails) answers 500, and
    the order, its items and its event are not kept."""
    from panels.api import views

    def broken(self, instance):
        raise RuntimeError("a bug after the write")

    monkeypatch.setattr(views.OrderSerializer, "to_representation", broken)
    client.raise_request_exception = False
    before = row_counts()
    response = client.post("/api/v1/customer-panel-orders/", json.dumps(DOMAINS[0].create_body),
                           content_type="application/json",
                           **bearer(demo["panels"]["partner"]["token"]))
    assert response.status_code == 500
    assert row_counts() == before


def test_a_wholesale_cancel_whose_answer_fails_after_the_write_is_rolled_back(client, demo,
                                                                             monkeypatch):
    from wholesale.api import views
    from wholesale.models import WholesaleOrder

    token = demo["wholesale"]["customer"]["token"]
    created = client.post("/apis/customer/orders", json.dumps(WHOLESALE_BODY),
                          content_type="application/json", **bearer(token))
    assert created.status_code in (200, 201), created.content
    order_id = created.json()["order_id"]

    class Broken(views.Response):
        def __init__(self, *args, **kwargs):
            raise RuntimeError("a bug after the write")

    monkeypatch.setattr(views, "Response", Broken)
    client.raise_request_exception = False
    before = row_counts()
    response = client.delete(f"/apis/customer/orders/{order_id}", **bearer(token))
    assert response.status_code == 500
    assert WholesaleOrder.objects.get(pk=order_id).order_state == "OPEN"
    assert row_counts() == before


def test_a_restaurant_update_to_year_10000_changes_nothing(client, demo):
    """The issue's "500 that commits": a PATCH whose time is year 10000 in UTC. Whatever
    it answers, the order keeps its old value and still reads."""
    from restaurant.models import Order

    token = demo["restaurant"]["writer"]["token"]
    order = Order.objects.order_by("pk").first()
    before = Order.objects.filter(pk=order.pk).values().get()
    client.raise_request_exception = False
    response = client.patch(f"/api/orders/{order.pk}",
                            json.dumps({"status_updated_at": "9999-12-31T20:00:00-05:00"}),
                            content_type="application/json", **bearer(token))
    assert response.status_code >= 400
    assert Order.objects.filter(pk=order.pk).values().get() == before
    assert client.get(f"/api/orders/{order.pk}", **bearer(token)).status_code == 200
    assert client.get("/api/orders", **bearer(token)).status_code == 200
