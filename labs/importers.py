"""Labs orders and catalog for import_orders / export_orders / import_catalog.

Labs has no API write: operators create orders in admin and by import, and both validate
with `services.order_data_validate`. An order record is that function's data plus what it
takes from elsewhere (the company, which the admin picks) and what an export keeps of an
order's life (states and times of the order and of each test). JSON Lines only.

    {"external_id": "lims-0001", "company_id": 1, "orderer_email": "dev@lightlabs.com",
     "orderer_name": "Development User", "status": "created", "payment_status": "pending",
     "ordered_at": "2025-11-05T13:54:00Z", "paid_at": null, "date_received": null,
     "created_at": "2025-11-05T13:54:02.798Z", "updated_at": "2025-11-05T14:08:02.166Z",
     "samples": [{"sku_id": 16, "lot": "L-1", "batch": null, "composite": false,
                  "number_of_composites": 1,
                  "tests": [{"assay_id": 69, "status": "not_started",
                             "created_at": "...", "updated_at": "..."}]}]}

`orderer` ({"email", "name"}) may stand for `orderer_email`/`orderer_name`, and a
sample's `assay_ids` (a list of assay ids) for its `tests`: that is the exact data
`order_data_validate` reads. Errors are named as the record names the field.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from labs import services
from labs.models import Assay, Company, LabOrder, Orderer, Product, Sample, Test
from orders.imports import (
    CatalogImporter,
    OrderImporter,
    Outcome,
    SourceItem,
    errors_from_validation,
    own_orders_named,
)

ORDER_STATES = {"status": LabOrder.Status, "payment_status": LabOrder.PaymentStatus}
ORDER_TIMES = ["ordered_at", "paid_at", "date_received", "created_at", "updated_at"]
TEST_TIMES = ["created_at", "updated_at"]
TEST_DONE = (Test.Status.COMPLETED, Test.Status.CANCELED)  # a tuple: bad input may not hash


def parse_time(value: Any, path: str, errors: dict) -> datetime | None:
    """An ISO 8601 time (UTC when it names no zone), None for null; else an error."""
    if value is None:
        return None
    parsed = None
    if isinstance(value, str) and services.NUL not in value:  # fromisoformat would pass it
        try:
            parsed = parse_datetime(value.strip().replace(" ", "T", 1))
        except ValueError:
            parsed = None
    if parsed is None:
        errors[path] = [f"Not an ISO 8601 date and time: {value!r}."]
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    return parsed


def export_time(value: datetime | None) -> str | None:
    """UTC, ISO 8601, to the microsecond (so a round trip keeps the time exactly)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class LabsOrderImporter(OrderImporter):
    domain = "labs"
    csv_supported = False
    csv_key = None
    csv_columns: list[str] = []

    def record_key(self, record: dict) -> str:
        if record.get("external_id"):
            return str(record["external_id"])
        return f"company_id={record.get('company_id')}"

    def order_lines(self, record: dict) -> int:
        samples = record.get("samples")
        return len(samples) if isinstance(samples, list) else 1

    # --- import -------------------------------------------------------------------

    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        records = [item.record for item in items]
        companies = Company.objects.in_bulk(
            {r["company_id"] for r in records if services._is_id(r.get("company_id"))})
        # Keys with a NUL character name nothing (PostgreSQL text cannot hold one): their
        # rows are refused one by one below, the batch's lookups leave them out.
        emails = {str(r["orderer_email"]).strip().lower() for r in records
                  if r.get("orderer_email") and not r.get("orderer_name")}
        emails = {email for email in emails if services.NUL not in email}
        orderer_names = {
            (company_id, email): name
            for company_id, email, name in Orderer.objects.filter(email__in=emails)
            .values_list("company_id", "email", "name")
        } if emails else {}
        external_ids = {r["external_id"] for r in records
                        if isinstance(r.get("external_id"), str) and r["external_id"]
                        and services.NUL not in r["external_id"]}
        taken = set(LabOrder.objects.filter(external_id__in=external_ids)
                    .values_list("external_id", flat=True)) if external_ids else set()
        own = own_orders_named(LabOrder, external_ids - taken, EXPORT_PREFIX)

        for item in items:
            external_id = item.record.get("external_id")
            if isinstance(external_id, str) and external_id in own:
                # Our own order, as export_orders wrote it: nothing to write, and nothing to
                # validate (the seed's orders without samples are ours all the same).
                item.outcome = Outcome.UNCHANGED
                continue
            try:
                self.import_one(item, companies, orderer_names, taken, actor=actor)
            except ValidationError as exc:  # a concurrent import took the external_id
                for name, message in errors_from_validation(exc):
                    item.reject(name, message)

    def import_one(self, item: SourceItem, companies: dict, orderer_names: dict,
                   taken: set, *, actor=None) -> None:
        record = item.record
        errors: dict[str, list[str]] = {}
        renames: dict[str, str] = {}
        company = self.company(record, companies, errors)
        data = {
            "orderer": self.orderer(record, company, orderer_names, renames),
            "external_id": record.get("external_id"),
        }
        data["samples"], tests = self.samples(record.get("samples"), renames, errors)
        history = {"order": self.order_history(record, tests, errors), "tests": tests}
        for state in (state for states in tests for state in states):
            # A test without times of its own was made with its order, and last moved
            # when the order did.
            state.setdefault("created_at", history["order"]["created_at"])
            state.setdefault("updated_at", history["order"]["updated_at"])

        external_id = data["external_id"]
        seen = isinstance(external_id, str) and external_id in taken
        if company is not None and (errors or seen):
            # The validation the admin and every import share, for all its errors at
            # once (an order imported before is checked like a new one, not as a clash).
            try:
                services.order_data_validate(
                    company=company, data={**data, "external_id": None} if seen else data)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors.setdefault(name, []).extend(messages)
        if errors:
            for name, messages in errors.items():
                for message in messages:
                    item.reject(renames.get(name, name), message)
            return
        if seen:
            item.outcome = Outcome.UNCHANGED
            return
        try:
            order = services.order_create(company=company, data=data, actor=actor,
                                          via="import", history=history)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    item.reject(renames.get(name, name), message)
            return
        if isinstance(external_id, str) and external_id:
            taken.add(external_id)  # the same external_id later in the batch: unchanged
        # An orderer this order introduced is known to the rest of the batch, as it is to
        # later batches: a later order may leave out the name.
        orderer_names.setdefault((company.pk, order.orderer.email), order.orderer.name)
        item.outcome = Outcome.CREATED

    def company(self, record: dict, companies: dict, errors: dict) -> Company | None:
        company_id = record.get("company_id")
        if company_id is None:
            errors["company_id"] = ["This field is required (the ordering company's id)."]
            return None
        company = companies.get(company_id) if services._is_id(company_id) else None
        if company is None:
            errors["company_id"] = [f"No company with id {company_id!r}."]
        return company

    def orderer(self, record: dict, company, orderer_names: dict, renames: dict):
        """`orderer` as given, or built from `orderer_email` and `orderer_name` (the name
        may be left out when the company has that orderer already)."""
        if "orderer" in record or "orderer_email" not in record:
            return record.get("orderer")
        renames.update({"orderer": "orderer_email", "orderer.email": "orderer_email",
                        "orderer.name": "orderer_name"})
        email = record.get("orderer_email")
        name = record.get("orderer_name")
        if not name and company is not None and isinstance(email, str):
            name = orderer_names.get((company.pk, email.strip().lower()))
        return {"email": email, "name": name}

    def samples(self, samples, renames: dict, errors: dict):
        """The samples as `order_data_validate` reads them (a sample's `tests` become its
        `assay_ids`), and per sample the states and times of its tests."""
        if not isinstance(samples, list):
            return samples, []
        cleaned, tests_history = [], []
        for index, sample in enumerate(samples):
            path = f"samples[{index}]"
            states: list[dict] = []
            tests_history.append(states)
            if not isinstance(sample, dict) or "tests" not in sample:
                if isinstance(sample, dict) and isinstance(sample.get("assay_ids"), list):
                    states.extend({"status": Test.Status.NOT_STARTED}
                                  for _ in sample["assay_ids"])
                cleaned.append(sample)
                continue
            sample = dict(sample)
            tests = sample.pop("tests")
            if "assay_ids" in sample:
                errors[f"{path}.tests"] = ["Give a sample's tests or its assay_ids, not both."]
            elif not isinstance(tests, list) or not all(isinstance(t, dict) for t in tests):
                errors[f"{path}.tests"] = ["Must be a list of tests, each an object "
                                           "{assay_id, status, created_at, updated_at}."]
            else:
                renames[f"{path}.assay_ids"] = f"{path}.tests"
                sample["assay_ids"] = [test.get("assay_id") for test in tests]
                for number, test in enumerate(tests):
                    states.append(self.test_history(test, f"{path}.tests[{number}]", errors))
            cleaned.append(sample)
        return cleaned, tests_history

    def test_history(self, test: dict, path: str, errors: dict) -> dict:
        status = test.get("status")
        if status is None:
            status = Test.Status.NOT_STARTED
        if status not in Test.Status.values:
            errors[f"{path}.status"] = [
                f"{status!r} is not one of: {', '.join(Test.Status.values)}."]
        state = {"status": status}
        for name in TEST_TIMES:
            if test.get(name) is not None:
                state[name] = parse_time(test[name], f"{path}.{name}", errors)
        if "created_at" in state and "updated_at" not in state:
            state["updated_at"] = state["created_at"]
        return state

    def order_history(self, record: dict, tests: list[list[dict]], errors: dict) -> dict:
        """The order's states and times as the record gives them (defaults: a new draft)."""
        history: dict[str, Any] = {}
        for name, choices in ORDER_STATES.items():
            value = record.get(name)
            if value is None:
                continue
            if value not in choices.values:
                errors[name] = [f"{value!r} is not one of: {', '.join(choices.values)}."]
            history[name] = value
        for name in ORDER_TIMES:
            history[name] = parse_time(record.get(name), name, errors)
        history["created_at"] = history["created_at"] or timezone.now()
        history["updated_at"] = history["updated_at"] or history["created_at"]
        if history.get("status") == LabOrder.Status.COMPLETED:
            open_tests = [f"samples[{i}].tests[{n}] ({state['status']})"
                          for i, states in enumerate(tests) for n, state in enumerate(states)
                          if state["status"] not in TEST_DONE]
            if open_tests:
                errors["status"] = ["A completed order's tests are all completed or "
                                    f"canceled; not: {', '.join(open_tests)}."]
        return history

    # --- export -------------------------------------------------------------------

    def export_records(self, filters: dict[str, Any]) -> Iterator[dict]:
        tests = Test.objects.order_by("id")
        samples = Sample.objects.prefetch_related(Prefetch("tests", queryset=tests)) \
            .order_by("id")
        orders = (LabOrder.objects.select_related("orderer")
                  .prefetch_related(Prefetch("samples", queryset=samples)).order_by("id"))
        orders = self.filter_exported(orders, filters)
        for order in orders.iterator(chunk_size=2000):
            yield {
                "external_id": order.external_id or f"{EXPORT_PREFIX}{order.pk}",
                "company_id": order.company_id,
                "orderer_email": order.orderer.email,
                "orderer_name": order.orderer.name,
                "status": order.status,
                "payment_status": order.payment_status,
                **{name: export_time(getattr(order, name)) for name in ORDER_TIMES},
                "samples": [
                    {"sku_id": sample.sku_id, "lot": sample.lot, "batch": sample.batch,
                     "composite": sample.composite,
                     "number_of_composites": sample.number_of_composites,
                     "tests": [{"assay_id": test.assay_id, "status": test.status,
                                "created_at": export_time(test.created_at),
                                "updated_at": export_time(test.updated_at)}
                               for test in sample.tests.all()]}
                    for sample in order.samples.all()
                ],
            }


