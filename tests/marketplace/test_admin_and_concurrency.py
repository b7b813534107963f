import pytest
from django.test import Client

from marketplace.models import MarketplaceOrder
from orders.models import OrderEvent
from tests.conftest import bearer, run_concurrently
from tests.marketplace.test_orders_api import (
    CUSTOMER_ID,
    MERCHANT_ID,
    ORDER_ID,
    RECORD_ID,
    SECOND_ORDER_ID,
)

CHANGELIST = "/admin/marketplace/marketplaceorder/"
FORM = "application/x-www-form-urlencoded"


def pks(*public_ids):
    return [str(MarketplaceOrder.objects.get(public_id=p).pk) for p in public_ids]


@pytest.mark.django_db
class TestAdmin:
    def test_changelist_search_and_filters(self, demo, admin_client):
        def count(query):
            response = admin_client.get(CHANGELIST + query)
            assert response.status_code == 200
            return response.context["cl"].result_count

        assert count("") == 2
        assert count(f"?q={ORDER_ID}") == 1
        assert count("?q=email@example.com") == 2
        assert count("?q=paypal@example.com") == 2
        assert count("?q=27615") == 2
        assert count("?q=Kind of Blue") == 2
        assert count("?q=nothing-like-this") == 0
        assert count("?status__exact=Completed") == 0
        merchant_pk = MarketplaceOrder.objects.get(public_id=ORDER_ID).merchant_id
        assert count(f"?merchant__id__exact={merchant_pk}") == 2

    def test_complete_action_through_the_service(self, demo, admin_client):
        MarketplaceOrder.objects.filter(public_id=SECOND_ORDER_ID).update(status="Cancelled")
        response = admin_client.post(CHANGELIST, {
            "action": "order_complete", "_selected_action": pks(ORDER_ID, SECOND_ORDER_ID)},
            follow=True)
        texts = [str(m) for m in response.context["messages"]]
        assert "1 order(s) completed." in texts
        assert any(SECOND_ORDER_ID in t and "Cancelled" in t for t in texts), texts
        order = MarketplaceOrder.objects.get(public_id=ORDER_ID)
        assert (order.status, order.version) == ("Completed", 1)
        event = OrderEvent.objects.get(action="complete")
        assert (event.via, event.actor.username, event.note) == ("admin", "admin", "__v 1")

    def test_cancel_action_through_the_service(self, demo, admin_client):
        response = admin_client.post(CHANGELIST, {
            "action": "order_cancel", "_selected_action": pks(ORDER_ID)}, follow=True)
        assert "1 order(s) cancelled." in [str(m) for m in response.context["messages"]]
        assert MarketplaceOrder.objects.get(public_id=ORDER_ID).status == "Cancelled"
        assert OrderEvent.objects.filter(action="cancel", via="admin").count() == 1

    def change_form(self, order, **changes):
        data = {name: getattr(order, name) for name in (
            "shipping_address1", "shipping_address2", "shipping_city", "shipping_state",
            "shipping_zip", "paypal_email", "billing_address1", "billing_address2",
            "billing_city", "billing_state", "billing_zip")}
        data["comments"] = '["This is a comment"]'
        data["seen_version"] = order.version
        data.update({"orders-orderevent-content_type-object_id-TOTAL_FORMS": "0",
                     "orders-orderevent-content_type-object_id-INITIAL_FORMS": "0"})
        return {**data, **changes}

    def test_change_page_edits_through_the_update_service_and_shows_history(
        self, demo, admin_client
    ):
        order = MarketplaceOrder.objects.get(public_id=ORDER_ID)
        url = f"{CHANGELIST}{order.pk}/change/"
        response = admin_client.post(url, self.change_form(order, shipping_city="Durham"))
        assert response.status_code == 302, response.context["adminform"].form.errors
        order.refresh_from_db()
        assert (order.shipping_city, order.version) == ("Durham", 1)
        event = OrderEvent.objects.get(object_id=order.pk)
        assert (event.action, event.via, event.note) == (
            "update", "admin", "__v 1; changed shipping_city")
        page = admin_client.get(url).content.decode()
        assert "History" in page and "__v 1; changed shipping_city" in page

    def test_change_page_refuses_what_the_api_refuses(self, demo, admin_client):
        order = MarketplaceOrder.objects.get(public_id=ORDER_ID)
        response = admin_client.post(f"{CHANGELIST}{order.pk}/change/",
                                     self.change_form(order, comments="[1, 2]"))
        assert response.status_code == 200
        assert "Must be a string or a list of strings." in response.content.decode()
        order.refresh_from_db()
        assert order.version == 0 and not OrderEvent.objects.exists()

    def test_a_save_over_a_change_made_meanwhile_says_so_and_saves_nothing(
        self, demo, admin_client
    ):
        order = MarketplaceOrder.objects.get(public_id=ORDER_ID)
        url = f"{CHANGELIST}{order.pk}/change/"
        form = self.change_form(order, shipping_city="Durham")  # opened at __v 0
        Client().put(f"/api/v1/orders/{ORDER_ID}", "comments=meanwhile",
                     content_type=FORM, **bearer(demo["merchant"]["token"]))
        response = admin_client.post(url, form, follow=True)
        assert response.redirect_chain == [(url, 302)]
        texts = [str(m) for m in response.context["messages"]]
        assert any(ORDER_ID in t and "changed meanwhile" in t and "nothing was saved" in t
                   for t in texts), texts
        assert not any("changed successfully" in t for t in texts)
        order.refresh_from_db()
        assert (order.shipping_city, order.version) != ("Durham", 2)
        assert order.version == 1
        assert list(OrderEvent.objects.filter(object_id=order.pk).values_list(
            "via", flat=True)) == ["api"]

    @pytest.mark.parametrize("changes, message", [
        ({"price": "-1"}, "Must be zero or more"),
        ({"comments": "x" * 2001}, "At most 2000 characters."),
        ({"artist": "   "}, "This field is required."),
    ])
    def test_record_page_refuses_what_the_api_refuses(self, demo, admin_client, changes,
                                                      message):
        from marketplace.models import Record

        record = Record.objects.get(public_id=RECORD_ID)
        data = {"merchant": record.merchant_id, "artist": record.artist,
                "title": record.title, "price": str(record.price),
                "condition": record.condition, "comments": record.comments,
                "removed_at_0": "", "removed_at_1": "", **changes}
        url = f"/admin/marketplace/record/{record.pk}/change/"
        response = admin_client.post(url, data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert Record.objects.get(pk=record.pk).price == record.price
        data.update(artist=record.artist, price="12.50", comments=" Kept as the API keeps it ")
        assert admin_client.post(url, data).status_code == 302
        record.refresh_from_db()
        assert (str(record.price), record.comments) == ("12.50", "Kept as the API keeps it")

    @pytest.mark.parametrize("path, public_id", [("merchant", MERCHANT_ID),
                                                 ("marketplacecustomer", CUSTOMER_ID),
                                                 ("record", RECORD_ID)])
    def test_account_and_record_pages(self, demo, admin_client, path, public_id):
        response = admin_client.get(f"/admin/marketplace/{path}/?q={public_id}")
        assert response.status_code == 200
        assert response.context["cl"].result_count == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_cancels_and_updates_keep_versions_consistent(demo):
    cancel_url = f"/api/v1/orders/{ORDER_ID}/customers/{CUSTOMER_ID}"
    customer, merchant = demo["customer"]["token"], demo["merchant"]["token"]

    def work(i):
        if i % 2:
            return "cancel", Client().delete(cancel_url, **bearer(customer)).status_code
        response = Client().put(f"/api/v1/orders/{ORDER_ID}", f"comments=edit {i}",
                                content_type=FORM, **bearer(merchant))
        return "update", response.status_code

    results = run_concurrently(10, work)
    assert sorted(s for kind, s in results if kind == "cancel") == [200] + [409] * 4
    assert [s for kind, s in results if kind == "update"] == [200] * 5
    order = MarketplaceOrder.objects.get(public_id=ORDER_ID)
    assert (order.status, order.version) == ("Cancelled", 6)
    events = OrderEvent.objects.filter(object_id=order.pk)
    assert sorted(e.action for e in events) == ["cancel"] + ["update"] * 5
    # each change wrote the next version: none skipped, none repeated
    versions = [int(e.note.split(";")[0].removeprefix("__v ")) for e in events]
    assert versions == list(range(1, 7))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_with_the_same_version_one_wins(demo):
    merchant = demo["merchant"]["token"]

    def work(i):
        return Client().put(f"/api/v1/orders/{ORDER_ID}", f"comments=edit {i}&__v=0",
                            content_type=FORM, **bearer(merchant)).status_code

    assert sorted(run_concurrently(6, work)) == [200] + [409] * 5
    assert MarketplaceOrder.objects.get(public_id=ORDER_ID).version == 1
    assert OrderEvent.objects.filter(action="update").count() == 1
