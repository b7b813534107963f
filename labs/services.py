"""Every write of the labs domain: order creation and the order and test lifecycles."""

from collections.abc import Sequence
from contextlib import nullcontext

from django.db import IntegrityError, transaction
from django.utils import timezone

from labs.inputs import OrderInput
from labs.models import Assay, Company, LabOrder, Orderer, Product, Sample, Sku, Test
from labs.selectors import external_id_taken, order_references_check
from orders.db import (
    foreign_key_triggers_skippable,
    foreign_key_triggers_skipped,
    key_share_locked,
    keys_found,
    row_upsert,
)
from orders.events import order_events_write
from orders.imports.bulk import TableRows, new_ids
from orders.inputs import InputErrors
from orders.lifecycle import Transition, TransitionRefused, transition

Status = LabOrder.Status
PaymentStatus = LabOrder.PaymentStatus
TestStatus = Test.Status

# The order lifecycle, as data. Place and pay move `payment_status`; receive keeps the
# order `created` (its guard refuses a second receipt) so that it has its own history.
PLACE = Transition("place", source={PaymentStatus.DRAFT}, target=PaymentStatus.PENDING)
MARK_PAID = Transition("mark_paid", source={PaymentStatus.PENDING}, target=PaymentStatus.PAID)
RECEIVE_SAMPLES = Transition("receive_samples", source={Status.CREATED}, target=Status.CREATED)
COMPLETE = Transition("complete", source={Status.CREATED}, target=Status.COMPLETED)
CANCEL = Transition("cancel", source={Status.CREATED}, target=Status.CANCELED)

# The test lifecycle; its events are recorded on the test rows.
TEST_START = Transition(
    "start", source={TestStatus.NOT_STARTED}, target=TestStatus.IN_PROGRESS, noun="test"
)
TEST_COMPLETE = Transition(
    "complete", source={TestStatus.IN_PROGRESS}, target=TestStatus.COMPLETED, noun="test"
)
TEST_CANCEL = Transition(
    "cancel", source={TestStatus.NOT_STARTED, TestStatus.IN_PROGRESS},
    target=TestStatus.CANCELED, noun="test",
)
TEST_DONE = {TestStatus.COMPLETED, TestStatus.CANCELED}

# --- creation -------------------------------------------------------------------------

# Each table's bulk row, described once (COPY on PostgreSQL, bulk_create on SQLite).
ORDERER_ROWS = TableRows(Orderer, ["id", "company_id", "email", "name"])
ORDER_ROWS = TableRows(LabOrder, [
    "id", "company_id", "orderer_id", "status", "payment_status", "ordered_at", "paid_at",
    "date_received", "created_at", "updated_at", "external_id"])
SAMPLE_ROWS = TableRows(Sample, ["id", "order_id", "sku_id", "lot", "batch", "composite",
                                 "number_of_composites"])
TEST_ROWS = TableRows(Test, ["sample_id", "assay_id", "status", "created_at", "updated_at"])


def orders_create(*, orders: Sequence[OrderInput], actor=None, via: str = "import",
                  checks_set_based: bool = False) -> list[int]:
    """Write new orders with their samples, tests, orderers new to their company and
    one create event each, in a handful of statements whatever their number; return the
    orders' ids. Call inside a transaction, with the references checked
    (`selectors.order_references_check`; an order left without an orderer name has a
    known orderer). An order's history reads the same whichever way it came: `create`,
    to its state.

    `checks_set_based` (a bulk load): where the role may
    (orders.db.foreign_key_triggers_skippable), the rows skip PostgreSQL's row-by-row
    foreign key checks, most of the database's time: the companies, skus, assays and
    orderers they refer to are locked set-based instead (key_share_locked), and their
    orders and samples are written in the same transaction."""
    if not orders:
        return []
    skip_triggers = checks_set_based and foreign_key_triggers_skippable()
    orderer_ids = orderers_ensure(orders)
    if skip_triggers:
        references_locked(orders, orderer_ids)
    ids = new_ids(LabOrder, len(orders))
    sample_ids = iter(new_ids(Sample, sum(len(order.samples) for order in orders)))
    order_rows, sample_rows, test_rows = [], [], []
    for order_id, order in zip(ids, orders, strict=True):
        order_rows.append((
            order_id, order.company_id, orderer_ids[order.company_id, order.orderer_email],
            order.status, order.payment_status, order.ordered_at, order.paid_at,
            order.date_received, order.created_at, order.updated_at, order.external_id))
        for sample in order.samples:
            sample_id = next(sample_ids)
            sample_rows.append((sample_id, order_id, *sample[:5]))
            test_rows.extend((sample_id, *test) for test in sample.tests)
    with foreign_key_triggers_skipped() if skip_triggers else nullcontext():
        ORDER_ROWS.write(order_rows)
        SAMPLE_ROWS.write(sample_rows)
        TEST_ROWS.write(test_rows)
    order_events_write(LabOrder, [(order_id, "create", "", order.status, "")
                                  for order_id, order in zip(ids, orders, strict=True)],
                       via=via, actor=actor)
    return ids


