"""Marketplace orders and records for import_orders / export_orders / import_catalog.

An order record is the API's create body (flat fields or the nested `*_info` lists),
validated by the same `order_create_validate` the API calls, plus what the API takes
from the token and the path (`customer_id`, `merchant_id`, `record_id`), an optional
`external_id`, and what an export carries so that an import gives the same order back:
`_id`, `status`, `__v` and `created_date`. The merchant_info snapshot is taken from the
merchant, as on create.
"""

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.dateparse import parse_datetime

from marketplace import services
from marketplace.api.serializers import CreatedDateField
from marketplace.models import (
    PUBLIC_ID_LENGTH,
    MarketplaceCustomer,
    MarketplaceOrder,
    Merchant,
    Record,
)
from orders.imports import Importer, OrderImporter, Outcome, SourceItem, errors_from_validation
from orders.inputs import InputError, bounded_datetime, short_repr, text_problem

Status = MarketplaceOrder.Status
PUBLIC_ID = re.compile(rf"[0-9a-f]{{{PUBLIC_ID_LENGTH}}}")
# `__v` as text (a CSV cell): ASCII digits only (str.isdigit() takes "²", which int() refuses)
WHOLE_NUMBER = re.compile(r"\s*[0-9]+\s*")
# Keys of an import record that are not the API's create body.
ORDER_IMPORT_KEYS = ("external_id", "customer_id", "status", "__v")
CSV_ORDER_COLUMNS = ["external_id", "_id", "customer_id", "merchant_id", "record_id",
                     "status", "created_date", "__v", *services.ADDRESS_FIELDS, "comments"]
EXTERNAL_ID_MAX = MarketplaceOrder._meta.get_field("external_id").max_length
api_created_date = CreatedDateField().to_representation


def created_date_text(value: datetime) -> str:
    """The API's "2019-02-12T02:16:49.482Z"; with microseconds when the time has them
    (API-created orders do), so that an export reads back the same time."""
    if value.microsecond % 1000 == 0:
        return api_created_date(value)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def public_ids(record: dict, names: tuple[str, ...], errors: dict[str, list[str]], *,
               optional: tuple[str, ...] = ()) -> dict[str, str]:
    """The 24-hex public ids a record names (customer, merchant, record, its own `_id`)."""
    ids = {}
    for name in names:
        value = record.get(name)
        if value in (None, ""):
            if name not in optional:
                errors.setdefault(name, []).append("This field is required.")
        elif not isinstance(value, str) or not PUBLIC_ID.fullmatch(value):
            errors.setdefault(name, []).append(
                f"Must be {PUBLIC_ID_LENGTH} lowercase hex characters, got {value!r}.")
        else:
            ids[name] = value
    return ids


