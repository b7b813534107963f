import pytest
from django.contrib.contenttypes.models import ContentType

from labs import inputs, services
from labs.models import LabOrder, Sample, Test
from orders.inputs import InputErrors
from orders.lifecycle import TransitionRefused
from orders.models import OrderEvent
from tests.labs.factories import (
    AssayFactory,
    CompanyFactory,
    SkuFactory,
    UserFactory,
    order_with_tests,
)

pytestmark = pytest.mark.django_db

# Bad order data: (change to valid data, the field named, text in its message). Shared
# with tests/labs/test_imports.py, which feeds the same cases through import_orders.
BAD_DATA = [
    (lambda d: d.pop("orderer"), "orderer", "required"),
    (lambda d: d["orderer"].update(email="nope"), "orderer.email", "'nope'"),
    (lambda d: d["orderer"].update(name=""), "orderer.name", "required"),
    (lambda d: d.update(samples=[]), "samples", "At least one"),
    (lambda d: d["samples"][0].update(sku_id=424242), "samples[0].sku_id", "424242"),
    (lambda d: d["samples"][0].update(sku_id="x"), "samples[0].sku_id", "'x'"),
    (lambda d: d["samples"][0].update(assay_ids=[]), "samples[0].assay_ids", "At least"),
    (lambda d: d["samples"][0].update(assay_ids=[99999]), "samples[0].assay_ids",
     "99999"),
    (lambda d: d["samples"][0].update(assay_ids=[[69], {"id": 69}]), "samples[0].assay_ids",
     "[69]"),
    (lambda d: d["samples"][0].update(composite="yes"), "samples[0].composite", "'yes'"),
    (lambda d: d["samples"][0].update(number_of_composites=0),
     "samples[0].number_of_composites", "0"),
    (lambda d: d["samples"].append("sample"), "samples[1]", "object"),
    (lambda d: d["samples"][0].update(sku_id=2**70), "samples[0].sku_id", str(2**70)),
    (lambda d: d["samples"][0].update(lot="L" * 101), "samples[0].lot", "100"),
    (lambda d: d["samples"][0].update(batch=7), "samples[0].batch", "7"),
    (lambda d: d.update(external_id=["x"]), "external_id", "['x']"),
]


def events_of(obj):
    return [
        (e.action, e.from_state, e.to_state, e.via)
        for e in OrderEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    ]


def refused(service, obj_kw, reason):
    """The service refuses with a message naming the reason, and writes no event."""
    before = OrderEvent.objects.count()
    with pytest.raises(TransitionRefused) as info:
        service(**obj_kw, via="admin")
    assert reason in str(info.value), str(info.value)
    assert OrderEvent.objects.count() == before
    return info.value


@pytest.fixture
def order():
    return order_with_tests(CompanyFactory(), samples=2, tests_per_sample=1)


def lab_tests_of(order):
    return list(Test.objects.filter(sample__order=order).order_by("id"))


