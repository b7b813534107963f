"""Wholesale orders for import_orders / export_orders, at database speed.

Validation and pricing are the API's own functions (`services.order_body_validate`,
`pricing.line_figures`), so a file is accepted and rejected exactly as the API would
accept and reject the same bodies. What differs is the writing: a batch's new orders are
written set-based (PostgreSQL: one COPY each into orders, lines and history; SQLite:
bulk_create), with one block of order numbers. Orders that already exist (same account
and `customer_order_no`, the API's create-or-update key) follow the API's rule one by one
through the services: unchanged, replaced while OPEN, or refused.

`prepare_batch` (validation, pricing, the rows' COPY text) needs only the catalog, so on
PostgreSQL it runs while the previous batch is being written; `import_batch` finds which
orders exist and writes.
"""

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from orders import db
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
from wholesale.pricing import in_units, line_figures, order_totals_of_units

State = WholesaleOrder.State
STATES = frozenset(State.values)

# What a record carries beside the API body: its owner (the API takes it from the token),
# its key in the source system, and what an export keeps of the order's life.
OWNER_FIELDS = ["account", "created_by", "external_id"]
HISTORY_FIELDS = ["order_state", "carriage_tba", "created_at"]
ORDER_FIELDS = ["customer_order_no", "order_type", "delivery_method",
                *services.BODY_TEXT_FIELDS]
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
                 "_fields", "_lines", "_carriage_tba", "totals")

    def __init__(self, *, account_id: int, fields: dict, lines: list,
                 priced: list[PricedLine], state: str,
                 carriage_tba: bool, created_at: datetime | None, created_by: str | None,
                 created_by_id: int | None, external_id: str | None, now: str):
        self.account_id, self.customer_order_no = account_id, fields["customer_order_no"]
        self.external_id, self.state, self.created_at = external_id, state, created_at
        self.created_by, self.created_by_id = created_by, created_by_id
        self._fields, self._lines, self._carriage_tba = fields, lines, carriage_tba
        # (the priced lines transposed: their product ids, texts, prices, VATs, weights)
        self.product_ids, texts, prices, vats, weights = zip(*priced, strict=True)
        self.totals = order_totals_of_units(prices, vats, weights)
        self.order_text = order_copy_text(self, now)
        # the lines' rows, each after its order_id: position, then quantity, product and
        # figures as ImportCatalog.priced_line wrote them
        self.lines_text = "".join([f"\t{position}{text}"
                                   for position, text in enumerate(texts)])

    def __reduce__(self):
        return (unpickle_prepared_order, (
            self.account_id, self.customer_order_no, self.external_id, self.state,
            self.created_by, self.created_by_id, self.product_ids, self.order_text,
            self.lines_text))

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
        row = dict(zip(ORDER_COLUMNS, db.copy_fields(self.order_text), strict=True))
        self._fields = {name: row[name] for name in ORDER_FIELDS}
        self._carriage_tba = row["carriage_tba"] == "t"

    @property
    def lines(self) -> list[services.OrderLineInput]:
        """The lines: Products as validated, or (read back in the writer) ProductRefs."""
        if self._lines is None:
            self._lines = [
                services.OrderLineInput(ProductRef(int(values[3]), values[4]), int(values[2]))
                for values in map(db.copy_fields, self.lines_text[:-1].split("\n"))]
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
                            created_by_id, product_ids, order_text, lines_text):
    order = PreparedOrder.__new__(PreparedOrder)
    order.account_id, order.customer_order_no, order.external_id = (
        account_id, customer_order_no, external_id)
    order.state, order.created_by, order.created_by_id = state, created_by, created_by_id
    order.product_ids, order.order_text, order.lines_text = product_ids, order_text, lines_text
    order._fields = order._lines = order.totals = order.created_at = None
    return order


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

    def prepare_batch(self, items: list[SourceItem]) -> None:
        """Validate (the API's rules), price and format, with one lookup each of the
        accounts, users and products the batch's records name."""
        records = [item.record for item in items]
        # (only values a column can hold: an id beyond a bigint or a NUL in an email is
        # no account or user, which prepared_order() then says)
        accounts = set(
            TradeAccount.objects.filter(
                pk__in={r["account"] for r in records
                        if type(r.get("account")) is int and 0 < r["account"] <= db.MAX_ID}
            ).values_list("pk", flat=True)
        )  # a few accounts: a plain IN
        users = dict(
            get_user_model().objects.filter(
                email__in={r["created_by"] for r in records
                           if isinstance(r.get("created_by"), str)
                           and services.NUL not in r["created_by"]}
            ).values_list("email", "pk")
        )
        products = CATALOG.products_by_code(services.order_body_product_codes(*records))
        now = timezone.now().isoformat()
        for item in items:
            item.prepared = self.prepared_order(item, accounts, users, products, now)

    def prepared_order(self, item: SourceItem, accounts, users, products,
                       now: str) -> PreparedOrder | None:
        """The API's validation of the body, plus the record's owner and history fields;
        the order priced and formatted, or None with the item rejected."""
        record = item.record
        try:  # (it reads the body's fields and ignores the record's others, as the API's)
            cleaned = services.order_body_validate(record, products)
        except ValidationError as exc:
            cleaned = None
            for name, message in errors_from_validation(exc):
                item.reject(name, message)
        get = record.get
        account_id = get("account")
        if type(account_id) is not int or account_id not in accounts:
            item.reject("account", "This field is required (the trade account's id)."
                        if account_id is None else f"No trade account with id {account_id!r}.")
        state = get("order_state") or State.OPEN
        if not isinstance(state, str) or state not in STATES:
            item.reject("order_state", f"{state!r} is not one of: {', '.join(State.values)}.")
        carriage_tba = get("carriage_tba", False)
        if type(carriage_tba) is not bool:
            item.reject("carriage_tba", f"Must be true or false, got {carriage_tba!r}.")
        created_at = get("created_at")  # None: the import's time
        if created_at is not None:
            created_at = parse_time(record["created_at"])
            if created_at is None:
                item.reject("created_at", f"Not a date and time: {record['created_at']!r}.")
        created_by, created_by_id = get("created_by"), None
        if created_by is not None:
            if isinstance(created_by, str):
                created_by_id = users.get(created_by)
            if created_by_id is None:
                item.reject("created_by", f"No user with email {created_by!r}.")
        external_id = get("external_id")
        if external_id is not None and (not isinstance(external_id, str) or not external_id
                                        or len(external_id) > 100):
            item.reject("external_id", "Must be a string of 1 to 100 characters.")
        elif external_id is not None and services.NUL in external_id:
            item.reject("external_id", services.NUL_MESSAGE)
        if item.errors:
            return None
        lines = cleaned.pop("lines")
        priced_line = CATALOG.priced_line
        return PreparedOrder(
            account_id=account_id, fields=cleaned, lines=lines,
            priced=[priced_line(product, quantity) for product, quantity in lines],
            state=state, carriage_tba=carriage_tba, created_at=created_at,
            created_by=created_by, created_by_id=created_by_id, external_id=external_id,
            now=now)

    def import_batch(self, items: list[SourceItem], *, actor=None) -> None:
        """Write the new orders set-based; existing ones follow the API's rule."""
        orders = [item.prepared for item in items]
        keys = {(order.account_id, order.customer_order_no) for order in orders}
        existing = set(
            WholesaleOrder.objects.filter(
                account_id__in={account_id for account_id, _ in keys},
                customer_order_no__any_of={number for _, number in keys},
            ).values_list("account_id", "customer_order_no")
        )
        taken_external_ids = dict(
            WholesaleOrder.objects.filter(external_id__any_of={
                order.external_id for order in orders if order.external_id
            }).values_list("external_id", "customer_order_no")
        )

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
        # (the lookups above and of the revisits need plans made for the tables' sizes)
        db.analyze_if_never_measured(WholesaleOrder, WholesaleOrderLine)
        for item in revisits_unchanged(revisits):
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
        if order_matches(prepared, current, list(order.lines.order_by("position", "id")
                                                  .values_list("product_id", "quantity"))):
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
    return [services.OrderLineInput(products[product.pk], quantity)
            for product, quantity in lines]