EXPORT_PREFIX = "labs-"
order_importer = LabsOrderImporter()


# --- catalog ---------------------------------------------------------------------------


class AssayRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=services.MAX_ID, required=False)
    name = serializers.CharField(max_length=200)

    def validate(self, attrs):
        """`services.assay_upsert`'s arguments; another assay's name is refused."""
        pk = attrs.get("id")
        if pk is not None:
            other = Assay.objects.filter(name=attrs["name"]).exclude(pk=pk).first()
            if other is not None:
                raise serializers.ValidationError({"name": [
                    f"Assay {other.pk} is named {attrs['name']!r} already."]})
        return {"name": attrs["name"], "pk": pk}


class ProductRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=services.MAX_ID, required=False)
    company_id = serializers.IntegerField(min_value=1, max_value=services.MAX_ID)
    name = serializers.CharField(max_length=200)

    def validate(self, attrs):
        """`services.product_upsert`'s arguments, the company found by its id."""
        company = Company.objects.filter(pk=attrs["company_id"]).first()
        if company is None:
            raise serializers.ValidationError({"company_id": [
                f"No company with id {attrs['company_id']}."]})
        return {"company": company, "name": attrs["name"], "pk": attrs.get("id")}


class SkuRecordSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=200)
    serving_size_grams = serializers.DecimalField(max_digits=10, decimal_places=3,
                                                  min_value=0, required=False,
                                                  allow_null=True)
    product_id = serializers.IntegerField(min_value=1, max_value=services.MAX_ID,
                                          required=False)
    company_id = serializers.IntegerField(min_value=1, max_value=services.MAX_ID,
                                          required=False)
    product_name = serializers.CharField(max_length=200, required=False)

    def validate(self, attrs):
        """`services.sku_upsert`'s arguments, the product found by its id or by its
        company and name (a product earlier in the file counts)."""
        if "product_id" in attrs:
            product = Product.objects.filter(pk=attrs["product_id"]).first()
            if product is None:
                raise serializers.ValidationError({"product_id": [
                    f"No product with id {attrs['product_id']}."]})
        elif "company_id" in attrs and "product_name" in attrs:
            product = Product.objects.filter(company_id=attrs["company_id"],
                                             name=attrs["product_name"]).order_by("id").first()
            if product is None:
                raise serializers.ValidationError({"product_name": [
                    f"Company {attrs['company_id']} has no product named "
                    f"{attrs['product_name']!r}."]})
        else:
            raise serializers.ValidationError({"product_id": [
                "Give the sku's product_id, or its company_id and product_name."]})
        return {"code": attrs["code"], "product": product, "name": attrs["name"],
                "serving_size_grams": attrs.get("serving_size_grams")}


