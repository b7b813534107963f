"""Panels orders for import_orders / export_orders, validated exactly as the API does."""

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from rest_framework import serializers

from orders.imports import (
    CatalogImporter,
    OrderImporter,
    Outcome,
    SourceItem,
    errors_from_validation,
    external_ids_imported,
)
from panels import services
from panels.api.serializers import CREATED_AT_FORMAT, OrderCreateSerializer
from panels.models import Customer, CustomerPanelOrder


class OrderImportSerializer(OrderCreateSerializer):
    """The API's create body, plus what an import carries besides: its key and history."""

    external_id = serializers.CharField(max_length=100, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=CustomerPanelOrder.Status.choices, required=False)
    created_at = serializers.DateTimeField(
        required=False, input_formats=[CREATED_AT_FORMAT, "iso-8601"]
    )


class PanelsOrderImporter(OrderImporter):
    domain = "panels"
    csv_key = "external_id"
    csv_columns = ["external_id", "customer_id", "status", "created_at", "panel_sku"]

    def record_key(self, record: dict) -> str:
        if record.get("external_id"):
            return str(record["external_id"])
        return f"customer_id={record.get('customer_id')}"

    def csv_record(self, rows: list[dict[str, str]]) -> dict:
        first = rows[0]
        record = {
            "external_id": first["external_id"],
            "customer_id": first.get("customer_id", ""),
            "order_items": [{"panel_sku": row.get("panel_sku", "")} for row in rows],
        }
        for optional in ("status", "created_at"):
            if first.get(optional):
                record[optional] = first[optional]
        return record

    def order_lines(self, record: dict) -> int:
        items = record.get("order_items")
        return len(items) if isinstance(items, list) else 1

    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        imported = external_ids_imported(CustomerPanelOrder, [item.record for item in items],
                                         EXPORT_PREFIX)
        for item in items:
            payload = OrderImportSerializer(data=item.record)
            if not payload.is_valid():
                for name, message in errors_from_validation(payload.errors):
                    item.reject(name, message)
                continue
            data = payload.validated_data
            external_id = data.get("external_id")
            if external_id in imported:  # before, or earlier in this batch
                item.outcome = Outcome.UNCHANGED
                continue
            customer = Customer.objects.filter(pk=data["customer_id"]).first()
            if customer is None:
                item.reject("customer_id", f"No customer with id {data['customer_id']}.")
                continue
            try:
                order = services.order_create(
                    partner=customer.partner,
                    customer_id=customer.pk,
                    panel_skus=[i["panel_sku"] for i in data["order_items"]],
                    actor=actor,
                    via="import",
                    created_at=data.get("created_at"),
                    external_id=external_id,
                )
                if data.get("status") == CustomerPanelOrder.Status.CANCELED:
                    services.order_cancel(order=order, actor=actor, via="import")
            except ValidationError as exc:
                for name, message in errors_from_validation(exc):
                    item.reject(name, message)
                continue
            item.outcome = Outcome.CREATED
            if external_id:
                imported.add(external_id)

    def export_records(self, filters: dict[str, Any]) -> Iterator[dict]:
        orders = CustomerPanelOrder.objects.prefetch_related("items__panel").order_by("id")
        orders = self.filter_exported(orders, filters)
        for order in orders.iterator(chunk_size=2000):
            yield {
                "external_id": order.external_id or f"{EXPORT_PREFIX}{order.pk}",
                "customer_id": order.customer_id,
                "status": order.status,
                "created_at": order.created_at.strftime(CREATED_AT_FORMAT),
                "order_items": [{"panel_sku": i.panel.sku} for i in order.items.all()],
            }

    def csv_rows(self, record: dict) -> list[dict]:
        order = {k: record[k] for k in ("external_id", "customer_id", "status", "created_at")}
        return [{**order, "panel_sku": item["panel_sku"]} for item in record["order_items"]]


EXPORT_PREFIX = "panels-"
order_importer = PanelsOrderImporter()


class PanelCatalogSerializer(serializers.Serializer):
    sku = serializers.SlugField(max_length=100)
    name = serializers.CharField(max_length=200)
    is_license_required = serializers.BooleanField(default=False)
    is_active = serializers.BooleanField(default=True)


class PanelsCatalogImporter(CatalogImporter):
    """Panels upserted by sku."""

    domain = "panels"
    noun = "panels"
    key_field = "sku"
    csv_columns = ["sku", "name", "is_license_required", "is_active"]
    serializer_class = PanelCatalogSerializer

    def upsert(self, **values):
        return services.panel_upsert(**values)


catalog_importer = PanelsCatalogImporter()
