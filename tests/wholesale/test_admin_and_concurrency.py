import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils.html import escape

from orders.models import OrderEvent
from tests.conftest import bearer, run_concurrently
from tests.wholesale.test_api import BAD_BODIES_422, SEED_GET_1234, post_json, write_counts
from wholesale.admin import WholesaleOrderAdmin
from wholesale.models import Product, WholesaleOrder

CHANGELIST = "/admin/wholesale/wholesaleorder/"
ORDER_1234 = f"{CHANGELIST}1234/change/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def change_form_data(page) -> dict:
    """The POST data of an admin change page as shown (order form and every inline)."""
    data = {}
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value not in (None, False):
            data[name] = "on" if value is True else value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = (
                formset.management_form[name].value())
        for line_form in formset.forms:
            for name in line_form.fields:
                value = line_form[name].value()
                if value not in (None, False):
                    data[line_form.add_prefix(name)] = value
    return data


def add_line(data: dict, product: Product, quantity: int) -> None:
    index = int(data["lines-TOTAL_FORMS"])
    data[f"lines-{index}-product"] = product.pk
    data[f"lines-{index}-quantity"] = quantity
    data[f"lines-{index}-order"] = 1234
    data["lines-TOTAL_FORMS"] = index + 1


@pytest.mark.django_db
class TestOrderAdmin:
    def test_changelist_search_and_filters(self, demo, admin_client):
        Client().post("/apis/customer/orders", json.dumps({
            "customer_order_no": "OTHER-1", "delivery_method": "COLLECT",
            "delivery_postcode": "AB1 2CD",
            "products": [{"product_code": "CA", "quantity": 1}]}),
            content_type="application/json", **bearer(demo["other_customer"]["token"]))

        def count(query):
            response = admin_client.get(CHANGELIST + query)
            assert response.status_code == 200
            return response.context["cl"].result_count

        assert count("") == 2
        assert count("?q=606739") == 1
        assert count("?q=MLA-API") == 1
        assert count("?q=ML+Accessories") == 1
        assert count("?q=AB1+2CD") == 1
        assert count("?order_state__exact=OPEN") == 2
        assert count("?order_state__exact=PLACED") == 0
        assert count(f"?account__id__exact={demo['customer']['account_id']}") == 1
        assert count("?delivery_method__exact=COLLECT") == 1
        assert count("?order_type__exact=WHOLESALE") == 2
        assert count("?created_at__year=2017") == 1

    def test_order_page_shows_lines_with_figures_totals_and_history(self, demo, admin_client):
        Client().put("/apis/customer/orders/1234/place", **bearer(demo["customer"]["token"]))
        page = admin_client.get(ORDER_1234)
        assert page.status_code == 200
        html = page.content.decode()
        for text in ["VFR8CW", "Carriage Charge", "117.25", "23.4500", "1.255", "127.25",
                     "25.45", "History", "PLACED"]:
            assert text in html, text
        assert "lines-0-quantity" not in html  # a placed order's lines are read-only

    def test_place_action_places_through_the_service_with_the_operator(self, demo,
                                                                        admin_client):
        WholesaleOrder.objects.filter(pk=1234).update(delivery_town="")
        response = admin_client.post(
            CHANGELIST, {"action": "order_place", "_selected_action": ["1234"]}, follow=True)
        assert any("delivery_town" in text for text in messages_of(response))
        assert WholesaleOrder.objects.get(pk=1234).order_state == "OPEN"

        WholesaleOrder.objects.filter(pk=1234).update(delivery_town="Dunstable")
        response = admin_client.post(
            CHANGELIST, {"action": "order_place", "_selected_action": ["1234"]}, follow=True)
        assert "1 order(s) placed." in messages_of(response)
        order = WholesaleOrder.objects.get(pk=1234)
        assert (order.order_state, order.placed_by.username) == ("PLACED", "admin")
        event = OrderEvent.objects.get(object_id=1234, action="place")
        assert (event.via, event.actor.username) == ("admin", "admin")

    def test_cancel_action_cancels_open_orders_and_reports_refusals(self, demo, admin_client):
        response = admin_client.post(
            CHANGELIST, {"action": "order_cancel", "_selected_action": ["1234"]}, follow=True)
        assert "1 order(s) cancelled." in messages_of(response)
        order = WholesaleOrder.objects.get(pk=1234)
        assert (order.order_state, order.deleted_by.username) == ("CANCELLED", "admin")
        response = admin_client.post(
            CHANGELIST, {"action": "order_cancel", "_selected_action": ["1234"]}, follow=True)
        assert any("606739" in t and "CANCELLED" in t for t in messages_of(response))
        assert OrderEvent.objects.filter(object_id=1234, action="cancel").count() == 1

    def test_operator_adds_a_line_and_sets_carriage_tba_and_totals_follow(self, demo,
                                                                          admin_client):
        WholesaleOrder.objects.get(pk=1234).lines.filter(product_code="CA").delete()
        data = change_form_data(admin_client.get(ORDER_1234))
        data["carriage_tba"] = "on"
        add_line(data, Product.objects.get(product_code="VFR8BEZMW"), 4)
        response = admin_client.post(ORDER_1234, data)
        assert response.status_code == 302, response.context["errors"]
        order = WholesaleOrder.objects.get(pk=1234)
        assert order.carriage_tba is True
        assert [(line.product_code, line.quantity, line.line_price)
                for line in order.lines.all()] == [
            ("VFR8CW", 5, Decimal("117.25")), ("VFR8BEZMW", 4, Decimal("4.92"))]
        assert (order.total_price, order.total_vat, order.total_weight) == (
            Decimal("122.17"), Decimal("24.43"), Decimal("1.455"))
        event = OrderEvent.objects.get(object_id=1234, action="update")
        assert (event.via, event.actor.username) == ("admin", "admin")

    def test_operator_removes_a_line_and_requantifies_keeping_the_price_snapshot(
        self, demo, admin_client
    ):
        Product.objects.filter(product_code="VFR8CW").update(unit_price=Decimal("99.0000"))
        data = change_form_data(admin_client.get(ORDER_1234))
        data["lines-0-quantity"] = 2
        data["lines-1-DELETE"] = "on"
        assert admin_client.post(ORDER_1234, data).status_code == 302
        order = WholesaleOrder.objects.get(pk=1234)
        assert [(line.product_code, line.quantity, line.unit_price, line.line_price,
                 line.vat) for line in order.lines.all()] == [
            ("VFR8CW", 2, Decimal("23.4500"), Decimal("46.90"), Decimal("9.38"))]
        assert (order.total_price, order.total_vat) == (Decimal("46.90"), Decimal("9.38"))

    def test_saving_unchanged_records_nothing(self, demo, admin_client):
        data = change_form_data(admin_client.get(ORDER_1234))
        assert admin_client.post(ORDER_1234, data).status_code == 302
        assert not OrderEvent.objects.filter(object_id=1234).exists()
        assert WholesaleOrder.objects.get(pk=1234).lines.count() == 2

    def test_removing_every_line_is_refused_and_nothing_changes(self, demo, admin_client):
        data = change_form_data(admin_client.get(ORDER_1234))
        data["lines-0-DELETE"] = data["lines-1-DELETE"] = "on"
        response = admin_client.post(ORDER_1234, data)
        assert response.status_code == 200  # the form again, with the error
        assert "An order needs at least one line." in response.content.decode()
        assert WholesaleOrder.objects.get(pk=1234).lines.count() == 2
        assert not OrderEvent.objects.filter(object_id=1234).exists()

    def test_a_save_of_an_order_placed_meanwhile_says_so_and_saves_nothing(self, demo,
                                                                           admin_client):
        data = change_form_data(admin_client.get(ORDER_1234))
        data["carriage_tba"] = "on"
        Client().put("/apis/customer/orders/1234/place", **bearer(demo["customer"]["token"]))
        response = admin_client.post(ORDER_1234, data, follow=True)
        assert response.redirect_chain == [(ORDER_1234, 302)]
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="site-name"' in html  # the styled admin page, not a bare 403
        assert 'name="_save"' not in html  # now read-only
        texts = messages_of(response)
        assert any("606739" in t and "placed meanwhile" in t and "nothing was saved" in t
                   for t in texts), texts
        assert not any("changed successfully" in t for t in texts)
        assert WholesaleOrder.objects.get(pk=1234).carriage_tba is False
        assert not OrderEvent.objects.filter(object_id=1234, action="update").exists()

    def test_a_save_racing_a_cancel_says_so_and_saves_nothing(self, demo, admin_client,
                                                              monkeypatch):
        """Cancelled after the page's own check, before the service's lock."""
        from wholesale import admin as wholesale_admin
        from wholesale import services

        data = change_form_data(admin_client.get(ORDER_1234))
        data["carriage_tba"] = "on"
        revise = services.order_revise

        def cancelled_first(*, order, **kwargs):
            services.order_cancel(order=order, via="api")
            return revise(order=order, **kwargs)

        monkeypatch.setattr(wholesale_admin.services, "order_revise", cancelled_first)
        response = admin_client.post(ORDER_1234, data, follow=True)
        texts = messages_of(response)
        assert any("cancelled meanwhile" in t and "nothing was saved" in t for t in texts)
        assert not any("changed successfully" in t for t in texts)
        assert WholesaleOrder.objects.get(pk=1234).carriage_tba is False

    @pytest.mark.parametrize("typed, stored", [("gb", "GB"), (" fr ", "FR"), ("", "")])
    def test_country_code_is_stored_as_the_api_stores_it(self, demo, admin_client, typed,
                                                         stored):
        data = change_form_data(admin_client.get(ORDER_1234))
        data["delivery_country_code"] = typed
        response = admin_client.post(ORDER_1234, data)
        assert response.status_code == 302, response.context["errors"]
        assert WholesaleOrder.objects.get(pk=1234).delivery_country_code == stored

    @pytest.mark.parametrize("typed", ["1!", "G", "é1"])
    def test_country_code_the_api_refuses_is_refused(self, demo, admin_client, typed):
        before = WholesaleOrder.objects.get(pk=1234).delivery_country_code
        data = change_form_data(admin_client.get(ORDER_1234))
        data["delivery_country_code"] = typed
        response = admin_client.post(ORDER_1234, data)
        assert response.status_code == 200
        assert "is not a two-letter country code" in response.content.decode()
        assert WholesaleOrder.objects.get(pk=1234).delivery_country_code == before
        assert not OrderEvent.objects.filter(object_id=1234).exists()