def revisits_unchanged(items: list[SourceItem]) -> list[SourceItem]:
    """The records that match their existing order already (a re-run of a file), found
    with two queries for the batch; only the others are locked and compared one by one."""
    if not items:
        return []
    orders = {
        (row["account_id"], row["customer_order_no"]): row
        for row in WholesaleOrder.objects.filter(
            account_id__in={item.prepared.account_id for item in items},
            customer_order_no__any_of={item.prepared.customer_order_no for item in items},
        ).values("id", "account_id", "order_state", "carriage_tba", *ORDER_FIELDS)
    }
    lines: dict[int, list] = {}
    for order_id, product_id, quantity in (
            WholesaleOrderLine.objects.filter(order__id__any_of=[o["id"] for o in orders.values()])
            .order_by("order_id", "position", "id").values_list("order_id", "product_id",
                                                                "quantity")):
        lines.setdefault(order_id, []).append((product_id, quantity))
    unchanged = []
    for item in items:
        prepared = item.prepared
        row = orders.get((prepared.account_id, prepared.customer_order_no))
        if row is not None and order_matches(prepared, row, lines.get(row["id"], [])):
            unchanged.append(item)
    return unchanged


def order_matches(prepared: PreparedOrder, order: dict, lines: list[tuple[int, int]]) -> bool:
    """Whether an existing order (its field values, and its lines as (product id, quantity)
    in their order) already is what the record says: a re-run."""
    return (all(order[name] == value for name, value in prepared.fields.items())
            and (order["carriage_tba"], order["order_state"]) == (
                prepared.carriage_tba, prepared.state)
            and lines == [(line.product.pk, line.quantity) for line in prepared.lines])


