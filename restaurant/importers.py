"""Restaurant orders and menus for import_orders / export_orders / import_catalog.

A record is the API's create body (the seed's plain-JSON payload) as restaurant staff
send it, so `customer_id` is taken from the record; plus an optional `external_id` (the
re-run key) and what an export keeps of an order's life (`created_at`,
`status_updated_at`, `assignee_updated_at`, `hash`, `status_history`). It goes through
the API's own two steps, before the batch's transaction (on PostgreSQL while the
previous batch is written): `inputs.order_import_input` (the staff create body's rules
and an export's) and `selectors.references_resolve` (the batch's references, one query
per kind); then `services.order_rows_made` makes each new order's rows. In the batch's
transaction (`resolve`) the orders imported before are found (their external id, or
`restaurant-<id>` naming one of ours: left as they are) and hashes taken meanwhile
refused; `services.orders_write` writes the rest set-based, one create event each (via
"import"), as it writes an API client's order.
"""

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework import serializers

from orders.imports import CatalogImporter, OrderImporter, SourceItem
from orders.inputs import InputErrors, text_problem
from restaurant import inputs, selectors, services
from restaurant.models import Order

# CSV: one row per order menu line; the order's columns repeated on each of its rows.
# The address object is flattened into ADDRESS_COLUMNS; lists the order holds
# (order_totals, status_history) are JSON in one cell, repeated on each row. Numbers and
# flags stay the cell's text: the rules read "12" and "true" as the API reads 12 and true
# (ASCII digits only, as strict_int).
ADDRESS_COLUMNS = {"address_1": "address_1", "address_2": "address_2",
                   "address_city": "city", "address_state": "state",
                   "address_postcode": "postcode", "address_country": "country"}
JSON_COLUMNS = ["order_totals", "status_history"]
ORDER_COLUMNS = [
    "external_id", "customer_id", "location_id", "first_name", "last_name", "email",
    "telephone", "comment", "order_type", "order_date", "order_time", "payment",
    "processed", "notify", "currency", "invoice_prefix", "invoice_date", "status_id",
    "status_comment", "status_updated_at", "assignee_id", "assignee_group_id",
    "assignee_updated_at", "address_id", *ADDRESS_COLUMNS, "ip_address", "user_agent",
    "hash", "created_at", "order_total", "order_totals", "status_history",
]
# Menu line columns -> the keys of an `order_menus` item.
LINE_COLUMNS = {"menu_id": "id", "name": "name", "qty": "qty", "price": "price",
                "subtotal": "subtotal", "menu_comment": "comment", "options": "options"}
EXPORT_PREFIX = "restaurant-"


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def money(value) -> str | None:
    return str(value) if value is not None else None


class Unchecked(NamedTuple):
    """A record the rules refuse, kept by its external id until the batch knows whether
    that order was imported before: then it is left as it is, as any order imported
    before (an export of an order the API could not have made, fed back in); else it is
    rejected with these errors."""

    external_id: str
    errors: tuple[tuple[str, str], ...]


