"""A wholesale order body (API JSON, an import record, the admin form's data) -> typed
values, without database access; faults raise InputErrors naming every field at once.

The rules are declared once, in the tables below (which fields, their limits, their
choices). Both readers of a body are built from them: `order_body_input`, the validator
the API, the admin and the importer call, and `WholesaleOrderBodySerializer`, the
serializer the OpenAPI schema describes the body with (tests/wholesale/test_inputs.py
runs both over the same bodies). The validator is not the serializer run through
`orders.inputs.BodyRules`: that costs about 106 µs a body against 9 µs here (measured,
five lines a body), and an import validates some 20,000 bodies a second.

The catalog is the batch step's: a caller looks the active products a batch names up in
one query (`order_body_product_codes` of its bodies) and passes them in, as the accounts
and users an import record names (`RecordReferences`).
"""

import re
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.validators import RegexValidator
from rest_framework import serializers

from orders.inputs import BIGINT_MAX, INT_MAX, InputErrors, import_datetime, text_problem
from wholesale.models import Product, WholesaleOrder

# --- the rules, declared once -------------------------------------------------------------

_order_field = WholesaleOrder._meta.get_field
# Optional text fields of the body: a string or null, stored as "" when absent; each with
# its column's length (None: a TextField, no limit).
BODY_TEXT_FIELDS = [
    "delivery_name", "delivery_company_name", "delivery_address1", "delivery_address2",
    "delivery_town", "delivery_county", "delivery_country_code", "delivery_postcode",
    "delivery_telephone", "notes",
]
TEXT_LIMITS = {name: _order_field(name).max_length for name in BODY_TEXT_FIELDS}
MAX_CUSTOMER_ORDER_NO = _order_field("customer_order_no").max_length
COUNTRY_FIELD = "delivery_country_code"
COUNTRY_CODE = re.compile(r"[A-Za-z]{2}\Z")  # stored upper case
# (name, choices, default): no default means required.
CHOICE_FIELDS = [("order_type", WholesaleOrder.OrderType, WholesaleOrder.OrderType.WHOLESALE),
                 ("delivery_method", WholesaleOrder.DeliveryMethod, None)]
MAX_ORDER_LINES = 1000  # products in one order body (API and import alike)
MAX_QUANTITY = INT_MAX  # the quantity column's range (a PostgreSQL integer)
MAX_EXTERNAL_ID = _order_field("external_id").max_length

# Looked up once: the validator runs per order in bulk imports (Choices.values is
# recomputed on every call).
CHOICE_VALUES = {name: (frozenset(choices.values), ", ".join(choices.values), default)
                 for name, choices, default in CHOICE_FIELDS}
TEXT_FIELD_LIMITS = [(name, limit or BIGINT_MAX) for name, limit in TEXT_LIMITS.items()]

# Totals beyond the money and weight columns (numeric(14,2) and numeric(14,3)), with a
# margin for rounding; VAT is a fraction of the price.
MAX_PRICE = Decimal("999999999999")
MAX_WEIGHT = Decimal("99999999999")
# A product's unit price and weight are below these (their columns' digits), so an order
# of fewer units than SAFE_UNITS in all cannot reach MAX_PRICE or MAX_WEIGHT.
_product_field = Product._meta.get_field
UNIT_PRICE_BOUND = 10 ** (_product_field("unit_price").max_digits
                          - _product_field("unit_price").decimal_places)
UNIT_WEIGHT_BOUND = 10 ** (_product_field("unit_weight").max_digits
                           - _product_field("unit_weight").decimal_places)
