
import pytest
from django.test import Client

from orders.models import OrderEvent
from panels.models import CustomerPanelOrder
from tests.commands import seed_demo
from tests.conftest import bearer, run_concurrently

CHANGELIST = "/admin/panels/customerpanelorder/"


@pytest.fixture
def demo():
    return seed_demo("panels")


@pytest.mark.django_db
class TestAdmin:
    def test_cancel_action_cancels_through_the_service_and_reports(self, demo, admin_client):
        CustomerPanelOrder.objects.filter(pk=102).update(status="canceled")
        response = admin_client.post(
            CHANGELIST, {"action": "order_cancel", "_selected_action": ["101", "102"]},
            follow=True,
        )
        assert response.status_code == 200
        texts = [str(m) for m in response.context["messages"]]
        assert "1 order(s) cancelled." in texts
        assert any("#102" in t and "canceled" in t for t in texts), texts
        assert CustomerPanelOrder.objects.get(pk=101).status == "canceled"
        event = OrderEvent.objects.get(object_id=101, action="cancel")
        assert (event.via, event.actor.username) == ("admin", "admin")

    def test_order_page_shows_items_and_history(self, demo, admin_client):
        Client().post("/api/v1/customer-panel-orders/101/cancel/",
                      **bearer(demo["partner"]["token"]))
        page = admin_client.get(f"{CHANGELIST}101/change/").content.decode()
        assert "cardiometabolic-1" in page and "nutri-opt-1" in page
        assert "History" in page and "canceled" in page

    def test_changelist_search_and_filters(self, demo, admin_client):
        assert admin_client.get(CHANGELIST + "?q=hormone-1").context["cl"].result_count == 1
        assert admin_client.get(CHANGELIST + "?q=101").context["cl"].result_count == 1
        assert admin_client.get(CHANGELIST + "?status__exact=created").context[
            "cl"].result_count == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_cancels_one_wins(demo):
    token = demo["partner"]["token"]

    def cancel(_):
        return Client().post("/api/v1/customer-panel-orders/101/cancel/",
                             **bearer(token)).status_code

    statuses = run_concurrently(10, cancel)
    assert sorted(statuses) == [200] + [409] * 9
    assert OrderEvent.objects.filter(object_id=101, action="cancel").count() == 1
