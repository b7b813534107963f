"""seed_demo on an existing database: passwords and revocations stay as they are, demo
tokens are random, and what it prints works."""

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from orders.models import ApiToken, hash_token
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def seed(*options) -> str:
    out = StringIO()
    call_command("seed_demo", "--force", *options, stdout=out)
    return out.getvalue()


def seed_json() -> dict:
    return json.loads(seed("--json"))


def principals(summary: dict):
    """(domain, key, principal) of every demo principal with a token."""
    for domain, section in summary.items():
        if isinstance(section, dict):
            for key, principal in section.items():
                if isinstance(principal, dict) and "token" in principal:
                    yield domain, key, principal


def read_url(domain: str, key: str, principal: dict) -> str:
    """An endpoint each kind of principal may read."""
    if domain == "marketplace":
        kind = "customers" if "customer" in key else "merchants"
        return f"/api/v1/orders/{kind}/{principal['id']}"
    return {"panels": "/api/v1/customer-panel-orders/", "wholesale": "/apis/customer/orders",
            "restaurant": "/api/orders", "labs": "/api/1/orders"}[domain]


def admin_login(client, username: str, password: str) -> bool:
    """Log in through the admin's login page, as an operator would."""
    response = client.post("/admin/login/?next=/admin/",
                           {"username": username, "password": password})
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_printed_credentials_work(client):
    summary = seed_json()
    found = list(principals(summary))
    assert {domain for domain, _, _ in found} == {
        "panels", "wholesale", "marketplace", "restaurant", "labs"}
    for domain, key, principal in found:
        response = client.get(read_url(domain, key, principal), **bearer(principal["token"]))
        assert response.status_code == 200, (domain, key, response.content)
    assert summary["admin"] == {"username": "admin", "password": "admin"}
    assert admin_login(client, **summary["admin"])
    assert client.get("/admin/").status_code == 200


def test_two_runs_print_different_tokens_and_revoke_the_first_runs(client):
    first = seed_json()
    live = ApiToken.objects.filter(revoked_at__isnull=True).count()
    second = seed_json()
    assert any("issued afresh" in note and "revoked" in note for note in second["notes"])
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == live
    for (domain, key, old), (_, _, new) in zip(principals(first), principals(second),
                                               strict=True):
        assert old["token"] != new["token"]
        url = read_url(domain, key, new)
        assert client.get(url, **bearer(old["token"])).status_code == 401, (domain, key)
        assert client.get(url, **bearer(new["token"])).status_code == 200, (domain, key)


def test_a_revoked_demo_token_stays_revoked():
    first = seed_json()
    token = ApiToken.objects.get(token_hash=hash_token(first["panels"]["partner"]["token"]))
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2025-01-01T00:00:00Z")
    seed_json()
    token.refresh_from_db()
    assert token.revoked_at.year == 2025


def test_changed_passwords_are_kept_and_not_printed_as_if_they_worked(client):
    seed_json()
    users = get_user_model().objects
    for username in ["admin", "wholesale-demo-customer"]:
        user = users.filter(username=username).first() or users.get(
            email="john.doe@mlaccessories.example")
        user.set_password("changed-by-the-operator")
        user.save()
    summary = seed_json()
    assert summary["admin"] == {"username": "admin", "password": None}
    assert summary["wholesale"]["customer"]["password"] is None
    assert summary["wholesale"]["other_customer"]["password"] == "wholesale-other-demo"
    assert any("changed since seed_demo set it" in note for note in summary["notes"])
    assert not admin_login(client, "admin", "admin")
    assert admin_login(client, "admin", "changed-by-the-operator")
    assert users.get(email="john.doe@mlaccessories.example").check_password(
        "changed-by-the-operator")

    text = seed()
    assert "password: (changed since seed_demo set it: kept, not shown)" in text
    assert "password: admin" not in text
    assert "issued afresh" in text


def test_an_existing_admin_is_left_as_it_is():
    get_user_model().objects.create_user("admin", password="own-password", is_staff=True)
    summary = seed_json()
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("own-password") and not admin.is_superuser
    assert summary["admin"]["password"] is None
