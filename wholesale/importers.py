"""Wholesale orders for import_orders / export_orders, at database speed.

Validation and pricing are the API's own functions (`services.order_body_validate`,
`pricing.line_figures`), so a file is accepted and rejected exactly as the API would
accept and reject the same bodies. What differs is the writing: a batch's new orders are
written set-based (PostgreSQL: one COPY each into orders, lines and history; SQLite:
bulk_create), with one block of order numbers. Orders that already exist (same account
and `customer_order_no`, the API's create-or-update key) follow the API's rule one by one
through the services: unchanged, replaced while OPEN, or refused.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from orders.db import in_values
from orders.imports import (
    CatalogImporter,
    OrderImporter,
    Outcome,
    SourceItem,
    errors_from_validation,
)
from orders.lifecycle import TransitionRefused
from orders.models import OrderEvent
from wholesale import selectors, services
from wholesale.models import Product, TradeAccount, WholesaleOrder, WholesaleOrderLine
from wholesale.pricing import line_figures, order_totals

State = WholesaleOrder.State
STATES = frozenset(State.values)

# What a record carries beside the API body: its owner (the API takes it from the token),
# its key in the source system, and what an export keeps of the order's life.
OWNER_FIELDS = ["account", "created_by", "external_id"]
HISTORY_FIELDS = ["order_state", "carriage_tba", "created_at"]
ORDER_FIELDS = ["customer_order_no", "order_type", "delivery_method",
                *services.BODY_TEXT_FIELDS]
CSV_ORDER_COLUMNS = ["customer_order_no", *OWNER_FIELDS, *ORDER_FIELDS[1:], *HISTORY_FIELDS]


class NewOrder:
    """A validated order to be written by the batch's set-based insert."""

    __slots__ = ("item", "account_id", "fields", "lines", "state", "carriage_tba",
                 "created_at", "created_by_id", "external_id")

    def __init__(self, item, account_id, fields, lines, extra):
        self.item = item
        self.account_id = account_id
        self.fields = fields
        self.lines = lines
        self.state = extra["order_state"]
        self.carriage_tba = extra["carriage_tba"]
        self.created_at = extra["created_at"]
        self.created_by_id = extra["created_by_id"]
        self.external_id = extra["external_id"]


