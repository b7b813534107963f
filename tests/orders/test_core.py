import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from orders.lifecycle import Transition, TransitionRefused, transition
from orders.models import ApiToken, OrderEvent, hash_token
from orders.services import api_token_create
from panels.models import CustomerPanelOrder
from tests.commands import run_command as run
from tests.conftest import bearer
from tests.panels.factories import CustomerFactory, PartnerFactory

pytestmark = pytest.mark.django_db
ORDERS_URL = "/api/v1/customer-panel-orders/"


class TestApiToken:
    def test_only_the_hash_and_a_prefix_are_stored(self):
        user = PartnerFactory().users.get()
        token, raw = api_token_create(user=user, label="ci")
        stored = ApiToken.objects.filter(pk=token.pk).values().get()
        assert raw not in json.dumps(stored, default=str)
        assert stored["token_hash"] == hash_token(raw)
        assert raw.startswith(stored["prefix"])

    @pytest.mark.parametrize(
        "abilities, ability, granted",
        [
            (["orders:read"], "orders:read", True),
            (["orders:read"], "orders:write", False),
            (["orders:*"], "orders:write", True),
            (["*"], "orders:write", True),
            (["catalog:*"], "orders:read", False),
        ],
    )
    def test_abilities(self, abilities, ability, granted):
        assert ApiToken(abilities=abilities).has_ability(ability) is granted

    def test_revoked_and_expired_tokens_are_refused_and_use_is_recorded(self, client):
        user = PartnerFactory().users.get()
        good, raw_good = api_token_create(user=user)
        revoked, raw_revoked = api_token_create(user=user)
        revoked.revoked_at = timezone.now()
        revoked.save()
        _, raw_expired = api_token_create(user=user,
                                          expires_at=timezone.now() - timedelta(seconds=1))
        assert client.get(ORDERS_URL, **bearer(raw_good)).status_code == 200
        good.refresh_from_db()
        assert good.last_used_at is not None
        for raw, reason in [(raw_revoked, "revoked"), (raw_expired, "expired")]:
            response = client.get(ORDERS_URL, **bearer(raw))
            assert response.status_code == 401
            assert reason in response.json()["non-field-errors"][0]

    def test_create_api_token_command_prints_a_working_token(self, client):
        user = PartnerFactory().users.get()
        out = StringIO()
        call_command("create_api_token", user.username, "--abilities", "orders:read",
                     "--label", "reporting", stdout=out)
        raw = out.getvalue().strip()
        token = ApiToken.objects.get(token_hash=hash_token(raw))
        assert (token.label, token.abilities) == ("reporting", ["orders:read"])
        assert client.get(ORDERS_URL, **bearer(raw)).status_code == 200
        assert client.post(ORDERS_URL, {}, **bearer(raw)).status_code == 403

    def test_create_api_token_for_unknown_user_fails_clearly(self):
        with pytest.raises(CommandError, match="nobody"):
            call_command("create_api_token", "nobody")


class TestTokenAdmin:
    def test_revoke_action(self, admin_client, client):
        user = PartnerFactory().users.get()
        token, raw = api_token_create(user=user)
        response = admin_client.post(
            "/admin/orders/apitoken/",
            {"action": "revoke_tokens", "_selected_action": [token.pk]}, follow=True)
        assert "Revoked 1 token(s)." in [str(m) for m in response.context["messages"]]
        assert client.get(ORDERS_URL, **bearer(raw)).status_code == 401


class TestLifecycle:
    SHIP = Transition("cancel", source={"created"}, target="canceled")

    def test_refused_transition_names_the_order_and_writes_nothing(self):
        order = CustomerPanelOrder.objects.create(customer=CustomerFactory(), status="canceled")
        with pytest.raises(TransitionRefused) as refused:
            transition(order, self.SHIP, via="system")
        assert f"#{order.pk}" in str(refused.value)
        assert "canceled" in str(refused.value)
        assert not OrderEvent.objects.exists()

    def test_guard_refusal_keeps_the_state(self):
        order = CustomerPanelOrder.objects.create(customer=CustomerFactory())

        def guard(locked):
            raise TransitionRefused(locked, "not today")

        with pytest.raises(TransitionRefused, match="not today"):
            transition(order, self.SHIP, via="system", guard=guard)
        order.refresh_from_db()
        assert order.status == "created"
        assert not OrderEvent.objects.exists()

    def test_transition_writes_state_extra_fields_and_one_event(self):
        order = CustomerPanelOrder.objects.create(customer=CustomerFactory())
        when = timezone.now()
        result = transition(order, self.SHIP, via="system", note="by test",
                            changes=lambda o: {"canceled_at": when})
        order.refresh_from_db()
        assert (order.status, order.canceled_at) == ("canceled", when)
        assert result.status == "canceled"
        event = OrderEvent.objects.get()
        assert (event.order, event.from_state, event.to_state, event.note) == (
            order, "created", "canceled", "by test")


class TestProjectPages:
    def test_landing_page_lists_every_domain(self, client):
        page = client.get("/").content.decode()
        for base in ["/api/v1/customer-panel-orders/", "/apis/customer/orders", "/api/v1/orders/",
                     "/api/orders", "/api/1/orders", "/api/docs/", "/admin/"]:
            assert base in page

    def test_schema_is_openapi_3(self, client):
        response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        schema = json.loads(response.content)
        assert schema["openapi"].startswith("3.")
        assert "/api/v1/customer-panel-orders/" in "".join(schema["paths"])

    def test_schema_describes_every_endpoint_without_warnings(self, tmp_path):
        """drf-spectacular's own check: no view it cannot describe (such a view is left
        out of the schema), no ambiguous names, valid OpenAPI."""
        status, out, err = run("spectacular", "--file", str(tmp_path / "schema.yml"),
                               "--validate", "--fail-on-warn")
        assert (status, err) == (0, ""), err
        paths = (tmp_path / "schema.yml").read_text()
        assert re.search(r"^  /api/v1/customer-panel-orders/\{id\}/cancel/?:$", paths,
                         re.MULTILINE)  # (was left out)

    def test_swagger_ui_is_served_without_a_cdn(self, client):
        page = client.get("/api/docs/").content.decode()
        assert "swagger-ui" in page
        assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page


class TestSeedDemo:
    def test_is_idempotent(self):
        """(What it prints, and what a re-run keeps: tests/orders/test_seed_demo.py.)"""
        call_command("seed_demo", "--json", "--force", stdout=StringIO())
        live_tokens = ApiToken.objects.filter(revoked_at__isnull=True)
        counts = (CustomerPanelOrder.objects.count(), live_tokens.count())
        call_command("seed_demo", "--json", "--force", stdout=StringIO())
        assert (CustomerPanelOrder.objects.count(), live_tokens.count()) == counts

    def test_refuses_with_debug_off_unless_forced(self):
        assert settings.DEBUG is False  # as the test runner runs
        with pytest.raises(CommandError, match="DEBUG"):
            call_command("seed_demo", stdout=StringIO())


def test_debug_off_without_secret_key_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run([sys.executable, "manage.py", "check"], env=env,
                            capture_output=True, text=True, cwd=settings.BASE_DIR)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