class TestOrderLifecycle:
    def test_place_sets_pending_and_ordered_at(self, order):
        actor = UserFactory()
        placed = services.order_place(order=order, actor=actor, via="admin")
        assert (placed.payment_status, placed.status) == ("pending", "created")
        assert placed.ordered_at is not None and placed.updated_at >= placed.ordered_at
        assert events_of(order) == [("place", "draft", "pending", "admin")]
        assert OrderEvent.objects.get(action="place").actor == actor

    def test_place_refusals(self, order):
        services.order_place(order=order)
        refused(services.order_place, {"order": order},
                "cannot place an order that is pending")
        empty = order_with_tests(CompanyFactory(), samples=0)
        refused(services.order_place, {"order": empty}, "the order has no tests to run")
        canceled = order_with_tests(CompanyFactory(), status="canceled")
        refused(services.order_place, {"order": canceled}, "the order is canceled")

    def test_receive_samples_sets_date_received_once(self, order):
        refused(services.order_receive_samples, {"order": order},
                "the order is not placed yet (payment is draft)")
        services.order_place(order=order)
        received = services.order_receive_samples(order=order)
        assert received.date_received is not None and received.status == "created"
        assert events_of(order)[-1] == ("receive_samples", "created", "created", "admin")
        refused(services.order_receive_samples, {"order": order},
                "its samples were received already")

    def test_mark_paid(self, order):
        refused(services.order_mark_paid, {"order": order},
                "cannot mark_paid an order that is draft")
        services.order_place(order=order)
        paid = services.order_mark_paid(order=order)
        assert (paid.payment_status, paid.paid_at is not None) == ("paid", True)
        assert events_of(order)[-1] == ("mark_paid", "pending", "paid", "admin")
        refused(services.order_mark_paid, {"order": order},
                "cannot mark_paid an order that is paid")

    def test_canceled_order_cannot_be_paid(self, order):
        services.order_place(order=order)
        services.order_cancel(order=order)
        refused(services.order_mark_paid, {"order": order}, "the order is canceled")

    def test_complete_only_when_every_test_is_done(self, order):
        first, second = lab_tests_of(order)
        refused(services.order_complete, {"order": order},
                f"tests not completed or canceled: #{first.pk} (not_started), "
                f"#{second.pk} (not_started)")
        Test.objects.filter(pk=first.pk).update(status="completed")
        Test.objects.filter(pk=second.pk).update(status="canceled")
        completed = services.order_complete(order=order)
        assert completed.status == "completed"
        assert events_of(order) == [("complete", "created", "completed", "admin")]
        refused(services.order_complete, {"order": order},
                "cannot complete an order that is completed")

    def test_complete_refuses_an_order_without_tests(self):
        empty = order_with_tests(CompanyFactory(), samples=0)
        refused(services.order_complete, {"order": empty}, "the order has no tests")

    def test_cancel_cascades_to_tests_not_completed(self):
        order = order_with_tests(CompanyFactory(), samples=3)
        done, running, waiting = lab_tests_of(order)
        Test.objects.filter(pk=done.pk).update(status="completed")
        Test.objects.filter(pk=running.pk).update(status="in_progress")
        canceled = services.order_cancel(order=order, via="import")
        assert canceled.status == "canceled"
        assert [t.status for t in lab_tests_of(order)] == ["completed", "canceled", "canceled"]
        assert events_of(order) == [("cancel", "created", "canceled", "import")]
        assert events_of(running) == [("cancel", "in_progress", "canceled", "import")]
        assert events_of(waiting) == [("cancel", "not_started", "canceled", "import")]
        assert events_of(done) == []

    def test_cancel_refusals(self, order):
        services.order_cancel(order=order)
        refused(services.order_cancel, {"order": order},
                "cannot cancel an order that is canceled")
        completed = order_with_tests(CompanyFactory(), status="completed")
        refused(services.order_cancel, {"order": completed},
                "cannot cancel an order that is completed")
        assert [t.status for t in lab_tests_of(completed)] == ["not_started"]


class TestTestLifecycle:
    @pytest.fixture
    def received(self, order):
        services.order_place(order=order)
        return services.order_receive_samples(order=order)

    def test_start_and_complete_a_test(self, received):
        test = lab_tests_of(received)[0]
        before = LabOrder.objects.get(pk=received.pk).updated_at
        started = services.test_start(test=test, via="admin")
        assert started.status == "in_progress"
        assert LabOrder.objects.get(pk=received.pk).updated_at > before
        done = services.test_complete(test=test)
        assert done.status == "completed"
        assert events_of(test) == [("start", "not_started", "in_progress", "admin"),
                                   ("complete", "in_progress", "completed", "admin")]

    def test_start_needs_received_samples(self, order):
        test = lab_tests_of(order)[0]
        refused(services.test_start, {"test": test}, "are not received yet")
        assert Test.objects.get(pk=test.pk).status == "not_started"

    def test_start_and_complete_refusals(self, received):
        test = lab_tests_of(received)[0]
        refused(services.test_complete, {"test": test},
                "cannot complete a test that is not_started (allowed from: in_progress)")
        services.test_start(test=test)
        refused(services.test_start, {"test": test}, "cannot start a test that is in_progress")

    def test_cancel_a_test_then_complete_the_order(self, received):
        first, second = lab_tests_of(received)
        services.test_cancel(test=first)
        services.test_start(test=second)
        services.test_complete(test=second)
        refused(services.test_cancel, {"test": second},
                "cannot cancel a test that is completed")
        assert services.order_complete(order=received).status == "completed"

    def test_tests_of_a_closed_order_do_not_move(self, received):
        test = lab_tests_of(received)[0]
        LabOrder.objects.filter(pk=received.pk).update(status="completed")
        error = refused(services.test_start, {"test": test},
                        f"its order #{received.pk} is completed")
        assert str(error).startswith(f"Test #{test.pk}")


