"""Every write of the labs domain: order creation and the order and test lifecycles."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from labs.models import Assay, Company, LabOrder, Orderer, Product, Sample, Sku, Test
from orders.db import row_upsert
from orders.events import order_event_record
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

MAX_ID = 2**63 - 1  # ids are bigints
MAX_COMPOSITES = 1000
NUL = "\x00"  # PostgreSQL text cannot hold it
NUL_MESSAGE = "Must not contain a NUL character (\\u0000)."


# --- creation -------------------------------------------------------------------------


def order_data_validate(*, company: Company, data: dict) -> dict:
    """Check an order's data; return it cleaned (Sku and Assay rows in place of ids).

    `data` is {"orderer": {"email", "name"}, "samples": [{"sku_id", "assay_ids", "lot",
    "batch", "composite", "number_of_composites"}], "external_id"}. Every problem raises
    ValidationError keyed by the field's path, for the API and the importer alike.
    """
    if not isinstance(data, dict):
        raise ValidationError({"order": [f"An order must be an object, got {data!r}."]})
    errors: dict[str, list[str]] = {}
    orderer = data.get("orderer")
    email = name = ""
    if not isinstance(orderer, dict):
        errors["orderer"] = ["An orderer {email, name} is required."]
    else:
        email = str(orderer.get("email") or "").strip().lower()
        name = str(orderer.get("name") or "").strip()
        try:
            if NUL in email:
                errors["orderer.email"] = [NUL_MESSAGE]
            else:
                validate_email(email)
        except ValidationError:
            errors["orderer.email"] = [f"Enter a valid email address, got {email!r}."]
        if NUL in name:
            errors["orderer.name"] = [NUL_MESSAGE]
        elif not name:
            errors["orderer.name"] = ["An orderer name is required."]
        elif len(name) > 200:
            errors["orderer.name"] = ["Must be at most 200 characters."]

    external_id = _optional_text(data.get("external_id"), "external_id", errors)
    if external_id is not None and LabOrder.objects.filter(external_id=external_id).exists():
        errors["external_id"] = [f"An order with external_id {external_id!r} exists."]

    samples = data.get("samples")
    if not isinstance(samples, list) or not samples:
        errors["samples"] = ["At least one sample is required."]
        samples = []
    skus = Sku.objects.filter(product__company=company).in_bulk(
        [s.get("sku_id") for s in samples if isinstance(s, dict) and _is_id(s.get("sku_id"))]
    )
    assays = Assay.objects.in_bulk(
        [a for s in samples if isinstance(s, dict) and isinstance(s.get("assay_ids"), list)
         for a in s["assay_ids"] if _is_id(a)]
    )
    cleaned_samples = []
    for index, sample in enumerate(samples):
        path = f"samples[{index}]"
        if not isinstance(sample, dict):
            errors[path] = ["A sample must be an object."]
            continue
        sku = skus.get(sample.get("sku_id")) if _is_id(sample.get("sku_id")) else None
        if sku is None:
            errors[f"{path}.sku_id"] = [f"No sku with id {sample.get('sku_id')!r}."]
        assay_ids = sample.get("assay_ids")
        if not isinstance(assay_ids, list) or not assay_ids:
            errors[f"{path}.assay_ids"] = ["At least one assay id is required."]
            assay_ids = []
        unknown = [a for a in assay_ids if not _is_id(a) or a not in assays]
        if unknown:
            errors[f"{path}.assay_ids"] = [f"No assay with id {a!r}." for a in unknown]
        composite = sample.get("composite", False)
        if not isinstance(composite, bool):
            errors[f"{path}.composite"] = [f"Must be true or false, got {composite!r}."]
        composites = sample.get("number_of_composites", 1)
        if not _is_int(composites) or not 1 <= composites <= MAX_COMPOSITES:
            errors[f"{path}.number_of_composites"] = [
                f"Must be an integer from 1 to {MAX_COMPOSITES}, got {composites!r}."
            ]
        cleaned_samples.append({
            "sku": sku,
            "assays": [assays.get(a) if _is_id(a) else None for a in assay_ids],
            "lot": _optional_text(sample.get("lot"), f"{path}.lot", errors),
            "batch": _optional_text(sample.get("batch"), f"{path}.batch", errors),
            "composite": composite,
            "number_of_composites": composites,
        })
    if errors:
        raise ValidationError(errors)
    return {"orderer": {"email": email, "name": name}, "external_id": external_id,
            "samples": cleaned_samples}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value) -> bool:
    """An integer that can be a row id (a bigger one would overflow the query)."""
    return _is_int(value) and 1 <= value <= MAX_ID


def _optional_text(value, path: str, errors: dict, max_length: int = 100) -> str | None:
    """A short text or None (empty means None); a problem is added to `errors`."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors[path] = [f"Must be a text, got {value!r}."]
    elif NUL in value:
        errors[path] = [NUL_MESSAGE]
    elif len(value) > max_length:
        errors[path] = [f"Must be at most {max_length} characters."]
    else:
        return value
    return None


def order_create(*, company: Company, data: dict, actor=None, via: str = "import",
                 history: dict | None = None) -> LabOrder:
    """Create a draft order with its samples and their tests, atomically.

    `history` (for imports of orders with a past): {"order": {status, payment_status,
    ordered_at, paid_at, date_received, created_at, updated_at}, "tests": one list per
    sample of {status, created_at, updated_at} per assay}; the order is written in that
    state, and its create event says so.
    """
    cleaned = order_data_validate(company=company, data=data)
    try:
        return _order_insert(company=company, cleaned=cleaned, actor=actor, via=via,
                             history=history or {})
    except IntegrityError:
        # A concurrent create took the external_id between the check and the insert.
        raise ValidationError({"external_id": [
            f"An order with external_id {cleaned['external_id']!r} exists."]}) from None


def _order_insert(*, company: Company, cleaned: dict, actor, via: str,
                  history: dict) -> LabOrder:
    tests_history = history.get("tests") or []
    with transaction.atomic():
        orderer, _ = Orderer.objects.get_or_create(
            company=company, email=cleaned["orderer"]["email"],
            defaults={"name": cleaned["orderer"]["name"]},
        )
        order = LabOrder.objects.create(
            company=company, orderer=orderer, external_id=cleaned["external_id"],
            **history.get("order", {}),
        )
        for index, values in enumerate(cleaned["samples"]):
            assays = values.pop("assays")
            states = tests_history[index] if index < len(tests_history) else []
            sample = Sample.objects.create(order=order, **values)
            Test.objects.bulk_create(
                Test(sample=sample, assay=assay, **(states[n] if n < len(states) else {}))
                for n, assay in enumerate(assays)
            )
        order_event_record(order=order, action="create", via=via, actor=actor,
                           to_state=order.status)
    return order


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
    """Lock the test's order first (the order then the test, like cancel and complete do),
    so a test never moves while its order is being completed or canceled."""
    with transaction.atomic():
        order = LabOrder.objects.select_for_update().get(pk=test.sample.order_id)
        current = Test.objects.select_for_update().get(pk=test.pk).status
        if current not in spec.source:
            # The core's own check would word this about "an order"; name the test.
            raise TransitionRefused(
                test, f"cannot {spec.name} a test that is {current} "
                      f"(allowed from: {', '.join(sorted(spec.source))})",
            )
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