def references_locked(orders: Sequence[OrderInput], orderer_ids: dict) -> None:
    """Lock what the orders refer to (as PostgreSQL's foreign key checks would, one query
    per table); a row gone since the references were checked fails the batch."""
    wanted = {
        Company: {order.company_id for order in orders},
        Sku: {sample.sku_id for order in orders for sample in order.samples},
        Assay: {test.assay_id for order in orders for sample in order.samples
                for test in sample.tests},
        Orderer: set(orderer_ids.values()),
    }
    for model, ids in wanted.items():
        missing = ids - key_share_locked(model, ids)
        if missing:
            raise IntegrityError(f"{model.__name__} rows gone meanwhile: {sorted(missing)}")


def orderers_ensure(orders: Sequence[OrderInput]) -> dict[tuple[int, str], int]:
    """The orders' orderers by (company id, email): those the companies have, and the
    others created with the name the first of the orders gives. Three statements."""
    names: dict[tuple[int, str], str | None] = {}
    for order in orders:
        key = (order.company_id, order.orderer_email)
        if names.get(key) is None:
            names[key] = order.orderer_name
    found = keys_found(Orderer, ["company_id", "email"], names)
    new = [key for key in names if key not in found]
    unnamed = [key for key in new if names[key] is None]
    if unnamed:
        raise ValueError(f"orderers without a name: {unnamed}")  # a caller's mistake
    rows = [(orderer_id, company_id, email, names[company_id, email])
            for orderer_id, (company_id, email) in zip(new_ids(Orderer, len(new)), new,
                                                       strict=True)]
    ORDERER_ROWS.write(rows)
    found.update({(company_id, email): orderer_id for orderer_id, company_id, email, _ in rows})
    return found


def order_create(*, order: OrderInput, actor=None, via: str = "admin") -> LabOrder:
    """One new order (the admin's): the references checked, then written as an import
    writes its batches. Raises InputErrors naming the field."""
    with transaction.atomic():
        [(order, errors)] = order_references_check([order])
        if errors:
            raise InputErrors.of(*errors)
        if taken := external_id_taken(order.external_id):
            raise InputErrors.of(taken)
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    [order_id] = orders_create(orders=[order], actor=actor, via=via)
                break
            except IntegrityError:
                # A concurrent create took the external_id (or made the orderer) between
                # the checks and the insert.
                if taken := external_id_taken(order.external_id):
                    raise InputErrors.of(taken) from None
                if attempt == 2:
                    raise
    return LabOrder.objects.get(pk=order_id)


# --- catalog ----------------------------------------------------------------------


def product_upsert(*, company: Company, name: str, pk: int | None = None):
    """A product by id, or else by company and name."""
    if pk is not None:
        return row_upsert(Product, lookup={"pk": pk},
                          values={"company_id": company.pk, "name": name})
    return row_upsert(Product, lookup={"company_id": company.pk, "name": name}, values={})


def sku_upsert(*, code: str, product: Product, name: str, serving_size_grams=None):
    """A sku by its code."""
    return row_upsert(Sku, lookup={"code": code}, values={
        "product_id": product.pk, "name": name, "serving_size_grams": serving_size_grams})


def assay_upsert(*, name: str, pk: int | None = None):
    """An assay by id, or else by its (unique) name."""
    if pk is not None:
        return row_upsert(Assay, lookup={"pk": pk}, values={"name": name})
    return row_upsert(Assay, lookup={"name": name}, values={})


# --- order lifecycle ------------------------------------------------------------------


def _stamp(*fields: str):
    """`changes` for a transition: the given time fields and updated_at set to now."""

    def changes(order):
        now = timezone.now()
        return {**{name: now for name in fields}, "updated_at": now}

    return changes


def _require_created(order: LabOrder) -> None:
    if order.status != Status.CREATED:
        raise TransitionRefused(order, f"the order is {order.status}")


