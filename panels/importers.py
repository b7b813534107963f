"""Panels orders for import_orders / export_orders, on the framework's set-based template.

A record is parsed by the API's own rules (`inputs.order_import_input`: the create body
plus its key and history), its references resolved by the API's batch step
(`selectors.references_resolve`, one query per kind a batch), and a batch's new orders
written by `services.orders_create` (orders, items and history in a handful of
statements). An order imported before (its external id, or `panels-<id>` for one of our
own) is left as it is.
"""

from collections.abc import Iterator
from typing import Any

from orders.imports import CatalogImporter, OrderImporter, SourceItem
from panels import inputs, selectors, services
from panels.inputs import CREATED_AT_FORMAT
from panels.models import CustomerPanelOrder
from panels.selectors import ResolvedOrder

EXPORT_PREFIX = "panels-"


class PanelsOrderImporter(OrderImporter):
    domain = "panels"
    model = CustomerPanelOrder
    export_prefix = EXPORT_PREFIX
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

    # --- import: the framework's hooks ------------------------------------------------

    def order_input(self, record: dict) -> inputs.OrderInput:
        return inputs.order_import_input(record)

    def prepare_batch(self, items: list[SourceItem]) -> None:
        """Parse the records, then resolve their references here, before the batch's
        transaction: on PostgreSQL this runs while the previous batch is written, so the
        writer only writes. (Customers and panels are not written by an import: the
        lookups do not depend on earlier batches.) An order whose references do not
        resolve is left to `resolve`, which may find it imported before."""
        super().prepare_batch(items)
        ready = [item for item in items
                 if isinstance(item.prepared, inputs.OrderInput) and not item.errors]
        for item, resolved in zip(ready, selectors.references_resolve(
                [item.prepared for item in ready]), strict=True):
            if isinstance(resolved, ResolvedOrder):
                item.prepared = resolved

    def resolve(self, items: list[SourceItem]) -> None:
        """The references of the new orders not resolved yet (a batch tried again after a
        conflict, or records nobody prepared), for all of them at once."""
        pending = [item for item in items if not isinstance(item.prepared, ResolvedOrder)]
        for item, resolved in zip(pending, selectors.references_resolve(
                [item.prepared for item in pending]), strict=True):
            if isinstance(resolved, inputs.InputErrors):
                for name, message in resolved.pairs():
                    item.reject(name, message)
            else:
                item.prepared = resolved

    def orders_write(self, items: list[SourceItem], *, actor=None) -> None:
        orders = [item.prepared for item in items]
        for item in items:  # (a second try of the batch, after a conflict, resolves again)
            item.prepared = item.prepared.order
        services.orders_create(orders, actor=actor, via="import", checks_set_based=True)

    # --- export -----------------------------------------------------------------------

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


order_importer = PanelsOrderImporter()


class PanelsCatalogImporter(CatalogImporter):
    """Panels upserted by sku."""

    domain = "panels"
    noun = "panels"
    key_field = "sku"
    csv_columns = ["sku", "name", "is_license_required", "is_active"]
    serializer_class = inputs.PanelCatalogSerializer

    def upsert(self, **values):
        return services.panel_upsert(**values)


catalog_importer = PanelsCatalogImporter()