class RestaurantOrderImporter(OrderImporter):
    domain = "restaurant"
    model = Order
    export_prefix = EXPORT_PREFIX
    csv_key = "external_id"
    csv_columns = [*ORDER_COLUMNS, *LINE_COLUMNS]

    def record_key(self, record: dict) -> str:
        if record.get("external_id"):
            return str(record["external_id"])
        return f"email={record.get('email')}" if record.get("email") else ""

    def order_lines(self, record: dict) -> int:
        menus = record.get("order_menus")
        return len(menus) if isinstance(menus, list) else 1

    # --- import: the framework's template -----------------------------------------

    def order_input(self, record: dict) -> inputs.OrderInput | Unchecked:
        try:
            return inputs.order_import_input(record)
        except InputErrors as exc:
            external_id = record.get("external_id")
            if type(external_id) is not str or not external_id or text_problem(external_id):
                raise
            return Unchecked(external_id, tuple(exc.pairs()))

    def order_key(self, prepared) -> tuple | None:
        # (an OrderInput, the OrderRows made of it, or an Unchecked record)
        return (prepared.external_id,) if prepared.external_id else None

    def prepare_batch(self, items: list[SourceItem]) -> None:
        """Before the batch's transaction (on PostgreSQL while the previous batch is
        written): parse each record (`order_input`), resolve the batch's catalog
        references (one query per kind: customers, locations, menus, ...) and make each
        new order's rows. What depends on earlier batches (which orders exist, which
        hashes are taken) is `resolve`'s, in the transaction."""
        super().prepare_batch(items)
        parsed = [item for item in items
                  if isinstance(item.prepared, inputs.OrderInput) and not item.errors]
        results = selectors.references_resolve([item.prepared for item in parsed],
                                               hashes=False)
        now = timezone.now()
        for item, result in zip(parsed, results, strict=True):
            if isinstance(result, InputErrors):
                if item.prepared.external_id:  # unless imported before: see resolve
                    item.prepared = Unchecked(item.prepared.external_id, tuple(result.pairs()))
                else:
                    for name, message in result.pairs():
                        item.reject(name, message)
            else:
                item.prepared = services.order_rows_made(result, now=now)

    def resolve(self, items: list[SourceItem]) -> None:
        """In the batch's transaction, for its new orders (one imported before is left as
        it is, whatever its record says now, its hash its own): a record the rules
        refused is rejected now, and so is an order bringing a hash another order has."""
        new = []
        for item in items:
            if isinstance(item.prepared, Unchecked):
                for name, message in item.prepared.errors:
                    item.reject(name, message)
            else:
                new.append(item)
        given = [item.prepared.hash for item in new]
        taken = selectors.orders_with_hashes(given)
        lines: dict[str, int] = {}  # two new orders of one batch with one hash
        for item, order_hash in zip(new, given, strict=True):
            if order_hash in taken:
                item.reject("hash", f"The hash {order_hash!r} is the hash of order "
                                    f"#{taken[order_hash]}.")
            elif order_hash in lines:
                item.reject("hash", f"The hash {order_hash!r} is the hash of the order on "
                                    f"line {lines[order_hash]} too.")
            else:
                lines[order_hash] = item.line

    def orders_write(self, items: list[SourceItem], *, actor=None) -> None:
        services.orders_write([item.prepared for item in items], actor=actor, via="import")

    def csv_record(self, rows: list[dict[str, str]]) -> dict:
        first = rows[0]
        errors: dict[str, list[str]] = {}
        record: dict[str, Any] = {}
        for name in ORDER_COLUMNS:
            value = first.get(name)
            if value in (None, "") or name in ADDRESS_COLUMNS:
                continue
            record[name] = csv_json(value, name, errors) if name in JSON_COLUMNS else value
        address = {key: first[name] for name, key in ADDRESS_COLUMNS.items()
                   if first.get(name)}
        if address:
            record["address"] = address
        record["order_menus"] = []
        for index, row in enumerate(rows):
            line: dict[str, Any] = {}
            for name, key in LINE_COLUMNS.items():
                value = row.get(name)
                if value in (None, ""):
                    continue
                line[key] = (csv_json(value, f"order_menus[{index}].options", errors)
                             if key == "options" else value)
            record["order_menus"].append(line)
        if errors:
            raise ValidationError(errors)
        return record

    # --- export -------------------------------------------------------------------

    def export_records(self, filters: dict[str, Any]) -> Iterator[dict]:
        orders = (Order.objects.select_related("address")
                  .prefetch_related("order_menus", "order_totals", "status_history")
                  .order_by("id"))
        status = str(filters.get("status") or "")  # a status id or name
        orders = self.filter_exported(
            orders, filters,
            state_field=("status_id" if status.isascii() and status.isdigit()
                         else "status__name__iexact"))
        for order in orders.iterator(chunk_size=500):
            yield order_record(order)

    def csv_rows(self, record: dict) -> list[dict]:
        order: dict[str, Any] = {}
        for name in ORDER_COLUMNS:
            value = record.get(name)
            if name in ADDRESS_COLUMNS:
                value = (record.get("address") or {}).get(ADDRESS_COLUMNS[name])
            elif name in JSON_COLUMNS and value is not None:
                value = json.dumps(value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            order[name] = "" if value is None else value
        rows = []
        for line in record["order_menus"]:
            row = dict(order)
            for name, key in LINE_COLUMNS.items():
                value = line.get(key)
                row[name] = json.dumps(value) if key == "options" else (
                    "" if value is None else value)
            rows.append(row)
        return rows


def order_record(order: Order) -> dict:
    """An order as the record `import_orders` reads back into the same order."""
    address = order.address
    record = {
        "external_id": order.external_id or f"{EXPORT_PREFIX}{order.pk}",
        "customer_id": order.customer_id,
        "location_id": order.location_id,
        "first_name": order.first_name,
        "last_name": order.last_name,
        "email": order.email,
        "telephone": order.telephone or None,
        "comment": order.comment or None,
        "order_type": order.order_type,
        "order_date": order.order_date.isoformat(),
        "order_time": order.order_time.isoformat(),
        "payment": order.payment_method_id,
        "processed": order.processed,
        "notify": order.notify,
        "currency": order.currency,
        "invoice_prefix": order.invoice_prefix or None,
        "invoice_date": iso(order.invoice_date),
        "status_id": order.status_id,
        "status_updated_at": iso(order.status_updated_at),
        "assignee_id": order.assignee_id,
        "assignee_group_id": order.assignee_group_id,
        "assignee_updated_at": iso(order.assignee_updated_at),
        "address": {key: getattr(address, key) for key in ADDRESS_COLUMNS.values()
                    if getattr(address, key)} if address else None,
        "ip_address": order.ip_address,
        "user_agent": order.user_agent or None,
        "hash": order.hash,
        "created_at": iso(order.created_at),
        "order_menus": [
            {"id": line.menu_id, "name": line.name, "qty": line.qty,
             "price": money(line.price), "subtotal": money(line.subtotal),
             "comment": line.comment, "options": line.options}
            for line in order.order_menus.all()
        ],
        "order_totals": [
            {"code": total.code, "title": total.title, "value": money(total.value),
             "priority": total.priority}
            for total in order.order_totals.all()
        ],
        "order_total": money(order.order_total),
        "status_history": [
            {"status_id": entry.status_id, "staff_id": entry.staff_id,
             "comment": entry.comment, "notify": entry.notify,
             "created_at": iso(entry.created_at)}
            for entry in order.status_history.all()
        ],
    }
    for entry in record["status_history"]:
        if entry["staff_id"] is None:
            del entry["staff_id"]
    return {k: v for k, v in record.items() if v is not None}


def csv_json(value: str, name: str, errors: dict) -> Any:
    try:
        return json.loads(value)
    except (ValueError, RecursionError) as exc:
        errors.setdefault(name, []).append(f"The {name} cell must be JSON, got {value!r} "
                                           f"({exc}).")
        return None


order_importer = RestaurantOrderImporter()


# --- catalog ---------------------------------------------------------------------------


class MenuCatalogSerializer(serializers.Serializer):
    """A menu row: `id` is the key (the id the API's `order_menus` refer to). An empty or
    null `description` or `is_active` (a blank CSV cell) keeps the menu's value."""

    KEPT_WHEN_EMPTY = ("description", "is_active")

    id = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=255)
    price = serializers.DecimalField(max_digits=15, decimal_places=4, min_value=0)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = {name: value for name, value in data.items()
                    if not (name in self.KEPT_WHEN_EMPTY and value in (None, ""))}
        return super().to_internal_value(data)


class RestaurantCatalogImporter(CatalogImporter):
    """Menus upserted by id, with name and price (description and is_active optional)."""

    domain = "restaurant"
    noun = "menus"
    key_field = "id"
    csv_columns = ["id", "name", "price", "description", "is_active"]
    serializer_class = MenuCatalogSerializer

    def record_key(self, record: dict) -> str:
        return f"id={record['id']}" if record.get("id") not in (None, "") else ""

    def upsert(self, **values):
        return services.menu_upsert(**values)


catalog_importer = RestaurantCatalogImporter()