RECORD_SERIALIZERS = {"assay": AssayRecordSerializer, "product": ProductRecordSerializer,
                      "sku": SkuRecordSerializer}
RECORD_UPSERTS = {"assay": services.assay_upsert, "product": services.product_upsert,
                  "sku": services.sku_upsert}


class CatalogRecordSerializer(serializers.Serializer):
    """One record of the catalog file, validated by the serializer of its `kind`; its
    validated data is `kind` and the arguments of that kind's upsert service."""

    def to_internal_value(self, data):
        kind = data.get("kind")
        if not isinstance(kind, str) or kind not in RECORD_SERIALIZERS:
            raise serializers.ValidationError({"kind": [
                f"{kind!r} is not one of: product, sku, assay."]})
        record = RECORD_SERIALIZERS[kind](data=data)
        record.is_valid(raise_exception=True)
        return {"kind": kind, **record.validated_data}


class LabsCatalogImporter(CatalogImporter):
    """Products, skus and assays in one JSON Lines file, each record with its `kind`.

    Keys: an assay by `id`, else by `name`; a product by `id`, else by `company_id` and
    `name`; a sku by `code` (its product by `product_id`, or by `company_id` and
    `product_name`). Records are applied in file order, so a sku may follow the product
    it belongs to in the same file.
    """

    domain = "labs"
    noun = "catalog records"
    csv_supported = False
    serializer_class = CatalogRecordSerializer

    def record_key(self, record: dict) -> str:
        kind = record.get("kind")
        key = record.get("code") if kind == "sku" else record.get("id") or record.get("name")
        return f"{kind} {key}" if key is not None else str(kind or "")

    def upsert(self, *, kind: str, **values):
        return RECORD_UPSERTS[kind](**values)


catalog_importer = LabsCatalogImporter()