def order_create(company, body, via="admin"):
    """A new order as the admin makes one: the body parsed by labs.inputs, the company
    picked beside it, then the service (which checks the references)."""
    order = inputs.order_parse(body)._replace(company_id=company.pk)
    return services.order_create(order=order, via=via)


class TestOrderCreate:
    @pytest.fixture
    def company(self):
        return CompanyFactory()

    @pytest.fixture
    def valid(self, company):
        sku = SkuFactory(product__company=company)
        assays = [AssayFactory(), AssayFactory()]
        return {
            "orderer": {"email": "Lab@Example.com", "name": "Lab Person"},
            "external_id": "ext-1",
            "samples": [{"sku_id": sku.pk, "assay_ids": [a.pk for a in assays],
                         "lot": "L-1", "batch": None, "composite": True,
                         "number_of_composites": 3}],
        }

    def counts(self):
        return (LabOrder.objects.count(), Sample.objects.count(), Test.objects.count(),
                OrderEvent.objects.count())

    def test_creates_a_draft_order_with_samples_and_tests(self, company, valid):
        order = order_create(company, valid, via="import")
        assert (order.status, order.payment_status, order.external_id) == (
            "created", "draft", "ext-1")
        assert order.orderer.email == "lab@example.com"
        sample = order.samples.get()
        assert (sample.lot, sample.composite, sample.number_of_composites) == ("L-1", True, 3)
        assert [t.assay_id for t in sample.tests.all()] == valid["samples"][0]["assay_ids"]
        assert {(t.status, t.created_at) for t in sample.tests.all()} == {
            ("not_started", order.created_at)}
        assert events_of(order) == [("create", "", "created", "import")]

    def test_a_known_orderer_is_reused_and_keeps_its_name(self, company, valid):
        first = order_create(company, valid)
        valid.update(external_id="ext-2", orderer={"email": "lab@example.com", "name": "Other"})
        second = order_create(company, valid)
        assert second.orderer_id == first.orderer_id
        assert second.orderer.name == "Lab Person"

    @pytest.mark.parametrize("change, field, text", BAD_DATA)
    def test_bad_data_is_named_and_nothing_written(self, company, valid, change, field, text):
        change(valid)
        before = self.counts()
        with pytest.raises(InputErrors) as info:
            order_create(company, valid)
        errors = info.value.as_dict()
        assert field in errors, errors
        assert text in " ".join(errors[field])
        assert self.counts() == before

    def test_data_that_is_not_an_object_is_refused(self, company):
        with pytest.raises(InputErrors) as info:
            order_create(company, [1])
        assert info.value.as_dict() == {
            "non_field_errors": ["An order must be an object, got list."]}

    def test_another_companys_sku_is_unknown(self, company, valid):
        other = SkuFactory()
        valid["samples"][0]["sku_id"] = other.pk
        with pytest.raises(InputErrors) as info:
            order_create(company, valid)
        assert info.value.as_dict() == {"samples[0].sku_id": [f"No sku with id {other.pk}."]}

    def test_external_id_is_used_once(self, company, valid):
        order_create(company, valid)
        valid["samples"][0].pop("lot")
        before = self.counts()
        with pytest.raises(InputErrors) as info:
            order_create(company, valid)
        assert info.value.as_dict() == {
            "external_id": ["An order with external_id 'ext-1' exists."]}
        assert self.counts() == before
