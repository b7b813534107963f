"""Wholesale orders for import_orders / export_orders, at database speed.

A record is read by the API's own rules (`inputs.order_record_input`: the body as the API
validates it, plus the record's owner and history fields) and priced by the API's
functions (`pricing.line_figures`), so a file is accepted and rejected exactly as the API
would accept and reject the same bodies. The batch step looks up the accounts, users and
products a batch names, one query each. What differs is the writing: a batch's new
orders are written set-based by `services.orders_write` (PostgreSQL: one COPY each into
orders, lines and history; SQLite: bulk_create), with one block of order numbers; each
table's row is described once (services.ORDER_ROWS, services.LINE_ROWS,
orders.events.EVENT_ROWS), and the rows prepared here follow those descriptions' column
order. Orders that already exist (same
account and `customer_order_no`, the API's create-or-update key) follow the API's rule one
by one through the services: unchanged, replaced while OPEN, or refused.

`prepare_batch` (validation, pricing, the rows' COPY text) needs only the catalog, so on
PostgreSQL it runs while the previous batch is being written; `import_batch` finds which
orders exist (`orders.db.keys_found`: linear in the batch whatever the statistics) and
writes.
"""

from collections.abc import Iterator
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework import serializers

from orders import db
from orders.db import copy_fields
from orders.imports import (
    CatalogImporter,
    OrderImporter,
    Outcome,
    SourceItem,
    errors_from_validation,
)
from orders.imports.readers import csv_bool, csv_int
from orders.inputs import InputErrors
from orders.lifecycle import TransitionRefused
from wholesale import inputs, selectors, services
from wholesale.models import Product, TradeAccount, WholesaleOrder, WholesaleOrderLine
from wholesale.pricing import in_units, line_figures, order_totals_of_units

State = WholesaleOrder.State

# What a record carries beside the API body: its owner (the API takes it from the token),
# its key in the source system, and what an export keeps of the order's life.
OWNER_FIELDS = ["account", "created_by", "external_id"]
HISTORY_FIELDS = ["order_state", "carriage_tba", "created_at"]
ORDER_FIELDS = ["customer_order_no", "order_type", "delivery_method", *inputs.BODY_TEXT_FIELDS]
CSV_ORDER_COLUMNS = ["customer_order_no", *OWNER_FIELDS, *ORDER_FIELDS[1:], *HISTORY_FIELDS]

class PricedLine(NamedTuple):
    """A line as an import prices it (`pricing.line_figures`): its product's id, its COPY
    text from the quantity on (a tab before, a newline after), and its figures in whole
    cents and thousandths (`pricing.in_units`) for `pricing.order_totals_of_units`."""

    product_id: int
    text: str
    price: int
    vat: int
    weight: int


class PreparedOrder:
    """A validated, priced order: its keys, and its rows in COPY's text format but for the
    order's id and number (given when it is written).

    It crosses to the writer process (orders.imports.WriterProcess) as those alone, a flat
    tuple (pickling costs per object); there the fields and lines, which only an order
    that exists already needs (a revisit), are read back from the rows when asked for.
    """

    __slots__ = ("account_id", "customer_order_no", "external_id", "state", "created_by",
                 "created_by_id", "product_ids", "order_text", "lines_text", "created_at",
                 "note", "_fields", "_lines", "_carriage_tba", "totals")

    def __init__(self, record: inputs.OrderRecord, priced: list[PricedLine], now: str):
        fields, lines = record.body
        self.account_id, self.customer_order_no = record.account_id, fields["customer_order_no"]
        self.external_id, self.state = record.external_id, record.order_state
        self.created_at = record.created_at
        self.created_by, self.created_by_id = record.created_by, record.created_by_id
        self._fields, self._lines, self._carriage_tba = fields, lines, record.carriage_tba
        # (the priced lines transposed: their product ids, texts, prices, VATs, weights)
        self.product_ids, texts, prices, vats, weights = zip(*priced, strict=True)
        self.totals = totals = order_totals_of_units(prices, vats, weights)
        self.note = services.order_note(len(lines), *totals)
        self.order_text = services.order_copy_text(self, now)
        # the lines' rows, each after its order_id: position, then quantity, product and
        # figures as ImportCatalog.priced_line wrote them
        self.lines_text = "".join([f"\t{position}{text}"
                                   for position, text in enumerate(texts)])

    def __reduce__(self):
        return (unpickle_prepared_order, (
            self.account_id, self.customer_order_no, self.external_id, self.state,
            self.created_by, self.created_by_id, self.product_ids, self.order_text,
            self.lines_text, self.note))

    @property
    def fields(self) -> dict:
        """The API body's fields (ORDER_FIELDS), as validated."""
        if self._fields is None:
            self.read_back_fields()
        return self._fields

    @property
    def carriage_tba(self) -> bool:
        if self._fields is None:
            self.read_back_fields()
        return self._carriage_tba

    def read_back_fields(self) -> None:
        """The fields and carriage_tba from the order's row (ORDER_COLUMNS)."""
        row = dict(zip(services.ORDER_COLUMNS, copy_fields(self.order_text), strict=True))
        self._fields = {name: row[name] for name in ORDER_FIELDS}
        self._carriage_tba = row["carriage_tba"] == "t"

    @property
    def lines(self) -> list[inputs.OrderLineInput]:
        """The lines: Products as validated, or (read back in the writer) ProductRefs."""
        if self._lines is None:
            self._lines = [
                inputs.OrderLineInput(ProductRef(int(values[3]), values[4]), int(values[2]))
                for values in map(copy_fields, self.lines_text[:-1].split("\n"))]
        return self._lines

    def lines_copy_text(self, order_id: int) -> str:
        """The lines' rows with their order_id (COPY text escapes newlines inside fields,
        so each newline ends a row)."""
        prefix = str(order_id)
        return prefix + self.lines_text[:-1].replace("\n", "\n" + prefix) + "\n"