class WholesaleOrderImporter(OrderImporter):
    domain = "wholesale"
    csv_key = "customer_order_no"
    csv_columns = [*CSV_ORDER_COLUMNS, "product_code", "quantity"]

    def record_key(self, record: dict) -> str:
        key = record.get("customer_order_no")
        account = record.get("account")
        return f"{account}/{key}" if key is not None else str(record.get("external_id") or "")

    def order_lines(self, record: dict) -> int:
        products = record.get("products")
        return len(products) if isinstance(products, list) else 1

    def csv_record(self, rows: list[dict[str, str]]) -> dict:
        first = rows[0]
        record: dict[str, Any] = {name: first.get(name) or None for name in CSV_ORDER_COLUMNS}
        record["account"] = csv_int(first.get("account"))
        record["carriage_tba"] = csv_bool(first.get("carriage_tba"))
        record["products"] = [
            {"product_code": row.get("product_code") or None,
             "quantity": csv_int(row.get("quantity"))}
            for row in rows
        ]
        return {k: v for k, v in record.items() if v is not None}

    # --- import -------------------------------------------------------------------

    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        records = [item.record for item in items]
        accounts = set(
            TradeAccount.objects.filter(
                pk__in={r["account"] for r in records if type(r.get("account")) is int}
            ).values_list("pk", flat=True)
        )  # a few accounts: a plain IN
        users = dict(
            get_user_model().objects.filter(
                email__in={r["created_by"] for r in records
                           if isinstance(r.get("created_by"), str)}
            ).values_list("email", "pk")
        )
        products = selectors.products_by_code(
            code for r in records for code in services.order_body_product_codes(r))
        keys = {(r.get("account"), r.get("customer_order_no")) for r in records}
        existing = {
            (account_id, number)
            for account_id, number in WholesaleOrder.objects.filter(
                account_id__in={a for a, _ in keys if type(a) is int},
                customer_order_no__in=in_values(
                    {n.strip() for _, n in keys if isinstance(n, str)}),
            ).values_list("account_id", "customer_order_no")
        }
        external_ids = {r["external_id"] for r in records if isinstance(r.get("external_id"), str)}
        taken_external_ids = dict(
            WholesaleOrder.objects.filter(external_id__in=in_values(external_ids))
            .values_list("external_id", "customer_order_no")
        )

        new_orders: list[NewOrder] = []
        revisits: list[tuple[SourceItem, int, dict, dict]] = []
        seen: set[tuple[int, str]] = set()
        for item in items:
            parsed = self.validate(item, accounts, users, products)
            if parsed is None:
                continue
            account_id, cleaned, extra = parsed
            key = (account_id, cleaned["customer_order_no"])
            if key in existing or key in seen:
                revisits.append((item, account_id, cleaned, extra))
                continue
            if extra["external_id"] in taken_external_ids:
                item.reject("external_id", f"{extra['external_id']!r} is the external id of "
                            f"order {taken_external_ids[extra['external_id']]!r}.")
                continue
            seen.add(key)
            if extra["external_id"]:
                taken_external_ids[extra["external_id"]] = cleaned["customer_order_no"]
            lines = cleaned.pop("lines")
            new_orders.append(NewOrder(item, account_id, cleaned, lines, extra))

        if new_orders:
            write_new_orders(new_orders, actor=actor)
            for order in new_orders:
                order.item.outcome = Outcome.CREATED
        for item, account_id, cleaned, extra in revisits:
            self.revisit(item, account_id, cleaned, extra, actor=actor)

    def validate(self, item: SourceItem, accounts, users, products):
        """The API's validation of the body, plus the record's owner and history fields."""
        record = item.record
        body = {k: v for k, v in record.items() if k not in OWNER_FIELDS + HISTORY_FIELDS}
        try:
            cleaned = services.order_body_validate(body, products)
        except ValidationError as exc:
            for name, message in errors_from_validation(exc):
                item.reject(name, message)
        account_id = record.get("account")
        if account_id is None:
            item.reject("account", "This field is required (the trade account's id).")
        elif type(account_id) is not int or account_id not in accounts:
            item.reject("account", f"No trade account with id {account_id!r}.")
        extra = {"order_state": record.get("order_state") or State.OPEN,
                 "carriage_tba": record.get("carriage_tba", False),
                 "created_at": timezone.now(), "created_by_id": None,
                 "external_id": record.get("external_id")}
        if extra["order_state"] not in STATES:
            item.reject("order_state", f"{extra['order_state']!r} is not one of: "
                                       f"{', '.join(State.values)}.")
        if type(extra["carriage_tba"]) is not bool:
            item.reject("carriage_tba", f"Must be true or false, got {extra['carriage_tba']!r}.")
        if record.get("created_at") is not None:
            extra["created_at"] = parse_time(record["created_at"])
            if extra["created_at"] is None:
                item.reject("created_at", f"Not a date and time: {record['created_at']!r}.")
        if record.get("created_by") is not None:
            extra["created_by_id"] = users.get(record["created_by"])
            if extra["created_by_id"] is None:
                item.reject("created_by", f"No user with email {record['created_by']!r}.")
        external_id = extra["external_id"]
        if external_id is not None and (not isinstance(external_id, str) or not external_id
                                        or len(external_id) > 100):
            item.reject("external_id", "Must be a string of 1 to 100 characters.")
        if item.errors:
            return None
        return account_id, cleaned, extra

    def revisit(self, item: SourceItem, account_id: int, cleaned: dict, extra: dict, *,
                actor=None) -> None:
        """An order that exists: the API's create-or-update rule, one order at a time."""
        order = services.order_locked_by_customer_order_no(
            TradeAccount(pk=account_id), cleaned["customer_order_no"])
        lines = cleaned.pop("lines")
        if order_matches(order, cleaned, lines, extra):
            item.outcome = Outcome.UNCHANGED
            return
        if extra["order_state"] != order.order_state:
            item.reject("order_state", f"order {order.customer_order_no!r} is "
                        f"{order.order_state}; an import does not change an order's state.")
            return
        try:
            services.order_replace(order=order, fields={**cleaned,
                                                        "carriage_tba": extra["carriage_tba"]},
                                   lines=lines, actor=actor, via="import")
        except TransitionRefused as exc:
            item.reject("customer_order_no", exc.reason)
            return
        item.outcome = Outcome.UPDATED

    # --- export -------------------------------------------------------------------

    def export_records(self, filters: dict[str, Any]) -> Iterator[dict]:
        orders = (WholesaleOrder.objects.select_related("created_by")
                  .prefetch_related("lines").order_by("id"))
        orders = self.filter_exported(orders, filters, state_field="order_state")
        for order in orders.iterator(chunk_size=2000):
            record = {
                "external_id": order.external_id or f"wholesale-{order.pk}",
                "account": order.account_id,
                "created_by": order.created_by.email if order.created_by else None,
                **{name: getattr(order, name) or None for name in ORDER_FIELDS},
                "carriage_tba": order.carriage_tba,
                "order_state": order.order_state,
                "created_at": order.created_at.isoformat(),
                "products": [{"product_code": line.product_code, "quantity": line.quantity}
                             for line in sorted(order.lines.all(),
                                                key=lambda line: (line.position, line.pk))],
            }
            yield {k: v for k, v in record.items() if v is not None}

    def csv_rows(self, record: dict) -> list[dict]:
        order = {name: record.get(name, "") for name in CSV_ORDER_COLUMNS}
        return [{**order, **product} for product in record["products"]]