SAFE_UNITS = int(min(MAX_PRICE // UNIT_PRICE_BOUND, MAX_WEIGHT // UNIT_WEIGHT_BOUND))


# --- typed values ------------------------------------------------------------------------


class OrderBodyMalformed(InputErrors):
    """The body is not shaped like an order (not an object, products not a list of
    objects): the API answers 400."""


class OrderBodyInvalid(InputErrors):
    """A field of the body is missing or invalid: the API answers 422."""


class OrderLineInput(NamedTuple):  # a tuple: made five times per order in bulk imports
    product: Product
    quantity: int


class OrderBody(NamedTuple):
    """A valid body: the order's field values (`customer_order_no`, the choices, the
    BODY_TEXT_FIELDS) and its lines."""

    fields: dict[str, Any]
    lines: list[OrderLineInput]


# --- the validator -----------------------------------------------------------------------


def order_body_product_codes(*bodies: Any) -> set[str]:
    """The product codes the bodies name, for the batch step's one product lookup (an
    import asks for a batch's bodies at once)."""
    return {code for data in bodies if isinstance(data, dict)
            and isinstance(products := data.get("products"), list)
            for item in products
            if isinstance(item, dict) and isinstance(code := item.get("product_code"), str)
            and "\x00" not in code}


def order_body_input(data: Any, products_by_code: dict[str, Product]) -> OrderBody:
    """A parsed create-or-update body -> OrderBody. `products_by_code` holds the active
    products the body may name (see order_body_product_codes); a code not in it is
    unknown or inactive. Raises OrderBodyMalformed or OrderBodyInvalid."""
    errors: dict[str, list[str]] = {}
    body = order_body_checked(data, products_by_code, errors)
    if errors:
        raise OrderBodyInvalid(errors)
    return body


def order_body_checked(data: Any, products_by_code: dict[str, Product],
                       errors: dict[str, list[str]]) -> OrderBody | None:
    """order_body_input, adding each fault to `errors` (an import adds its record's own
    fields' faults beside them); the body, or None when it has faults.

    It runs per order in bulk imports: each field's usual, valid case is tested first,
    and the checks that name a fault run only when that test fails.
    """
    if not isinstance(data, dict):
        raise OrderBodyMalformed("The body must be a JSON object (an order).")
    products = data.get("products")
    if products is not None and not (
        isinstance(products, list) and all(isinstance(item, dict) for item in products)
    ):
        raise OrderBodyMalformed(
            {"products": ["Must be a list of objects with product_code and quantity."]})
    if products is not None and len(products) > MAX_ORDER_LINES:
        errors["products"] = [f"At most {MAX_ORDER_LINES} products, got {len(products)}."]
        return None

    faults = len(errors)
    fields: dict[str, Any] = {}

    customer_order_no = data.get("customer_order_no")
    if customer_order_no is None:
        errors["customer_order_no"] = ["This field is required."]
    elif not isinstance(customer_order_no, str):
        errors["customer_order_no"] = ["Must be a string."]
    elif problem := text_problem(customer_order_no):
        errors["customer_order_no"] = [problem]
    elif not customer_order_no.strip():
        errors["customer_order_no"] = ["May not be blank."]
    elif len(customer_order_no.strip()) > MAX_CUSTOMER_ORDER_NO:
        errors["customer_order_no"] = [f"At most {MAX_CUSTOMER_ORDER_NO} characters."]
    else:
        fields["customer_order_no"] = customer_order_no.strip()

    for name, (values, listed, default) in CHOICE_VALUES.items():
        value = data.get(name)
        if value is None and default is not None:
            fields[name] = default
        elif value is None:
            errors[name] = ["This field is required."]
        elif not isinstance(value, str) or value not in values:
            errors[name] = [f"{value!r} is not one of: {listed}."]
        else:
            fields[name] = value

    for name, max_length in TEXT_FIELD_LIMITS:
        value = data.get(name)
        if value is None:
            fields[name] = ""
            continue
        if not isinstance(value, str):
            errors[name] = ["Must be a string or null."]
            continue
        value = value.strip()
        if len(value) <= max_length and name != COUNTRY_FIELD and value.isprintable():
            fields[name] = value  # the usual case (printable: no NUL, no lone surrogate)
        elif problem := text_problem(value):
            errors[name] = [problem]
        elif name == COUNTRY_FIELD and value and not COUNTRY_CODE.match(value):
            errors[name] = [f"{value!r} is not a two-letter country code (such as GB)."]
        elif len(value) > max_length:
            errors[name] = [f"At most {max_length} characters, got {len(value)}."]
        else:
            fields[name] = value.upper() if name == COUNTRY_FIELD else value

    lines: list[OrderLineInput] = []
    if products is None:
        errors["products"] = ["This field is required."]
    elif not products:
        errors["products"] = ["At least one product is required."]
    else:
        for index, item in enumerate(products):
            code, quantity = item.get("product_code"), item.get("quantity")
            product = products_by_code.get(code) if type(code) is str else None
            if product is not None and type(quantity) is int and 0 < quantity <= MAX_QUANTITY:
                lines.append(OrderLineInput(product, quantity))
                continue
            if code is None:
                errors[f"products[{index}].product_code"] = ["This field is required."]
            elif not isinstance(code, str):
                errors[f"products[{index}].product_code"] = ["Must be a string."]
            elif problem := text_problem(code):
                errors[f"products[{index}].product_code"] = [problem]
            elif code not in products_by_code:
                errors[f"products[{index}].product_code"] = [
                    f"Unknown or inactive product_code {code!r}."]
            if quantity is None:
                errors[f"products[{index}].quantity"] = ["This field is required."]
            elif type(quantity) is not int or quantity < 1:
                errors[f"products[{index}].quantity"] = [
                    f"Must be a positive integer, got {quantity!r}."]
            elif quantity > MAX_QUANTITY:
                errors[f"products[{index}].quantity"] = [
                    f"At most {MAX_QUANTITY}, got {quantity!r}."]
        if len(lines) == len(products):
            errors.update(lines_beyond_the_columns(lines))

    return OrderBody(fields, lines) if len(errors) == faults else None


def lines_beyond_the_columns(lines: list[OrderLineInput]) -> dict[str, list[str]]:
    """Errors for lines whose price or weight, or whose order's totals, would not fit the
    money and weight columns."""
    if sum([quantity for _, quantity in lines]) < SAFE_UNITS:
        return {}  # the usual order: too few units to reach the limits
    errors = {}
    total_price = total_weight = Decimal(0)
    for index, (product, quantity) in enumerate(lines):
        price, weight = product.unit_price * quantity, product.unit_weight * quantity
        if price > MAX_PRICE or weight > MAX_WEIGHT:
            errors[f"products[{index}].quantity"] = [
                f"{quantity} x {product.product_code} would cost {price} or weigh {weight} kg: "
                f"beyond what a line can hold ({MAX_PRICE}, {MAX_WEIGHT} kg)."]
        total_price += price
        total_weight += weight
    if not errors and (total_price > MAX_PRICE or total_weight > MAX_WEIGHT):
        errors["products"] = [f"The order's total ({total_price}, {total_weight} kg) is "
                              f"beyond what an order can hold ({MAX_PRICE}, {MAX_WEIGHT} kg)."]
    return errors


# --- an import record: the body, its owner and what an export keeps of its life ----------

STATES = frozenset(WholesaleOrder.State.values)
STATES_LISTED = ", ".join(WholesaleOrder.State.values)


class RecordReferences(NamedTuple):
    """What the batch step found for a batch's records, one query each: the active
    products by code, the trade account ids, the users' ids by email."""

    products: dict[str, Product]
    accounts: set[int]
    users: dict[str, int]


class OrderRecord(NamedTuple):
    """A valid import record: its body, and what the API takes from the token or does
    not take (the owner, the key in the source system, the state and time)."""

    body: OrderBody
    account_id: int
    created_by: str | None  # the user's email
    created_by_id: int | None
    external_id: str | None
    order_state: str
    carriage_tba: bool
    created_at: datetime | None  # None: the import's time


def record_account_ids(records) -> set[int]:
    """The account ids the records name that a bigint column can hold."""
    return {r["account"] for r in records
            if type(r.get("account")) is int and 0 < r["account"] <= BIGINT_MAX}


def record_user_emails(records) -> set[str]:
    """The user emails the records name that a text column can hold."""
    return {r["created_by"] for r in records
            if isinstance(r.get("created_by"), str) and text_problem(r["created_by"]) is None}


def order_record_input(record: dict, references: RecordReferences) -> OrderRecord:
    """An import record -> OrderRecord, with the body's rules (exactly the API's: the
    record's other fields are ignored as the API ignores them) and its own fields';
    raises InputErrors naming every fault."""
    errors: dict[str, list[str]] = {}
    body = order_body_checked(record, references.products, errors)
    get = record.get
    account_id = get("account")
    if type(account_id) is not int or account_id not in references.accounts:
        errors["account"] = ["This field is required (the trade account's id)."
                             if account_id is None
                             else f"No trade account with id {account_id!r}."]
    state = get("order_state") or WholesaleOrder.State.OPEN
    if not isinstance(state, str) or state not in STATES:
        errors["order_state"] = [f"{state!r} is not one of: {STATES_LISTED}."]
    carriage_tba = get("carriage_tba", False)
    if type(carriage_tba) is not bool:
        errors["carriage_tba"] = [f"Must be true or false, got {carriage_tba!r}."]
    created_at = get("created_at")
    if created_at is not None:
        try:
            created_at = import_datetime(created_at, field="created_at")
        except ValueError as exc:  # (InputError)
            errors["created_at"] = [getattr(exc, "message", str(exc))]
    created_by, created_by_id = get("created_by"), None
    if created_by is not None:
        if isinstance(created_by, str):
            created_by_id = references.users.get(created_by)
        if created_by_id is None:
            errors["created_by"] = [f"No user with email {created_by!r}."]
    external_id = get("external_id")
    if external_id is not None:
        if not isinstance(external_id, str) or not external_id or len(
                external_id) > MAX_EXTERNAL_ID:
            errors["external_id"] = [f"Must be a string of 1 to {MAX_EXTERNAL_ID} characters."]
        elif problem := text_problem(external_id):
            errors["external_id"] = [problem]
    if errors:
        raise OrderBodyInvalid(errors)
    return OrderRecord(body, account_id, created_by, created_by_id, external_id, state,
                       carriage_tba, created_at)


# --- the same rules as a serializer: the body in the OpenAPI schema -----------------------


class StrictCharField(serializers.CharField):
    """A string, and only a string (DRF's CharField takes numbers too), as the validator."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer, not a string or float of one, as the validator."""

    def to_internal_value(self, data):
        if type(data) is not int:
            self.fail("invalid")
        return super().to_internal_value(data)


def text_serializer_field(name: str) -> serializers.CharField:
    letters = COUNTRY_CODE.pattern.removesuffix(r"\Z")
    validators = ([RegexValidator(f"^{letters}$", "Not a two-letter country code (such as GB).")]
                  if name == COUNTRY_FIELD else [])
    return StrictCharField(max_length=TEXT_LIMITS[name], allow_blank=True, allow_null=True,
                           required=False, validators=validators)


def choice_serializer_field(choices, default) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices.choices, required=default is None,
                                   allow_null=default is not None)


class WholesaleOrderBodyLineSerializer(serializers.Serializer):
    product_code = StrictCharField(min_length=1, help_text="An active product's code.")
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)


WholesaleOrderBodySerializer = type("WholesaleOrderBodySerializer", (serializers.Serializer,), {
    "__doc__": "The create-or-update body (its rules: wholesale.inputs).",
    "__module__": __name__,
    "customer_order_no": StrictCharField(
        min_length=1, max_length=MAX_CUSTOMER_ORDER_NO,
        validators=[RegexValidator(r"\S", "May not be blank.")],  # (blank: spaces only)
        help_text="Unique in the account: a second POST with it replaces the OPEN order."),
    **{name: choice_serializer_field(choices, default)
       for name, choices, default in CHOICE_FIELDS},
    **{name: text_serializer_field(name) for name in BODY_TEXT_FIELDS},
    "products": WholesaleOrderBodyLineSerializer(many=True, allow_empty=False,
                                                 max_length=MAX_ORDER_LINES),
})
