"""Concurrent transitions on one order stay consistent (PostgreSQL row locks)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from labs import services
from labs.models import LabOrder, Test
from orders.lifecycle import TransitionRefused
from orders.models import OrderEvent
from tests.conftest import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def outcome(service, **kwargs):
    try:
        service(**kwargs, via="admin")
    except TransitionRefused:
        return "refused"
    return "done"


def events(model, pk, action):
    return OrderEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=pk, action=action
    ).count()


def test_ten_concurrent_cancels_one_wins(demo):
    results = run_concurrently(
        10, lambda _: outcome(services.order_cancel, order=LabOrder(pk=15)))
    assert sorted(results) == ["done"] + ["refused"] * 9
    assert events(LabOrder, 15, "cancel") == 1
    assert all(events(Test, pk, "cancel") == 1 for pk in (517, 518, 519))


def test_ten_concurrent_mark_paid_one_wins(demo):
    results = run_concurrently(
        10, lambda _: outcome(services.order_mark_paid, order=LabOrder(pk=15)))
    assert sorted(results) == ["done"] + ["refused"] * 9
    assert events(LabOrder, 15, "mark_paid") == 1


def test_cancel_racing_test_starts_leaves_no_test_running_on_a_canceled_order(demo):
    services.order_receive_samples(order=LabOrder(pk=15), via="admin")
    test_ids = [517, 518, 519]

    def work(i):
        if i == 0:
            return outcome(services.order_cancel, order=LabOrder(pk=15))
        return outcome(services.test_start, test=Test.objects.get(pk=test_ids[i - 1]))

    results = run_concurrently(4, work)
    assert results[0] == "done"
    statuses = set(Test.objects.filter(pk__in=test_ids).values_list("status", flat=True))
    # A start that won its lock first was then canceled by the cascade; none stays running.
    assert statuses == {"canceled"}
    assert LabOrder.objects.get(pk=15).status == "canceled"
    started = sum(r == "done" for r in results[1:])
    assert sum(events(Test, pk, "start") for pk in test_ids) == started


def test_complete_racing_a_cancel_one_wins(demo):
    Test.objects.filter(sample__order_id=15).update(status="completed")

    def work(i):
        service = services.order_complete if i % 2 else services.order_cancel
        return outcome(service, order=LabOrder(pk=15))

    results = run_concurrently(6, work)
    assert results.count("done") == 1
    order = LabOrder.objects.get(pk=15)
    assert events(LabOrder, 15, "complete") + events(LabOrder, 15, "cancel") == 1
    assert order.status in {"completed", "canceled"}
    assert set(Test.objects.filter(sample__order_id=15).values_list("status", flat=True)) == {
        "completed"}