def write_new_orders(items: list[SourceItem], *, actor=None) -> list[SourceItem]:
    """Insert the prepared orders, their lines and one history event each, set-based.

    Returns the items written. On PostgreSQL the references are checked and locked
    set-based first (`references_locked`): an order whose account, user or product has
    been deleted since the batch was prepared is rejected, as the API would. Then, when
    the session may, the COPYs skip the foreign key triggers, which would check the same
    references again, one query per row.
    """
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    content_type_id = ContentType.objects.get_for_model(WholesaleOrder).pk
    if connection.vendor != "postgresql":
        bulk_create_orders(items, actor_id, content_type_id)
        return items

    items = references_locked(items)
    if not items:
        return items
    # The history rows' references are no record's doing: without them, the triggers.
    skip_triggers = (
        db.foreign_key_triggers_skippable()
        and db.key_share_locked(ContentType, [content_type_id]) == {content_type_id}
        and (actor_id is None
             or db.key_share_locked(get_user_model(), [actor_id]) == {actor_id}))
    orders = [item.prepared for item in items]
    order_ids = new_order_ids(len(orders))
    numbers = services.order_numbers_allocate(len(orders))
    order_text = "".join(
        f"{order_id}\t{number}\t{order.order_text}"
        for order, order_id, number in zip(orders, order_ids, numbers, strict=True))
    line_text = "".join([order.lines_copy_text(order_id)
                         for order, order_id in zip(orders, order_ids, strict=True)])
    now = timezone.now().isoformat()
    actor_text = db.copy_value(actor_id)
    event_text = "".join(
        f"{content_type_id}\t{order_id}\tcreate\t\t{order.state}\t"
        f"{actor_text}\t{OrderEvent.Via.IMPORT}\t{len(order.product_ids)} line(s)\t{now}\n"
        for order, order_id in zip(orders, order_ids, strict=True))
    with db.foreign_key_triggers_skipped() if skip_triggers else nullcontext():
        db.copy_into(WholesaleOrder, ["id", "order_number", *ORDER_COLUMNS], order_text)
        db.copy_into(WholesaleOrderLine, LINE_COLUMNS, line_text)
        db.copy_into(OrderEvent, EVENT_COLUMNS, event_text)
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


