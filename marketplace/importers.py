"""Marketplace orders and records for import_orders / export_orders / import_catalog.

An order record is the API's create body (flat fields or the nested `*_info` lists) plus
what the API takes from the token and the path (`customer_id`, `merchant_id`,
`record_id`), an optional `external_id`, and what an export carries so that an import
gives the same order back: `_id`, `status`, `__v` and `created_date`. It is parsed by
`inputs.order_import_input` (the API's own create rules), its owners resolved by the
batch step the API uses (`selectors.order_owners_resolve`, one query per kind), and the
new orders of a batch written by `services.orders_create` (one COPY of orders, one of
their events). The merchant_info snapshot is taken from the merchant, as on create.

An order imported before is the same order: found by its `external_id` or by its `_id`,
it is left unchanged (whether or not its owners still exist).
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from marketplace import inputs, selectors, services
from marketplace.api.serializers import CreatedDateField
from marketplace.inputs import OrderOwnersRef
from marketplace.models import MarketplaceOrder, Merchant
from orders import db
from orders.imports import Importer, OrderImporter, Outcome, SourceItem, errors_from_validation
from orders.inputs import InputError, InputErrors

CSV_ORDER_COLUMNS = ["external_id", "_id", "customer_id", "merchant_id", "record_id",
                     "status", "created_date", "__v", *inputs.ADDRESS_FIELDS, "comments"]
api_created_date = CreatedDateField().to_representation


def created_date_text(value: datetime) -> str:
    """The API's "2019-02-12T02:16:49.482Z"; with microseconds when the time has them
    (API-created orders do), so that an export reads back the same time."""
    if value.microsecond % 1000 == 0:
        return api_created_date(value)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class MarketplaceOrderImporter(OrderImporter):
    domain = "marketplace"
    csv_key = None  # one CSV row is one order (marketplace orders have no lines)
    csv_columns = CSV_ORDER_COLUMNS
    model = MarketplaceOrder
    # An order is found by either key: its external id, or its own public id.
    key_columns = ["external_id", "public_id"]

    def record_key(self, record: dict) -> str:
        if record.get("external_id"):
            return str(record["external_id"])
        if record.get("_id"):
            return f"_id={record['_id']}"
        return f"customer_id={record.get('customer_id')}/record_id={record.get('record_id')}"

    def csv_record(self, rows: list[dict[str, str]]) -> dict:
        """A row as a flat record; empty cells are left out, `comments` is a JSON array
        of strings (a cell that is not one is a single comment)."""
        record: dict[str, Any] = {name: value for name, value in rows[0].items()
                                  if value not in (None, "")}
        comments = record.get("comments")
        if comments is not None and comments.lstrip().startswith("["):
            try:
                record["comments"] = json.loads(comments)
            except (ValueError, RecursionError):
                pass
        return record

    def order_input(self, record: dict) -> inputs.OrderImportInput:
        return inputs.order_import_input(record)

    def order_key(self, prepared) -> tuple | None:
        if prepared.external_id or prepared.public_id:
            return (prepared.external_id, prepared.public_id)
        return None

    def orders_found(self, keys: set[tuple]) -> dict[tuple, Any]:
        """Of these keys, those of existing orders (by external id or by public id), with
        the orders' ids: two queries, linear in the batch (`keys_found`)."""
        by_external = db.keys_found(self.model, ["external_id"],
                                    {(key[0],) for key in keys if key[0]})
        by_public = db.keys_found(self.model, ["public_id"],
                                  {(key[1],) for key in keys if key[1]})
        found = {}
        for key in keys:
            order_id = by_external.get((key[0],)) or by_public.get((key[1],))
            if order_id is not None:
                found[key] = order_id
        return found

    def resolve(self, items: list[SourceItem]) -> None:
        """Each new order's owners, one query per kind for the batch."""
        if not items:
            return
        owners = selectors.order_owners_resolve(
            [OrderOwnersRef(p.customer_id, p.merchant_id, p.record_id)
             for p in (item.prepared for item in items)], for_write=True)
        for item, resolved in zip(items, owners, strict=True):
            if isinstance(resolved, InputErrors):
                for name, message in resolved.pairs():
                    item.reject(name, message)
                continue
            p = item.prepared
            item.prepared = services.NewOrder(resolved, p.order, p.external_id, p.public_id,
                                              p.status, p.version, p.created_at)

    def orders_write(self, items: list[SourceItem], *, actor=None) -> None:
        """The batch's new orders and their events set-based; an order twice in the batch
        under different keys (its external id alone, then with its `_id`) is written once."""
        new, external_ids, public_ids = [], set(), set()
        for item in items:
            order = item.prepared
            if ((order.external_id and order.external_id in external_ids)
                    or (order.public_id and order.public_id in public_ids)):
                item.outcome = Outcome.UNCHANGED
                continue
            external_ids.add(order.external_id)
            public_ids.add(order.public_id)
            new.append(order)
        services.orders_create(new, actor=actor, via="import")

    def export_records(self, filters: dict[str, Any]) -> Iterator[dict]:
        orders = MarketplaceOrder.objects.select_related(
            "record", "merchant", "customer").order_by("id")
        orders = self.filter_exported(orders, filters)
        for order in orders.iterator(chunk_size=2000):
            yield {
                "external_id": order.external_id or f"marketplace-{order.pk}",
                "_id": order.public_id,
                "customer_id": order.customer.public_id,
                "merchant_id": order.merchant.public_id,
                "record_id": order.record.public_id,
                "status": order.status,
                "created_date": created_date_text(order.created_at),
                "__v": order.version,
                "shipping_info": [{name: getattr(order, name)
                                   for name in inputs.SHIPPING_FIELDS}],
                "billing_info": [{name: getattr(order, name)
                                  for name in inputs.BILLING_FIELDS}],
                "comments": list(order.comments),
            }

    def csv_rows(self, record: dict) -> list[dict]:
        row = {name: record[name] for name in CSV_ORDER_COLUMNS[:8]}
        row.update(record["shipping_info"][0])
        row.update(record["billing_info"][0])
        row["comments"] = json.dumps(record["comments"]) if record["comments"] else ""
        return [row]