def order_matches(order: WholesaleOrder, fields: dict, lines: list, extra: dict) -> bool:
    """Whether an existing order already is what the record says (a re-run)."""
    if any(getattr(order, name) != value for name, value in fields.items()):
        return False
    if (order.carriage_tba, order.order_state) != (extra["carriage_tba"], extra["order_state"]):
        return False
    current = list(order.lines.order_by("position", "id").values_list("product_id", "quantity"))
    return current == [(line.product.pk, line.quantity) for line in lines]


def write_new_orders(new_orders: list[NewOrder], *, actor=None) -> None:
    """Insert the orders, their lines and one history event each, set-based."""
    numbers = services.order_numbers_allocate(len(new_orders))
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    priced = [[PRICED_LINES.get(line.product, line.quantity) for line in order.lines]
              for order in new_orders]
    order_rows = []
    for order, number, lines in zip(new_orders, numbers, priced, strict=True):
        totals = order_totals(figures for figures, _ in lines)
        order_rows.append((
            order.account_id, number, order.fields["customer_order_no"], order.state,
            order.fields["order_type"], order.fields["delivery_method"],
            *(order.fields[name] for name in services.BODY_TEXT_FIELDS),
            order.carriage_tba, totals.total_price, totals.total_vat, totals.total_weight,
            order.created_at, order.created_by_id, now,
            now if order.state == State.PLACED else None,
            now if order.state == State.CANCELLED else None,
            order.external_id,
        ))
    order_ids = new_order_ids(len(order_rows))
    content_type_id = ContentType.objects.get_for_model(WholesaleOrder).pk
    event_rows = [
        (content_type_id, order_id, "create", "", order.state, actor_id, OrderEvent.Via.IMPORT,
         f"{len(order.lines)} line(s)", now)
        for order, order_id in zip(new_orders, order_ids, strict=True)
    ]
    if connection.vendor == "postgresql":
        line_text = [
            f"{order_id}\t{position}\t{order.lines[position].quantity}\t{text}\n"
            for order, order_id, lines in zip(new_orders, order_ids, priced, strict=True)
            for position, (_, text) in enumerate(lines)
        ]
        copy_into(WholesaleOrder, ["id", *ORDER_COLUMNS], [
            copy_row((order_id, *row)) for order_id, row in zip(order_ids, order_rows,
                                                                strict=True)])
        copy_into(WholesaleOrderLine, LINE_COLUMNS, line_text)
        copy_into(OrderEvent, EVENT_COLUMNS, [copy_row(row) for row in event_rows])
        return
    WholesaleOrder.objects.bulk_create(
        WholesaleOrder(id=order_id, **dict(zip(ORDER_COLUMNS, row, strict=True)))
        for order_id, row in zip(order_ids, order_rows, strict=True))
    WholesaleOrderLine.objects.bulk_create(
        services.order_line_build(order=WholesaleOrder(pk=order_id), product=line.product,
                                  quantity=line.quantity, position=position)
        for order, order_id in zip(new_orders, order_ids, strict=True)
        for position, line in enumerate(order.lines))
    OrderEvent.objects.bulk_create(
        OrderEvent(**dict(zip(EVENT_COLUMNS, row, strict=True))) for row in event_rows)