# The API's refusals an operator can type into the order form (text, not JSON numbers).
ADMIN_CASES = [(body, field) for body, field, _ in BAD_BODIES_422
               if field in WholesaleOrderAdmin.editable_fields
               and isinstance(body.get(field, ""), str)]


@pytest.mark.django_db
@pytest.mark.parametrize("body, field", ADMIN_CASES)
def test_the_order_form_refuses_what_the_api_refuses_with_its_message(demo, admin_client,
                                                                       client, body, field):
    """Parity with the API (and so with the importer): the same value of an order field
    is refused with the same message, and nothing is saved."""
    api = post_json(client, body, demo["customer"]["token"])
    assert api.status_code == 422
    messages = api.json()["errors"][field]
    before = write_counts()
    data = change_form_data(admin_client.get(ORDER_1234))
    data[field] = body.get(field, "")  # (absent: the form's field left empty)
    response = admin_client.post(ORDER_1234, data)
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors[field] == messages
    assert escape(messages[0]) in response.content.decode()
    assert write_counts() == before
    order = WholesaleOrder.objects.get(pk=1234)
    assert (getattr(order, field) or None) == SEED_GET_1234[field]


@pytest.mark.django_db
class TestCatalogAdmin:
    def test_products_search_and_filters(self, demo, admin_client):
        url = "/admin/wholesale/product/"

        def count(query):
            return admin_client.get(url + query).context["cl"].result_count

        assert count("?q=VFR8BEZ") == 2
        assert count("?q=carriage") == 1
        assert count("?type__exact=nonstock") == 1
        assert count("?vat_code__exact=S") == 4
        assert count("?is_active__exact=0") == 0

    def test_accounts_list_their_users(self, demo, admin_client):
        page = admin_client.get("/admin/wholesale/tradeaccount/")
        assert "john.doe@mlaccessories.example" in page.content.decode()
        change = admin_client.get(
            f"/admin/wholesale/tradeaccount/{demo['customer']['account_id']}/change/")
        assert change.status_code == 200