order_importer = MarketplaceOrderImporter()


class MarketplaceCatalogImporter(Importer):
    """Records upserted by their public id (`_id`) within their merchant, parsed by the
    API's own record rules (`inputs.record_import_input`); the batch's merchants in one
    query."""

    domain = "marketplace"
    noun = "records"
    csv_key = None
    csv_columns = ["_id", "merchant_id", "artist", "title", "price", "condition", "comments"]

    def record_key(self, record: dict) -> str:
        return str(record.get("_id") or "")

    def csv_record(self, rows: list[dict[str, str]]) -> dict:
        return {name: value for name, value in rows[0].items() if value is not None}

    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        # Only ids that can be one (a NUL character in a key fails the query on PostgreSQL);
        # a row naming another is refused by its input.
        merchant_ids = {item.record.get("merchant_id") for item in items}
        merchants = Merchant.objects.in_bulk(
            {merchant_id for merchant_id in merchant_ids
             if isinstance(merchant_id, str) and inputs.PUBLIC_ID.match(merchant_id)},
            field_name="public_id")
        for item in items:
            errors: list[tuple[str, str]] = []
            try:
                record = inputs.record_import_input(item.record)
            except InputErrors as exc:
                errors = exc.pairs()
                record = None
            merchant_id = item.record.get("merchant_id")
            if (isinstance(merchant_id, str) and inputs.PUBLIC_ID.match(merchant_id)
                    and merchant_id not in merchants):
                errors.append(("merchant_id", f"No merchant with id {merchant_id}."))
            if not errors:
                try:
                    _, outcome = services.record_upsert(
                        merchant=merchants[record["merchant_id"]], public_id=record["_id"],
                        fields=record["fields"])
                except InputError as exc:
                    errors = errors_from_validation(exc)
            if errors:
                for name, message in errors:
                    item.reject(name, message)
                continue
            item.outcome = Outcome(outcome)


catalog_importer = MarketplaceCatalogImporter()
