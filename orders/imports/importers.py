"""What a domain supplies to the framework: an OrderImporter or a CatalogImporter."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

from django.db.models import Q

from orders import db
from orders.imports.records import Outcome, SourceItem, errors_from_validation
from orders.inputs import BIGINT_MAX


class Importer(ABC):
    """What a domain imports: its orders (OrderImporter) or its catalog."""

    domain: str = ""
    noun: str = "orders"  # what a record is, in the summary
    csv_supported: bool = True
    csv_key: str | None = "external_id"  # rows with the same value form one record;
    #                                        None: every CSV row is a record of its own
    csv_columns: list[str] = []  # the columns it reads (and export_orders writes)

    def record_key(self, record: dict) -> str:
        """How a bad row is named in the report: its external id, else the domain's key."""
        return str(record.get("external_id") or "")

    def csv_record(self, rows: list[dict[str, str]]) -> dict:
        """The CSV rows of one record as the record JSON Lines would carry."""
        return dict(rows[0])

    def prepare_batch(self, items: list[SourceItem]) -> None:  # noqa: B027 - optional
        """Work on a batch before its transaction: it may read the catalog and reject
        items, but writes nothing and must not depend on what earlier batches wrote (it
        can run while they are being written). Results go in each `item.prepared`."""

    @abstractmethod
    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        """Validate and write a batch; set each item's outcome (and errors when rejected)."""

    def order_lines(self, record: dict) -> int:
        """How many order lines a record holds, for the rate shown to the operator."""
        return 1


class OrderImporter(Importer):
    """A domain's orders: import, and the export that writes what the import reads.

    The import of a batch is the framework's; a domain gives its hooks:

    - `order_input(record)`: the record as the domain's typed input, parsed by its
      `inputs` module exactly as its API parses a body (no database); raises InputErrors.
      Runs in `prepare_batch`, before the batch's transaction (on PostgreSQL while the
      previous batch is written), so what it returns must pickle.
    - `resolve(items)`: the references of the batch's new orders (customers, catalog
      items, ...), one query per kind, into each `item.prepared`; rejects an item whose
      reference is unknown (`item.reject(field, message)`).
    - `model`, `key_columns`, `order_key(prepared)`: how an order already imported is
      found (its external id, or the domain's own natural key); `keys_found` looks the
      batch's keys up in one query whatever the table's statistics.
    - `orders_write(items, actor=...)`: write the new orders set-based (orders, their
      lines, their events: `orders.imports.bulk`, `orders.events`).
    - `order_revisit(item, order_id, actor=...)`: an order that exists; by default the
      record is taken as imported before (unchanged).

    `export_prefix`: the external id `export_orders` writes for an order that has none
    (`<prefix><id>`), which names that order itself on re-import.
    """

    model = None
    key_columns: list[str] = ["external_id"]
    export_prefix: str = ""

    def order_input(self, record: dict) -> Any:
        raise NotImplementedError

    def resolve(self, items: list[SourceItem]) -> None:  # noqa: B027 - optional
        """Resolve the batch's references into `item.prepared`; reject what is unknown."""

    def order_key(self, prepared) -> tuple | None:
        """The order's key (values of `key_columns`), or None: an order without a key is
        always new."""
        external_id = getattr(prepared, "external_id", None)
        return (external_id,) if external_id else None

    def orders_write(self, items: list[SourceItem], *, actor=None) -> None:
        raise NotImplementedError

    def order_revisit(self, item: SourceItem, order_id, *, actor=None) -> None:
        item.outcome = Outcome.UNCHANGED

    def prepare_batch(self, items: list[SourceItem]) -> None:
        from orders.inputs import InputError, InputErrors

        for item in items:
            if item.record is None or item.errors:
                continue
            try:
                item.prepared = self.order_input(item.record)
            except (InputErrors, InputError) as exc:
                for name, message in errors_from_validation(exc):
                    item.reject(name, message)

    def orders_found(self, keys: set[tuple]) -> dict[tuple, Any]:
        """Of these keys, those of existing orders, with the orders' ids: found by
        `key_columns`, and by external id also our own orders named `<prefix><id>`."""
        found = db.keys_found(self.model, self.key_columns, keys)
        if self.key_columns == ["external_id"] and self.export_prefix:
            named = {key[0] for key in keys} - {key[0] for key in found}
            for external_id, order_id in own_orders_named(
                    self.model, named, self.export_prefix).items():
                found[(external_id,)] = order_id
        return found

    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        """Find which of the batch's orders exist, resolve the new ones' references, write
        them set-based, then revisit those that exist. An order twice in one batch: the
        second is a revisit of the first (or, when the first was rejected, new)."""
        unprepared = [item for item in items if item.prepared is None]
        if unprepared:  # (a caller that did not run prepare_batch)
            self.prepare_batch(unprepared)
        items = [item for item in items if item.prepared is not None and not item.errors]
        keys = [self.order_key(item.prepared) for item in items]
        found = self.orders_found({key for key in keys if key is not None})
        new, revisits, seen = [], [], set()
        for item, key in zip(items, keys, strict=True):
            if key is not None and (key in found or key in seen):
                revisits.append((item, key))
            else:
                new.append(item)
                if key is not None:
                    seen.add(key)
        self.resolve(new)  # (an order imported before needs no references resolved)
        new = [item for item in new if not item.errors]
        if new:
            self.orders_write(new, actor=actor)
            for item in new:
                if item.outcome is None and not item.errors:
                    item.outcome = Outcome.CREATED
        written = {key for item, key in zip(items, keys, strict=True)
                   if key is not None and item.outcome is Outcome.CREATED}
        first_rejected = [item for item, key in revisits
                          if key not in found and key not in written]
        if first_rejected:
            self.import_batch(first_rejected, actor=actor)
        missing = {key for item, key in revisits if key not in found and key in written}
        if missing:
            found.update(self.orders_found(missing))
        for item, key in revisits:
            if key in found:
                self.order_revisit(item, found[key], actor=actor)

    @staticmethod
    def filter_exported(orders, filters: dict[str, Any], *, state_field: str = "status"):
        """export_orders' --status, --created-after and --created-before on a queryset."""
        if filters.get("status"):
            orders = orders.filter(**{state_field: filters["status"]})
        if filters.get("created_after"):
            orders = orders.filter(created_at__gte=filters["created_after"])
        if filters.get("created_before"):
            orders = orders.filter(created_at__lt=filters["created_before"])
        return orders

    def export_records(self, filters: dict[str, Any]) -> Iterator[dict]:
        raise NotImplementedError

    def csv_rows(self, record: dict) -> list[dict]:
        """One exported record as its CSV rows (one per order line)."""
        raise NotImplementedError