NEW_ORDER = {"customer_order_no": "RACE-1", "delivery_method": "COLLECT",
             "products": [{"product_code": "CA", "quantity": 1}]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_new_number_make_one_order(demo):
    token = demo["customer"]["token"]

    def post(_):
        return Client().post("/apis/customer/orders", json.dumps(NEW_ORDER),
                             content_type="application/json", **bearer(token)).status_code

    statuses = run_concurrently(8, post)
    assert sorted(statuses) == [200] * 7 + [201]
    order = WholesaleOrder.objects.get(customer_order_no="RACE-1")
    assert order.lines.count() == 1
    actions = sorted(e.action for e in OrderEvent.objects.filter(object_id=order.pk))
    assert actions == ["create"] + ["update"] * 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_consecutive_unique_order_numbers(demo):
    token = demo["customer"]["token"]

    def post(i):
        body = {**NEW_ORDER, "customer_order_no": f"PAR-{i}"}
        response = Client().post("/apis/customer/orders", json.dumps(body),
                                 content_type="application/json", **bearer(token))
        return response.status_code, response.json()["order_number"]

    results = run_concurrently(8, post)
    assert [status for status, _ in results] == [201] * 8
    assert sorted(number for _, number in results) == list(range(606740, 606748))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_places_one_wins(demo):
    token = demo["customer"]["token"]

    def place(_):
        return Client().put("/apis/customer/orders/1234/place", **bearer(token)).status_code

    statuses = run_concurrently(8, place)
    assert sorted(statuses) == [204] + [409] * 7
    assert OrderEvent.objects.filter(object_id=1234, action="place").count() == 1