def _tests_of(order: LabOrder):
    return Test.objects.filter(sample__order=order)


def order_place(*, order: LabOrder, actor=None, via: str = "admin") -> LabOrder:
    """Submit a draft order: payment becomes pending, ordered_at is set."""

    def guard(locked):
        _require_created(locked)
        if not _tests_of(locked).exists():
            raise TransitionRefused(locked, "the order has no tests to run")

    return transition(order, PLACE, via=via, actor=actor, state_field="payment_status",
                      guard=guard, changes=_stamp("ordered_at"))


def order_mark_paid(*, order: LabOrder, actor=None, via: str = "admin") -> LabOrder:
    def guard(locked):
        if locked.status == Status.CANCELED:
            raise TransitionRefused(locked, "the order is canceled")

    return transition(order, MARK_PAID, via=via, actor=actor, state_field="payment_status",
                      guard=guard, changes=_stamp("paid_at"))


def order_receive_samples(*, order: LabOrder, actor=None, via: str = "admin") -> LabOrder:
    """The lab has the order's samples: date_received is set, tests may start."""

    def guard(locked):
        if locked.payment_status == PaymentStatus.DRAFT:
            raise TransitionRefused(locked, "the order is not placed yet (payment is draft)")
        if locked.date_received is not None:
            received = f"{locked.date_received:%Y-%m-%d %H:%M} UTC"
            raise TransitionRefused(locked, f"its samples were received already, at {received}")

    return transition(order, RECEIVE_SAMPLES, via=via, actor=actor, guard=guard,
                      changes=_stamp("date_received"))


def order_complete(*, order: LabOrder, actor=None, via: str = "admin") -> LabOrder:
    """Only when every test is completed or canceled (and at least one exists)."""

    def guard(locked):
        statuses = list(_tests_of(locked).order_by("id").values_list("id", "status"))
        if not statuses:
            raise TransitionRefused(locked, "the order has no tests")
        open_tests = [f"#{pk} ({status})" for pk, status in statuses if status not in TEST_DONE]
        if open_tests:
            raise TransitionRefused(
                locked, f"tests not completed or canceled: {', '.join(open_tests)}"
            )

    return transition(order, COMPLETE, via=via, actor=actor, guard=guard, changes=_stamp())


def order_cancel(*, order: LabOrder, actor=None, via: str = "admin") -> LabOrder:
    """Cancel an order not completed; its tests not yet completed become canceled too."""
    with transaction.atomic():
        canceled = transition(order, CANCEL, via=via, actor=actor, changes=_stamp())
        for test in _tests_of(canceled).exclude(status__in=TEST_DONE).order_by("id"):
            transition(test, TEST_CANCEL, via=via, actor=actor, changes=_stamp(),
                       note=f"order {canceled} canceled")
    return canceled


# --- test lifecycle -------------------------------------------------------------------


def _test_transition(test: Test, spec: Transition, *, via: str, actor, guard=None) -> Test:
    """A test moves through `transition` like an order; its order is locked first (the
    order then the test, like cancel and complete do), so a test never moves while its
    order is being completed or canceled, and the guard sees the order as it is."""
    with transaction.atomic():
        order = LabOrder.objects.select_for_update().get(pk=test.sample.order_id)
        moved = transition(
            test, spec, via=via, actor=actor,
            guard=(lambda locked: guard(order, locked)) if guard else None,
            changes=_stamp(),
        )
        # The order's detail shows its tests: clients syncing by updated_since see the change.
        LabOrder.objects.filter(pk=order.pk).update(updated_at=moved.updated_at)
    return moved


def _order_open(order: LabOrder, test: Test) -> None:
    if order.status != Status.CREATED:
        raise TransitionRefused(test, f"its order {order} is {order.status}")


def test_start(*, test: Test, actor=None, via: str = "admin") -> Test:
    def guard(order, locked):
        _order_open(order, locked)
        if order.date_received is None:
            raise TransitionRefused(locked, f"the samples of order {order} are not received yet")

    return _test_transition(test, TEST_START, via=via, actor=actor, guard=guard)


def test_complete(*, test: Test, actor=None, via: str = "admin") -> Test:
    return _test_transition(test, TEST_COMPLETE, via=via, actor=actor, guard=_order_open)


def test_cancel(*, test: Test, actor=None, via: str = "admin") -> Test:
    return _test_transition(test, TEST_CANCEL, via=via, actor=actor, guard=_order_open)