class ProductRef(NamedTuple):
    """A product as a prepared order crosses to the writer process: enough to lock it,
    name it and compare lines; `lines_with_products` turns it back into a Product."""

    pk: int
    product_code: str


def unpickle_prepared_order(account_id, customer_order_no, external_id, state, created_by,
                            created_by_id, product_ids, order_text, lines_text, note):
    order = PreparedOrder.__new__(PreparedOrder)
    order.account_id, order.customer_order_no, order.external_id = (
        account_id, customer_order_no, external_id)
    order.state, order.created_by, order.created_by_id = state, created_by, created_by_id
    order.product_ids, order.order_text, order.lines_text = product_ids, order_text, lines_text
    order.note = note
    order._fields = order._lines = order.totals = order.created_at = None
    return order


class WholesaleOrderImporter(OrderImporter):
    domain = "wholesale"
    model = WholesaleOrder
    key_columns = ["account_id", "customer_order_no"]
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

    def prepare_batch(self, items: list[SourceItem]) -> None:
        """Validate (the API's rules), price and format, with one lookup each of the
        accounts, users and products the batch's records name."""
        records = [item.record for item in items]
        references = inputs.RecordReferences(
            products=CATALOG.products_by_code(inputs.order_body_product_codes(*records)),
            accounts=set(TradeAccount.objects.filter(
                pk__in=inputs.record_account_ids(records)).values_list("pk", flat=True)),
            users=dict(get_user_model().objects.filter(
                email__in=inputs.record_user_emails(records)).values_list("email", "pk")),
        )
        now = timezone.now().isoformat()
        priced_line = CATALOG.priced_line
        for item in items:
            try:
                record = inputs.order_record_input(item.record, references)
            except InputErrors as exc:
                for name, message in errors_from_validation(exc):
                    item.reject(name, message)
                continue
            item.prepared = PreparedOrder(
                record, [priced_line(product, quantity) for product, quantity in
                         record.body.lines], now)

    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        """Write the new orders set-based; existing ones follow the API's rule."""
        orders = [item.prepared for item in items]
        existing = db.keys_found(WholesaleOrder, self.key_columns, {
            (order.account_id, order.customer_order_no) for order in orders})
        taken_external_ids = {key[0]: number for key, number in db.keys_found(
            WholesaleOrder, ["external_id"],
            {(order.external_id,) for order in orders if order.external_id},
            found="customer_order_no").items()}

        new_items: list[SourceItem] = []
        revisits: list[SourceItem] = []
        seen: set[tuple[int, str]] = set()
        for item, order in zip(items, orders, strict=True):
            key = (order.account_id, order.customer_order_no)
            external_id = order.external_id
            if key in existing or key in seen:
                revisits.append(item)
            elif external_id in taken_external_ids:
                item.reject("external_id", f"{external_id!r} is the external id of "
                            f"order {taken_external_ids[external_id]!r}.")
            else:
                seen.add(key)
                if external_id:
                    taken_external_ids[external_id] = key[1]
                new_items.append(item)

        if new_items:
            self.create(new_items, actor=actor)
        for item in revisits_unchanged(revisits, existing):
            item.outcome = Outcome.UNCHANGED
        for item in revisits:
            if item.outcome is None:
                self.revisit(item, actor=actor)

    def create(self, items: list[SourceItem], *, actor=None) -> None:
        for item in write_new_orders(items, actor=actor):
            item.outcome = Outcome.CREATED

    def revisit(self, item: SourceItem, *, actor=None) -> None:
        """An order that exists: the API's create-or-update rule, one order at a time."""
        prepared = item.prepared
        lines = lines_with_products(item, prepared.lines)
        if lines is None:
            return
        order = services.order_locked_by_customer_order_no(
            TradeAccount(pk=prepared.account_id), prepared.customer_order_no)
        current = {name: getattr(order, name)
                   for name in (*ORDER_FIELDS, "carriage_tba", "order_state")}
        if order_matches(prepared, current, order_lines_of([order.pk]).get(order.pk, [])):
            item.outcome = Outcome.UNCHANGED
            return
        if prepared.state != order.order_state:
            item.reject("order_state", f"order {order.customer_order_no!r} is "
                        f"{order.order_state}; an import does not change an order's state.")
            return
        try:
            services.order_replace(order=order, fields={**prepared.fields,
                                                        "carriage_tba": prepared.carriage_tba},
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


def lines_with_products(item: SourceItem, lines: list) -> list | None:
    """The lines with Product objects (a prepared order from the writer process carries
    ProductRefs); None, and the item rejected, if a product has gone since."""
    refs = [line.product.pk for line in lines if isinstance(line.product, ProductRef)]
    if not refs:
        return lines
    products = Product.objects.in_bulk(refs)
    for index, (product, _) in enumerate(lines):
        if product.pk not in products:
            item.reject(f"products[{index}].product_code",
                        f"Unknown or inactive product_code {product.product_code!r}.")
    if item.errors:
        return None
    return [inputs.OrderLineInput(products[product.pk], quantity)
            for product, quantity in lines]


REVISIT_FIELDS = ["id", "account_id", "customer_order_no", "order_state", "carriage_tba",
                  *ORDER_FIELDS[1:]]


def revisits_unchanged(items: list[SourceItem], existing: dict[tuple, int]) -> list[SourceItem]:
    """The records that match their existing order already (a re-run of a file), found
    with two queries for the batch, each linear in it whatever the statistics (orders by
    id, their lines by order); only the others are locked and compared one by one.
    `existing`: the orders' ids by (account, customer_order_no), as far as known (an order
    twice in a batch was written after they were looked up)."""
    if not items:
        return []
    keys = {(item.prepared.account_id, item.prepared.customer_order_no) for item in items}
    ids = {existing[key] for key in keys if key in existing}
    if len(ids) < len(keys):
        ids.update(db.keys_found(WholesaleOrder, WholesaleOrderImporter.key_columns,
                                 keys - set(existing)).values())
    orders = {}
    for row in db.rows_by_key(WholesaleOrder, ["id"], [(pk,) for pk in ids], REVISIT_FIELDS):
        order = dict(zip(REVISIT_FIELDS, row[1:], strict=True))
        orders[(order["account_id"], order["customer_order_no"])] = order
    lines = order_lines_of([order["id"] for order in orders.values()])
    unchanged = []
    for item in items:
        prepared = item.prepared
        row = orders.get((prepared.account_id, prepared.customer_order_no))
        if row is not None and order_matches(prepared, row, lines.get(row["id"], [])):
            unchanged.append(item)
    return unchanged


def order_lines_of(order_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """The orders' lines as (product id, quantity), in their order, in one query."""
    lines: dict[int, list] = {}
    for order_id, product_id, quantity in db.rows_by_key(
            WholesaleOrderLine, ["order_id"], [(pk,) for pk in order_ids],
            ["product_id", "quantity"], order_by=["position", "id"]):
        lines.setdefault(order_id, []).append((product_id, quantity))
    return lines


def order_matches(prepared: PreparedOrder, order: dict, lines: list[tuple[int, int]]) -> bool:
    """Whether an existing order (its field values, and its lines as (product id, quantity)
    in their order) already is what the record says: a re-run."""
    return (all(order[name] == value for name, value in prepared.fields.items())
            and (order["carriage_tba"], order["order_state"]) == (
                prepared.carriage_tba, prepared.state)
            and lines == [(line.product.pk, line.quantity) for line in prepared.lines])


def write_new_orders(items: list[SourceItem], *, actor=None) -> list[SourceItem]:
    """Write the prepared orders (services.orders_write); returns the items written. On
    PostgreSQL the references are checked and locked set-based first
    (`references_locked`): an order whose account, user or product has been deleted since
    the batch was prepared is rejected, as the API would."""
    if connection.vendor == "postgresql":
        items = references_locked(items)
    if items:
        services.orders_write([item.prepared for item in items], actor=actor)
    return items


def references_locked(items: list[SourceItem]) -> list[SourceItem]:
    """Lock the accounts, users and products the orders refer to, as the foreign key
    checks would, in three queries; reject an order whose reference has gone since the
    batch was prepared. Returns the orders kept."""
    orders = [item.prepared for item in items]
    accounts = db.key_share_locked(TradeAccount, {order.account_id for order in orders})
    users = db.key_share_locked(get_user_model(), {
        order.created_by_id for order in orders if order.created_by_id})
    products = db.key_share_locked(Product, {
        product_id for order in orders for product_id in order.product_ids})
    for item, order in zip(items, orders, strict=True):
        if order.account_id not in accounts:
            item.reject("account", f"No trade account with id {order.account_id!r}.")
        if order.created_by_id and order.created_by_id not in users:
            item.reject("created_by", f"No user with email {order.created_by!r}.")
        if not products.issuperset(order.product_ids):
            for index, line in enumerate(order.lines):
                if line.product.pk not in products:
                    item.reject(f"products[{index}].product_code",
                                f"Unknown or inactive product_code "
                                f"{line.product.product_code!r}.")
    return [item for item in items if not item.errors]


class ImportCatalog:
    """The active products a batch names, read afresh each batch (a catalog change during
    a run applies from the next batch, as it would to the API), as rows: an unchanged row
    gives back the Product built for it before, with its line prices kept.

    The prices (`pricing.line_figures` of a quantity) depend on nothing but the product's
    row and the quantity, and an import repeats the same ones many times, so each is
    computed once per run, with the line's COPY text. Memory stays flat whatever the
    file: each cache is emptied when full.
    """

    FIELDS = ["id", "product_code", "type", "description", "vat_code", "unit_price",
              "unit_weight", "is_active"]
    MAX_PRODUCTS = 50_000
    MAX_QUANTITIES = 1_000  # per product

    def __init__(self):
        self.products: dict[int, tuple[tuple, Product]] = {}  # by id: (its row, it)

    def products_by_code(self, codes) -> dict[str, Product]:
        products = {}
        for row in selectors.active_products(codes).values_list(*self.FIELDS):
            # (by id, then the row compared: a row's hash, of its Decimals, costs more)
            known_row, product = self.products.get(row[0], (None, None))
            if known_row != row:
                if len(self.products) >= self.MAX_PRODUCTS:
                    self.products.clear()
                product = Product(**dict(zip(self.FIELDS, row, strict=True)))
                # (the line's columns from its product, in services.LINE_ROWS' order)
                product.copy_snapshot = db.copy_row(
                    [getattr(product, name) for name in services.LINE_SNAPSHOT.values()], end="")
                product.priced_lines = {}
                self.products[row[0]] = (row, product)
            products[product.product_code] = product
        return products

    def priced_line(self, product: Product, quantity: int) -> PricedLine:
        """A product ordered `quantity` times, priced: the line's COPY text from its
        quantity on, in services.LINE_ROWS' order."""
        priced = product.priced_lines.get(quantity)
        if priced is None:
            if len(product.priced_lines) >= self.MAX_QUANTITIES:
                product.priced_lines.clear()
            figures = line_figures(unit_price=product.unit_price, vat_rate=product.vat_rate,
                                   unit_weight=product.unit_weight, quantity=quantity)
            priced = product.priced_lines[quantity] = PricedLine(
                product.pk,
                f"\t{quantity}\t{product.copy_snapshot}\t{figures.line_price}\t"
                f"{figures.vat}\t{figures.line_weight}\n",
                in_units(figures.line_price, 2), in_units(figures.vat, 2),
                in_units(figures.line_weight, 3))
        return priced


CATALOG = ImportCatalog()


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