def bulk_create_orders(items: list[SourceItem], actor_id, content_type_id) -> None:
    """Elsewhere than PostgreSQL (SQLite): bulk_create, the ids taken under the write lock."""
    orders = [item.prepared for item in items]
    order_ids = new_order_ids(len(orders))
    numbers = services.order_numbers_allocate(len(orders))
    now = timezone.now()
    WholesaleOrder.objects.bulk_create(
        WholesaleOrder(
            id=order_id, order_number=number, account_id=order.account_id, **order.fields,
            **order_history_fields(order, now), total_price=order.totals.total_price,
            total_vat=order.totals.total_vat, total_weight=order.totals.total_weight)
        for order, order_id, number in zip(orders, order_ids, numbers, strict=True))
    WholesaleOrderLine.objects.bulk_create(
        services.order_line_build(order=WholesaleOrder(pk=order_id), product=line.product,
                                  quantity=line.quantity, position=position)
        for order, order_id in zip(orders, order_ids, strict=True)
        for position, line in enumerate(order.lines))
    OrderEvent.objects.bulk_create(
        OrderEvent(content_type_id=content_type_id, object_id=order_id, action="create",
                   to_state=order.state, actor_id=actor_id,
                   via=OrderEvent.Via.IMPORT, note=f"{len(order.lines)} line(s)",
                   created_at=now)
        for order, order_id in zip(orders, order_ids, strict=True))


def order_history_fields(order: PreparedOrder, now: datetime) -> dict:
    """The order's fields beyond the API body: what the record says of its life."""
    return {"order_state": order.state, "carriage_tba": order.carriage_tba,
            "created_at": order.created_at or now, "created_by_id": order.created_by_id,
            "external_id": order.external_id, "updated_at": now,
            "placed_at": now if order.state == State.PLACED else None,
            "deleted_at": now if order.state == State.CANCELLED else None}


def order_copy_text(order: PreparedOrder, now: str) -> str:
    """The order's row for COPY after its id and number, in ORDER_COLUMNS' order (the
    history fields as order_history_fields gives them): an f-string, as it runs per order
    (with str() of the Decimals: three times quicker than their format())."""
    fields, totals, state = order.fields, order.totals, order.state
    texts = db.copy_texts(fields["customer_order_no"], state, fields["order_type"],
                          fields["delivery_method"],
                          *[fields[name] for name in services.BODY_TEXT_FIELDS])
    created_at = now if order.created_at is None else order.created_at.isoformat()
    created_by_id = db.COPY_NULL if order.created_by_id is None else order.created_by_id
    return (
        f"{order.account_id}\t{texts}\t{'t' if order.carriage_tba else 'f'}\t"
        f"{str(totals.total_price)}\t{str(totals.total_vat)}\t{str(totals.total_weight)}\t"
        f"{created_at}\t"
        f"{created_by_id}\t{now}\t"
        f"{now if state == State.PLACED else db.COPY_NULL}\t"
        f"{now if state == State.CANCELLED else db.COPY_NULL}\t"
        f"{db.copy_value(order.external_id)}\n"
    )


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
                product.copy_snapshot = db.copy_row((
                    product.pk, product.product_code, product.type, product.description,
                    product.vat_code, product.vat_rate, product.unit_price,
                    product.unit_weight), end="")
                product.priced_lines = {}
                self.products[row[0]] = (row, product)
            products[product.product_code] = product
        return products

    def priced_line(self, product: Product, quantity: int) -> PricedLine:
        """A product ordered `quantity` times, priced."""
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

# After "id" and "order_number", which a batch gives its orders as it writes them.
ORDER_COLUMNS = [
    "account_id", "customer_order_no", "order_state", "order_type", "delivery_method",
    *services.BODY_TEXT_FIELDS, "carriage_tba", "total_price", "total_vat", "total_weight",
    "created_at", "created_by_id", "updated_at", "placed_at", "deleted_at", "external_id",
]
# In the order PreparedOrder and ImportCatalog.priced_line write them.
LINE_COLUMNS = [
    "order_id", "position", "quantity", "product_id", "product_code", "product_type",
    "description", "vat_code", "vat_rate", "unit_price", "unit_weight", "line_price", "vat",
    "line_weight",
]
EVENT_COLUMNS = ["content_type_id", "object_id", "action", "from_state", "to_state",
                 "actor_id", "via", "note", "created_at"]


def new_order_ids(count: int) -> list[int]:
    """Ids for new orders. PostgreSQL: drawn from the table's sequence in one statement,
    so lines and events can be written by COPY. Elsewhere: bulk_create assigns them, so
    take the next ones under the write lock SQLite holds for the transaction."""
    table = WholesaleOrder._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # (the sequence named by a constant: a name looked up per row costs 9 times more)
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                           [db.id_sequence(WholesaleOrder), count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or services.NUL in value:  # (fromisoformat takes a NUL)
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
