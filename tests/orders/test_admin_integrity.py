"""Admin integrity across domains: API tokens, and orders that admin never hard-deletes."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from orders.models import ApiToken
from orders.services import api_token_create
from tests.commands import seed_demo
from tests.conftest import bearer
from tests.panels.factories import PartnerFactory

pytestmark = pytest.mark.django_db
ORDERS_URL = "/api/v1/customer-panel-orders/"
TOKENS = "/admin/orders/apitoken/"


def stored_token(abilities) -> str:
    """A panels partner's token whose stored abilities are `abilities` as they are."""
    token, raw = api_token_create(user=PartnerFactory().users.get())
    ApiToken.objects.filter(pk=token.pk).update(abilities=abilities)
    return raw


class TestAbilities:
    @pytest.mark.parametrize("stored", [5, "x*", "*", ["orders:reed"], ["*", 5], {"*": 1},
                                        [["*"]]])
    def test_a_stored_value_not_a_list_of_known_abilities_grants_nothing(self, client,
                                                                          stored):
        raw = stored_token(stored)
        response = client.get(ORDERS_URL, **bearer(raw))
        assert response.status_code == 403, response.content
        assert client.post(ORDERS_URL, {}, **bearer(raw)).status_code == 403

    def test_known_abilities_still_grant(self, client):
        assert client.get(ORDERS_URL, **bearer(stored_token(["orders:read"]))).status_code == 200
        assert client.get(ORDERS_URL, **bearer(stored_token(["*"]))).status_code == 200
        raw = stored_token(["orders:read"])
        assert client.post(ORDERS_URL, {}, **bearer(raw)).status_code == 403


def add_token(admin_client, user, abilities, **extra):
    return admin_client.post(TOKENS + "add/", {
        "user": user.pk, "label": "from admin", "abilities": abilities,
        "expires_at_0": "", "expires_at_1": "", **extra})


class TestTokenAdmin:
    def test_abilities_are_checkboxes_of_the_known_set(self, admin_client):
        page = admin_client.get(TOKENS + "add/").content.decode()
        for ability in ["*", "orders:*", "orders:read", "orders:write"]:
            assert f'type="checkbox" name="abilities" value="{ability}"' in page, ability

    def test_an_unknown_ability_is_refused(self, admin_client):
        user = PartnerFactory().users.get()
        response = add_token(admin_client, user, ["orders:reed"])
        assert response.status_code == 200
        assert "orders:reed is not one of the available choices" in response.content.decode()
        assert not ApiToken.objects.exists()

    def test_the_raw_token_is_shown_once_on_the_page_and_never_in_a_cookie(
        self, admin_client, client
    ):
        user = PartnerFactory().users.get()
        response = add_token(admin_client, user, ["orders:read", "orders:write"])
        assert response.status_code == 200
        token = ApiToken.objects.get(label="from admin")
        assert token.abilities == ["orders:read", "orders:write"]
        page = response.content.decode()
        raw = page.split('<code id="raw-token"')[1].split(">", 1)[1].split("<", 1)[0]
        assert raw.startswith(token.prefix) and len(raw) > 20
        assert all(raw not in value.output() for value in response.cookies.values())
        assert "no-store" in response["Cache-Control"]
        assert client.get(ORDERS_URL, **bearer(raw)).status_code == 200
        later = admin_client.get(TOKENS)
        assert raw not in later.content.decode()
        assert all(raw not in value.output() for value in later.cookies.values())
        change = admin_client.get(f"{TOKENS}{token.pk}/change/").content.decode()
        assert raw not in change

    def test_a_tokens_user_is_fixed_once_created(self, admin_client):
        owner, other = PartnerFactory().users.get(), PartnerFactory().users.get()
        token, _ = api_token_create(user=owner)
        url = f"{TOKENS}{token.pk}/change/"
        page = admin_client.get(url).content.decode()
        assert 'name="user"' not in page and owner.username in page
        response = admin_client.post(url, {
            "user": other.pk, "label": "moved", "abilities": ["orders:read"],
            "expires_at_0": "", "expires_at_1": ""})
        assert response.status_code == 302
        token.refresh_from_db()
        assert (token.user, token.label, token.abilities) == (owner, "moved", ["orders:read"])

    def test_change_page_and_list_show_a_bad_stored_value_without_failing(self, admin_client):
        token, _ = api_token_create(user=get_user_model().objects.create(username="u"))
        ApiToken.objects.filter(pk=token.pk).update(abilities=5)
        assert "grants nothing" in admin_client.get(TOKENS).content.decode()
        assert admin_client.get(f"{TOKENS}{token.pk}/change/").status_code == 200


KEPT_ORDERS = [  # (admin path, model) of orders and order parts that admin never deletes
    ("panels/customerpanelorder", "panels.CustomerPanelOrder"),
    ("wholesale/wholesaleorder", "wholesale.WholesaleOrder"),
    ("marketplace/marketplaceorder", "marketplace.MarketplaceOrder"),
    ("labs/laborder", "labs.LabOrder"),
    ("labs/test", "labs.Test"),
]


class TestOrdersAreNotDeleted:
    @pytest.fixture
    def demo(self):
        return seed_demo()

    @pytest.mark.parametrize("path, model_name", KEPT_ORDERS)
    def test_no_delete_button_no_bulk_delete_and_a_delete_post_is_refused(
        self, demo, admin_client, path, model_name
    ):
        model = apps.get_model(model_name)
        row = model.objects.order_by("pk").first()
        changelist = admin_client.get(f"/admin/{path}/")
        assert "delete_selected" not in changelist.content.decode()
        change = admin_client.get(f"/admin/{path}/{row.pk}/change/").content.decode()
        assert f"/admin/{path}/{row.pk}/delete/" not in change
        assert admin_client.post(f"/admin/{path}/{row.pk}/delete/",
                                 {"post": "yes"}).status_code == 403
        response = admin_client.post(f"/admin/{path}/", {
            "action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
        assert response.status_code in (200, 302)
        assert model.objects.filter(pk=row.pk).exists()
