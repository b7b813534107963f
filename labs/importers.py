"""Labs orders and catalog for import_orders / export_orders / import_catalog.

Labs' API is read-only: orders come by import and from the admin, which both parse with
`labs.inputs` (an import record is the admin's body plus the company, the orderer given
flat, and an exported order's states and times) and check references with
`labs.selectors.order_references_check`. JSON Lines only.

    {"external_id": "lims-0001", "company_id": 1, "orderer_email": "dev@lightlabs.com",
     "orderer_name": "Development User", "status": "created", "payment_status": "pending",
     "ordered_at": "2025-11-05T13:54:00Z", "paid_at": null, "date_received": null,
     "created_at": "2025-11-05T13:54:02.798Z", "updated_at": "2025-11-05T14:08:02.166Z",
     "samples": [{"sku_id": 16, "lot": "L-1", "batch": null, "composite": false,
                  "number_of_composites": 1,
                  "tests": [{"assay_id": 69, "status": "not_started",
                             "created_at": "...", "updated_at": "..."}]}]}

`orderer` ({"email", "name"}) may stand for `orderer_email`/`orderer_name`, and a
sample's `assay_ids` (a list of assay ids) for its `tests`. Errors are named as the
record names the field. A batch is written set-based (`services.orders_create`); an
order imported before (its external id, or `labs-<id>` as export writes it for one of
ours) is left as it is.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.db.models import Prefetch
from rest_framework import serializers

from labs import inputs, selectors, services
from labs.inputs import EXPORT_PREFIX, ORDER_TIMES, InputErrors, OrderInput
from labs.models import Assay, Company, LabOrder, Product, Sample, Test
from orders.imports import CatalogImporter, OrderImporter, SourceItem
from orders.inputs import BIGINT_MAX


def export_time(value: datetime | None) -> str | None:
    """UTC, ISO 8601, to the microsecond (so a round trip keeps the time exactly)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class OwnOrderRecord(NamedTuple):
    """A record that does not parse, keyed `labs-<id>`: if that names one of our own
    orders (as export wrote it: the seed's orders without samples are ours all the
    same), it is that order, imported before; else it is rejected with its errors."""

    external_id: str
    errors: list[tuple[str, str]]


class LabsOrderImporter(OrderImporter):
    domain = "labs"
    csv_supported = False
    csv_key = None
    csv_columns: list[str] = []
    model = LabOrder
    export_prefix = EXPORT_PREFIX

    def record_key(self, record: dict) -> str:
        if record.get("external_id"):
            return str(record["external_id"])
        return f"company_id={record.get('company_id')}"

    def order_lines(self, record: dict) -> int:
        samples = record.get("samples")
        return len(samples) if isinstance(samples, list) else 1

    # --- import -------------------------------------------------------------------

    def order_input(self, record: dict) -> OrderInput | OwnOrderRecord:
        try:
            return inputs.order_record_parse(record)
        except InputErrors as exc:
            if inputs.names_own_order(record.get("external_id")):
                return OwnOrderRecord(record["external_id"], exc.pairs())
            raise

    def resolve(self, items: list[SourceItem]) -> None:
        """The new orders' references; a record the rules refused that names no order of
        ours (those found are left as they are) is rejected now."""
        for item in items:
            if type(item.prepared) is OwnOrderRecord:
                for name, message in item.prepared.errors:
                    item.reject(name, message)
        orders = [item for item in items if type(item.prepared) is OrderInput]
        checked = selectors.order_references_check([item.prepared for item in orders])
        for item, (order, errors) in zip(orders, checked, strict=True):
            item.prepared = order
            for error in errors:
                item.reject(error.field, error.message)

    def orders_write(self, items: list[SourceItem], *, actor=None) -> None:
        services.orders_create(orders=[item.prepared for item in items], actor=actor,
                               via="import", checks_set_based=True)

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


order_importer = LabsOrderImporter()


# --- catalog ---------------------------------------------------------------------------


class AssayRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, required=False)
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
    id = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, required=False)
    company_id = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
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
    product_id = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX,
                                          required=False)
    company_id = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX,
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