class PricedLines:
    """`pricing.line_figures` of a product and quantity, with the line's COPY text.

    An import repeats the same product and quantity many times and the figures depend on
    nothing else, so each is priced once per run. The key is the product's snapshot text,
    which holds every figure the price depends on (and a str caches its hash).
    """

    MAX_ENTRIES = 50_000

    def __init__(self):
        self.lines: dict[tuple[str, int], tuple] = {}

    def get(self, product: Product, quantity: int):
        snapshot = product.__dict__.get("copy_snapshot")
        if snapshot is None:  # once per product object (a batch fetches each product once)
            snapshot = product.__dict__["copy_snapshot"] = copy_row((
                product.pk, product.product_code, product.type, product.description,
                product.vat_code, product.vat_rate, product.unit_price, product.unit_weight,
            ), end="")
        key = (snapshot, quantity)
        priced = self.lines.get(key)
        if priced is None:
            if len(self.lines) >= self.MAX_ENTRIES:  # memory stays flat whatever the file
                self.lines.clear()
            figures = line_figures(unit_price=product.unit_price, vat_rate=product.vat_rate,
                                   unit_weight=product.unit_weight, quantity=quantity)
            text = f"{snapshot}\t{figures.line_price}\t{figures.vat}\t{figures.line_weight}"
            priced = self.lines[key] = (figures, text)
        return priced


PRICED_LINES = PricedLines()

ORDER_COLUMNS = [
    "account_id", "order_number", "customer_order_no", "order_state", "order_type",
    "delivery_method", *services.BODY_TEXT_FIELDS, "carriage_tba", "total_price",
    "total_vat", "total_weight", "created_at", "created_by_id", "updated_at", "placed_at",
    "deleted_at", "external_id",
]
# In the order PricedLines writes them, after order_id, position and quantity.
LINE_COLUMNS = [
    "order_id", "position", "quantity", "product_id", "product_code", "product_type",
    "description", "vat_code", "vat_rate", "unit_price", "unit_weight", "line_price", "vat",
    "line_weight",
]
EVENT_COLUMNS = ["content_type_id", "object_id", "action", "from_state", "to_state",
                 "actor_id", "via", "note", "created_at"]
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_row(values, end: str = "\n") -> str:
    """One row in COPY's text format."""
    return "\t".join(
        "\\N" if v is None else ("t" if v else "f") if v is True or v is False
        else v.translate(COPY_ESCAPES) if type(v) is str
        else v.isoformat() if isinstance(v, datetime) else str(v)
        for v in values
    ) + end


def new_order_ids(count: int) -> list[int]:
    """Ids for new orders. PostgreSQL: drawn from the table's sequence in one statement,
    so lines and events can be written by COPY. Elsewhere: bulk_create assigns them, so
    take the next ones under the write lock SQLite holds for the transaction."""
    table = WholesaleOrder._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                           "FROM generate_series(1, %s)", [table, count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


def copy_into(model, columns: list[str], lines: list[str]) -> None:
    """PostgreSQL COPY of ready-made text rows into the model's table."""
    quote = connection.ops.quote_name
    # (wrap_database_errors: psycopg's errors surface as Django's, e.g. IntegrityError)
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    ) as copy:
        for start in range(0, len(lines), 5000):
            copy.write("".join(lines[start:start + 5000]))


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value.replace(" ", "T", 1))
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)  # a time without a zone is UTC
    return parsed


def csv_int(value: str | None):
    """A CSV cell as an int where it is one; otherwise as given, for validation to name."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return value


def csv_bool(value: str | None):
    if value is None or value == "":
        return None
    return {"true": True, "false": False, "1": True, "0": False}.get(value.strip().lower(),
                                                                     value)


# --- catalog ---------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(max_length=50)

    class Meta:
        model = Product
        fields = ["product_code", "type", "description", "vat_code", "unit_price",
                  "unit_weight", "is_active"]


class WholesaleCatalogImporter(CatalogImporter):
    """Products upserted by product_code."""

    domain = "wholesale"
    noun = "products"
    key_field = "product_code"
    csv_columns = ProductSerializer.Meta.fields
    serializer_class = ProductSerializer

    def upsert(self, **values):
        return services.product_upsert(**values)


order_importer = WholesaleOrderImporter()
catalog_importer = WholesaleCatalogImporter()
