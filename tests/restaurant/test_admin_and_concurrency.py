import json

import pytest
from django.test import Client

from orders.models import OrderEvent
from restaurant.models import Order, OrderMenu, Status, StatusHistory
from tests.conftest import bearer, run_concurrently
from tests.restaurant.factories import OrderFactory, StaffFactory

CHANGELIST = "/admin/restaurant/order/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
class TestAdmin:
    def test_cancel_action_writes_history_and_reports_refusals(self, demo, admin_client):
        done = OrderFactory(status_id=5)
        response = admin_client.post(
            CHANGELIST, {"action": "order_cancel", "_selected_action": ["1", str(done.pk)]},
            follow=True)
        assert response.status_code == 200
        texts = messages_of(response)
        assert "1 order(s) cancelled." in texts
        assert any(f"#{done.pk}" in t and "Completed" in t for t in texts), texts
        order = Order.objects.get(pk=1)
        assert order.status.name == "Canceled"
        assert [h.status.name for h in order.status_history.all()] == [
            "Preparation", "Canceled"]
        event = OrderEvent.objects.get(object_id=1, action="cancel")
        assert (event.from_state, event.to_state, event.via, event.actor.username) == (
            "Preparation", "Canceled", "admin", "admin")
        assert Order.objects.get(pk=done.pk).status_id == 5
        assert not OrderEvent.objects.filter(object_id=done.pk).exists()

    def test_complete_action(self, demo, admin_client):
        response = admin_client.post(
            CHANGELIST, {"action": "order_complete", "_selected_action": ["1"]}, follow=True)
        assert "1 order(s) completed." in messages_of(response)
        assert Order.objects.get(pk=1).status.name == "Completed"
        assert StatusHistory.objects.filter(order_id=1, status__name="Completed").count() == 1

    def test_assign_to_staff_action(self, demo, admin_client):
        staff = StaffFactory(name="Chef Remy")
        page = admin_client.get(CHANGELIST).content.decode()
        assert "Assign selected orders to Chef Remy" in page
        response = admin_client.post(
            CHANGELIST, {"action": f"assign_to_staff_{staff.pk}", "_selected_action": ["1"]},
            follow=True)
        assert "1 order(s) assigned to Chef Remy." in messages_of(response)
        order = Order.objects.get(pk=1)
        assert order.assignee == staff and order.assignee_updated_at is not None
        assert OrderEvent.objects.filter(object_id=1, action="update", via="admin").count() == 1

    def test_assign_refuses_completed_and_cancelled_orders_naming_each(self, demo,
                                                                        admin_client):
        staff = StaffFactory(name="Chef Remy")
        done, cancelled = OrderFactory(status_id=5), OrderFactory(status_id=6)
        response = admin_client.post(CHANGELIST, {
            "action": f"assign_to_staff_{staff.pk}",
            "_selected_action": ["1", str(done.pk), str(cancelled.pk)]}, follow=True)
        texts = messages_of(response)
        assert "1 order(s) assigned to Chef Remy." in texts
        assert any(f"#{done.pk}" in t and "Completed" in t for t in texts), texts
        assert any(f"#{cancelled.pk}" in t and "Canceled" in t for t in texts), texts
        assert Order.objects.get(pk=1).assignee == staff
        for order in [done, cancelled]:
            assert Order.objects.get(pk=order.pk).assignee is None
            assert not OrderEvent.objects.filter(object_id=order.pk).exists()

    def test_delete_goes_through_order_delete_with_an_admin_event(self, demo, admin_client):
        page = admin_client.get(f"{CHANGELIST}1/delete/")
        assert page.status_code == 200
        response = admin_client.post(f"{CHANGELIST}1/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert not Order.objects.filter(pk=1).exists()
        assert not OrderMenu.objects.filter(order_id=1).exists()
        assert not StatusHistory.objects.filter(order_id=1).exists()
        event = OrderEvent.objects.get(object_id=1, action="delete")
        assert (event.via, event.actor.username) == ("admin", "admin")

    def test_bulk_delete_goes_through_order_delete_for_each_order(self, demo, admin_client):
        other = OrderFactory()
        response = admin_client.post(CHANGELIST, {
            "action": "delete_selected", "_selected_action": ["1", str(other.pk)],
            "post": "yes"}, follow=True)
        assert response.status_code == 200
        assert not Order.objects.filter(pk__in=[1, other.pk]).exists()
        assert not OrderMenu.objects.filter(order_id__in=[1, other.pk]).exists()
        assert not StatusHistory.objects.filter(order_id__in=[1, other.pk]).exists()
        events = OrderEvent.objects.filter(action="delete", via="admin")
        assert sorted(events.values_list("object_id", flat=True)) == [1, other.pk]

    def test_order_page_shows_menus_totals_and_history(self, demo, admin_client):
        Client().patch("/api/orders/1", json.dumps({"status_id": 4}),
                       content_type="application/json", **bearer(demo["writer"]["token"]))
        page = admin_client.get(f"{CHANGELIST}1/change/").content.decode()
        assert "Puff-Puff" in page
        assert "Status history" in page and "Delivery" in page
        assert "History" in page and "Preparation" in page

    def test_changelist_search_and_filters(self, demo, admin_client):
        OrderFactory(first_name="Zed", order_type="delivery")
        count = lambda query: admin_client.get(  # noqa: E731
            CHANGELIST + query).context["cl"].result_count
        assert count("") == 2
        assert count("?q=Tucker") == 1
        assert count("?q=7158b25ef2f10b151f87fc4d26b3b27d") == 1
        assert count("?q=604") == 1
        assert count("?q=1") >= 1
        assert count("?status__id__exact=3") == 1
        assert count("?order_type__exact=delivery") == 1
        assert count("?location__id__exact=1") == 2

    @pytest.mark.parametrize("path", ["location", "menu", "status", "paymentmethod", "staff",
                                      "staffgroup", "customer"])
    def test_catalog_changelists(self, demo, admin_client, path):
        assert admin_client.get(f"/admin/restaurant/{path}/").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_status_changes_each_leave_one_history_entry_in_order(demo):
    token = demo["writer"]["token"]
    # Ten distinct statuses, none the order's current one: every request is a change.
    targets = [Status.objects.create(name=f"Step {i}").pk for i in range(10)]

    def change(i):
        return Client().patch("/api/orders/1", json.dumps({"status_id": targets[i]}),
                              content_type="application/json", **bearer(token)).status_code

    assert run_concurrently(len(targets), change) == [200] * len(targets)
    history = list(StatusHistory.objects.filter(order_id=1).order_by("id"))
    events = list(OrderEvent.objects.filter(object_id=1, action="status").order_by("id"))
    # The seed's first entry, then one per request: each change saw the previous one.
    assert len(history) == 1 + len(targets)
    assert len(events) == len(targets)
    names = [h.status.name for h in history]
    assert [(e.from_state, e.to_state) for e in events] == list(zip(names, names[1:], strict=False))
    assert Order.objects.get(pk=1).status_id == history[-1].status_id


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_admin_cancels_one_wins(demo):
    from orders.lifecycle import TransitionRefused
    from restaurant.services import order_cancel

    def cancel(_):
        try:
            order_cancel(order=Order.objects.get(pk=1), via="admin")
            return "cancelled"
        except TransitionRefused:
            return "refused"

    assert sorted(run_concurrently(8, cancel)) == ["cancelled"] + ["refused"] * 7
    assert StatusHistory.objects.filter(order_id=1, status__name="Canceled").count() == 1
    assert OrderEvent.objects.filter(object_id=1, action="cancel").count() == 1