class CatalogImporter(Importer):
    """A catalog upserted by its natural key, a CSV row or JSON line per item.

    Each record is validated by `serializer_class` (a DRF serializer) and written by
    `upsert(**validated_data)`, a domain service answering (item, "created" | "updated"
    | "unchanged").
    """

    csv_key = None
    key_field: str = ""
    serializer_class = None

    def record_key(self, record: dict) -> str:
        return str(record.get(self.key_field) or "")

    def upsert(self, **values) -> tuple[Any, str]:
        raise NotImplementedError

    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        for item in items:
            payload = self.serializer_class(data=item.record)
            if not payload.is_valid():
                for name, message in errors_from_validation(payload.errors):
                    item.reject(name, message)
                continue
            _, outcome = self.upsert(**payload.validated_data)
            item.outcome = Outcome(outcome)


def own_orders_named(model, external_ids: set[str], prefix: str) -> dict[str, int]:
    """Of these external ids, those naming one of our own orders, with its id:
    `<prefix><id>`, which export_orders writes for an order that has no external id, is
    order <id> itself when that order still has none. Only the exact form export writes
    counts (no leading zeros, an id a primary key can hold). One query."""
    ids = {}
    for external_id in external_ids:
        number = external_id.removeprefix(prefix)
        if (external_id.startswith(prefix) and number.isascii() and number.isdigit()
                and str(int(number)) == number and int(number) <= BIGINT_MAX):
            ids[int(number)] = external_id
    if not ids:
        return {}
    own = model.objects.filter(Q(external_id__isnull=True) | Q(external_id=""), pk__in=ids)
    return {ids[pk]: pk for pk in own.values_list("pk", flat=True)}