def whole_number(value: Any) -> int | None:
    """An int, or a text of ASCII digits (a CSV cell) as one; else None. A text of more
    than 20 digits counts as its first 20 (int() refuses texts of over 4300 digits): a
    number that size is beyond any column either way."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value):
        return int(value.strip().lstrip("0")[:20] or "0")
    return None


def import_fields(record: dict, errors: dict[str, list[str]]) -> dict[str, Any]:
    """external_id, status, version and created_at of an import record."""
    cleaned: dict[str, Any] = {"external_id": None, "status": Status.IN_PROGRESS,
                               "version": 0, "created_at": None}
    external_id = record.get("external_id")
    if external_id not in (None, ""):
        if not isinstance(external_id, str | int) or isinstance(external_id, bool):
            errors["external_id"] = [f"Must be a string, got {external_id!r}."]
        elif isinstance(external_id, str) and (problem := text_problem(external_id)):
            errors["external_id"] = [problem]
        elif len(str(external_id)) > EXTERNAL_ID_MAX:
            errors["external_id"] = [f"At most {EXTERNAL_ID_MAX} characters."]
        else:
            cleaned["external_id"] = str(external_id)
    status = record.get("status")
    if status not in (None, ""):
        if status in Status.values:
            cleaned["status"] = status
        else:
            errors["status"] = [f"{status!r} is not one of: {', '.join(Status.values)}."]
    version = record.get("__v")
    if version not in (None, ""):
        number = whole_number(version)
        if number is None or number < 0:
            errors["__v"] = [f"Must be a whole number, got {version!r}."]
        elif number > services.MAX_VERSION:  # as the API's update answers
            errors["__v"] = [f"At most {services.MAX_VERSION}, got {str(version).strip()}."]
        else:
            cleaned["version"] = number
    created = record.get("created_date")
    if created not in (None, ""):
        try:
            # Python's ISO parser would take a NUL for the date/time separator.
            parsed = parse_datetime(created) if isinstance(created, str) and (
                not text_problem(created)) else None
        except ValueError:  # well formed, not a real time: 2019-02-30
            parsed = None
        if parsed is None:
            errors["created_date"] = [
                f"Must be a time like 2019-02-12T02:16:49.482Z, got {short_repr(created)}."]
        else:
            try:  # within what the database gives back and the renderer takes
                cleaned["created_at"] = bounded_datetime(parsed, field="created_date")
            except InputError as exc:
                errors["created_date"] = [exc.message]
    return cleaned


class MarketplaceOrderImporter(OrderImporter):
    domain = "marketplace"
    csv_key = None  # one CSV row is one order (marketplace orders have no lines)
    csv_columns = CSV_ORDER_COLUMNS

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

    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        checked = []
        for item in items:
            errors: dict[str, list[str]] = {}
            ids = public_ids(item.record, ("customer_id", "merchant_id", "record_id", "_id"),
                             errors, optional=("_id",))
            extra = import_fields(item.record, errors)
            body = {k: v for k, v in item.record.items() if k not in ORDER_IMPORT_KEYS}
            try:
                fields = services.order_create_validate(body)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors.setdefault(name, []).extend(messages)
                fields = None
            if errors:
                for name, message in errors_from_validation(errors):
                    item.reject(name, message)
                continue
            checked.append((item, ids, extra, fields))

        # One query per kind for the whole batch, not one per order.
        def named(name):
            return {ids[name] for _, ids, _, _ in checked if name in ids}

        customers = MarketplaceCustomer.objects.in_bulk(named("customer_id"),
                                                        field_name="public_id")
        merchants = Merchant.objects.in_bulk(named("merchant_id"), field_name="public_id")
        records = Record.objects.filter(removed_at__isnull=True).in_bulk(
            named("record_id"), field_name="public_id")
        external_ids = {extra["external_id"] for _, _, extra, _ in checked
                        if extra["external_id"]}
        seen = set(MarketplaceOrder.objects.filter(external_id__in=external_ids)
                   .values_list("external_id", flat=True))
        seen_ids = set(MarketplaceOrder.objects.filter(public_id__in=named("_id"))
                       .values_list("public_id", flat=True))

        for item, ids, extra, fields in checked:
            if extra["external_id"] in seen or ids.get("_id") in seen_ids:
                # The same order, imported before (or earlier in this file).
                item.outcome = Outcome.UNCHANGED
                continue
            customer = customers.get(ids["customer_id"])
            merchant = merchants.get(ids["merchant_id"])
            record = records.get(ids["record_id"])
            if customer is None:
                item.reject("customer_id", f"No customer with id {ids['customer_id']}.")
            if merchant is None:
                item.reject("merchant_id", f"No merchant with id {ids['merchant_id']}.")
            elif record is None or record.merchant_id != merchant.pk:
                item.reject("record_id", f"No record with id {ids['record_id']} of merchant "
                                         f"{ids['merchant_id']}.")
            if item.errors:
                continue
            try:
                with transaction.atomic():
                    services.order_create(
                        customer=customer, record=record, fields=fields, actor=actor,
                        via="import", created_at=extra["created_at"],
                        external_id=extra["external_id"], public_id=ids.get("_id"),
                        status=extra["status"], version=extra["version"],
                    )
            except Http404 as exc:
                item.reject("record_id", str(exc))
                continue
            except IntegrityError as exc:
                item.reject("non_field_errors", f"Could not be written: {exc}")
                continue
            if extra["external_id"]:
                seen.add(extra["external_id"])
            if "_id" in ids:
                seen_ids.add(ids["_id"])
            item.outcome = Outcome.CREATED

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
                                   for name in services.SHIPPING_FIELDS}],
                "billing_info": [{name: getattr(order, name)
                                  for name in services.BILLING_FIELDS}],
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
    """Records upserted by their public id (`_id`) within their merchant."""

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
        # a row naming another is refused by public_ids() below.
        merchant_ids = {item.record.get("merchant_id") for item in items}
        merchants = Merchant.objects.in_bulk(
            {merchant_id for merchant_id in merchant_ids
             if isinstance(merchant_id, str) and PUBLIC_ID.fullmatch(merchant_id)},
            field_name="public_id")
        for item in items:
            errors: dict[str, list[str]] = {}
            ids = public_ids(item.record, ("_id", "merchant_id"), errors)
            try:
                fields = services.record_validate(item.record)
            except ValidationError as exc:
                errors.update(exc.message_dict)
                fields = None
            merchant = merchants.get(ids.get("merchant_id"))
            if "merchant_id" in ids and merchant is None:
                errors["merchant_id"] = [f"No merchant with id {ids['merchant_id']}."]
            if not errors:
                try:
                    with transaction.atomic():
                        _, outcome = services.record_upsert(
                            merchant=merchant, public_id=ids["_id"], fields=fields)
                except ValidationError as exc:
                    errors.update(exc.message_dict)
            if errors:
                for name, message in errors_from_validation(errors):
                    item.reject(name, message)
                continue
            item.outcome = Outcome(outcome)


catalog_importer = MarketplaceCatalogImporter()
