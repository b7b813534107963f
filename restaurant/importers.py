"""Restaurant orders and menus for import_orders / export_orders / import_catalog.

A record is the API's create body (the seed's plain-JSON payload), validated by the API's
own `services.order_create_validate` as for a staff caller, so `customer_id` is taken
from the record; plus an optional `external_id` (the re-run key) and what an export keeps
of an order's life (`services.IMPORT_FIELDS`: `created_at`, `status_updated_at`,
`assignee_updated_at`, `hash`, `status_history`). Each order is written by the one create
service, with its event via "import".
"""

import json
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework import serializers

from orders.imports import (
    CatalogImporter,
    OrderImporter,
    Outcome,
    SourceItem,
    errors_from_validation,
    external_ids_imported,
)
from orders.inputs import InputError, strict_int
from restaurant import services
from restaurant.models import Order

# CSV: one row per order menu line; the order's columns repeated on each of its rows.
# The address object is flattened into ADDRESS_COLUMNS; lists the order holds
# (order_totals, status_history) are JSON in one cell, repeated on each row.
ADDRESS_COLUMNS = {"address_1": "address_1", "address_2": "address_2",
                   "address_city": "city", "address_state": "state",
                   "address_postcode": "postcode", "address_country": "country"}
INT_COLUMNS = ["customer_id", "location_id", "status_id", "assignee_id",
               "assignee_group_id", "address_id"]
BOOL_COLUMNS = ["processed", "notify"]
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


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def money(value) -> str | None:
    return str(value) if value is not None else None


class RestaurantOrderImporter(OrderImporter):
    domain = "restaurant"
    csv_key = "external_id"
    csv_columns = [*ORDER_COLUMNS, *LINE_COLUMNS]

    def record_key(self, record: dict) -> str:
        if record.get("external_id"):
            return str(record["external_id"])
        return f"email={record.get('email')}" if record.get("email") else ""

    def order_lines(self, record: dict) -> int:
        menus = record.get("order_menus")
        return len(menus) if isinstance(menus, list) else 1

    # --- import -------------------------------------------------------------------

    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        imported = external_ids_imported(Order, [item.record for item in items],
                                         EXPORT_PREFIX)
        for item in items:
            external_id = item.record.get("external_id")
            if isinstance(external_id, str) and external_id in imported:
                # Imported before (or earlier in this file), or our own order as export
                # wrote it: nothing to write, nothing to validate (its hash is its own).
                item.outcome = Outcome.UNCHANGED
                continue
            try:
                cleaned, extra = services.order_import_validate(item.record)
            except ValidationError as exc:
                for name, message in errors_from_validation(exc):
                    item.reject(name, message)
                continue
            try:
                with transaction.atomic():
                    services.order_create_cleaned(cleaned=cleaned, actor=actor, via="import",
                                                  **extra)
            except IntegrityError as exc:  # e.g. a hash taken by a concurrent writer
                item.reject("order", f"could not be written: {exc}")
                continue
            if cleaned["external_id"]:
                imported.add(cleaned["external_id"])
            item.outcome = Outcome.CREATED

    def csv_record(self, rows: list[dict[str, str]]) -> dict:
        first = rows[0]
        errors = services.Errors()
        record: dict[str, Any] = {}
        for name in ORDER_COLUMNS:
            value = first.get(name)
            if value in (None, "") or name in ADDRESS_COLUMNS:
                continue
            if name in INT_COLUMNS:
                value = csv_int(value)
            elif name in BOOL_COLUMNS:
                value = csv_bool(value)
            elif name in JSON_COLUMNS:
                value = csv_json(value, name, errors)
            record[name] = value
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
                if key in ("id", "qty"):
                    value = csv_int(value)
                elif key == "options":
                    value = csv_json(value, f"order_menus[{index}].options", errors)
                line[key] = value
            record["order_menus"].append(line)
        errors.raise_if_any()
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


def csv_int(value: str):
    """A CSV cell as an int where it is one (ASCII digits, orders.inputs.strict_int);
    otherwise as given, for validation to name."""
    try:
        return strict_int(value, maximum=None)
    except InputError:
        return value


def csv_bool(value: str):
    return {"true": True, "false": False, "1": True, "0": False}.get(value.strip().lower(),
                                                                     value)


def csv_json(value: str, name: str, errors) -> Any:
    try:
        return json.loads(value)
    except (ValueError, RecursionError) as exc:
        errors.add(name, f"The {name} cell must be JSON, got {value!r} ({exc}).")
        return None


EXPORT_PREFIX = "restaurant-"
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
