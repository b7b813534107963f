"""The wholesale origin's wire format.

Orders are written out by hand (`order_wire`, from the rows wholesale.selectors reads:
only the printed columns) so every number is a JSON number printed as the seed prints it
(a JSONNumber of its digits, see DecimalJSONRenderer); the Serializer classes describe
the same shapes for the OpenAPI schema and delegate to these functions. The request
body's serializer is wholesale.inputs' (built from the rules the API validates with).
"""

import functools
from datetime import UTC
from decimal import Decimal

from django.core.validators import RegexValidator
from rest_framework import serializers

from wholesale.api.renderers import JSONNumber
from wholesale.inputs import MAX_CUSTOMER_ORDER_NO, MAX_QUANTITY
from wholesale.models import (
    VAT_RATES,
    Product,
    ProductType,
    VatCode,
    WholesaleOrder,
    WholesaleOrderLine,
)
from wholesale.selectors import ORDER_USERS

CREATED_AT_FORMAT = "%Y-%m-%d %H:%M:%S+00"  # the seed's "2017-02-27 14:35:50+00", UTC
TEXT_FIELDS = ("delivery_name", "delivery_company_name", "delivery_address1",
               "delivery_address2", "delivery_town", "delivery_county",
               "delivery_country_code", "delivery_postcode", "delivery_telephone", "notes")


def as_read(value: Decimal) -> JSONNumber:
    """Money and unit prices with their column's places (`10.00`, `23.4500`): the
    database gives them at that scale."""
    return JSONNumber(str(value))


def plain(value: Decimal) -> JSONNumber:
    """Without trailing zeros and never in exponent form: 0.050 -> 0.05, 10.000 -> 10."""
    text = str(value)
    if "E" in text:  # (not a column's value: those print in fixed point)
        value = value.normalize()
        text = str(value.quantize(Decimal(1)) if value == value.to_integral_value() else value)
    elif "." in text:
        text = text.rstrip("0").rstrip(".")
    return JSONNumber(text)


PLAIN_VAT_RATES = {code: plain(rate) for code, rate in VAT_RATES.items()}


def user_name(names: tuple[str, str, str] | None) -> str | None:
    """As Django's `get_full_name() or get_username()`, from (first, last, username)."""
    if names is None:
        return None
    first, last, username = names
    return f"{first} {last}".strip() or username


def line_wire(line: tuple) -> dict:
    """A line from a tuple of wholesale.selectors.LINE_ROW_COLUMNS."""
    (_, product_code, product_type, quantity, description, vat_code, vat_rate, unit_price,
     line_price, vat, unit_weight, line_weight) = line
    return {
        "product_code": product_code,
        "type": product_type,
        "quantity": quantity,
        "description": description,
        "vat_code": vat_code,
        "vat_rate": plain(vat_rate),
        "unit_price": as_read(unit_price),
        "line_price": as_read(line_price),
        "vat": as_read(vat),
        "unit_weight": plain(unit_weight),
        "line_weight": plain(line_weight),
    }


def order_wire(row: dict) -> dict:
    """One order as the seed shows it, from a row of wholesale.selectors.order_rows_* with
    its lines (order_rows_completed): no queries."""
    order = {
        "order_id": row["id"],
        "order_number": row["order_number"],
        "customer_order_no": row["customer_order_no"],
        "order_state": row["order_state"],
        "order_type": row["order_type"],
        "delivery_method": row["delivery_method"],
    }
    for name in TEXT_FIELDS:
        order[name] = row[name] or None  # stored "" when not given; the seed prints null
    order["products"] = [line_wire(line) for line in row["lines"]]
    order["carriage_tba"] = row["carriage_tba"]
    order["total_vat"] = as_read(row["total_vat"])
    order["total_price"] = as_read(row["total_price"])
    order["total_weight"] = plain(row["total_weight"])
    order["created_at"] = row["created_at"].astimezone(UTC).strftime(CREATED_AT_FORMAT)
    for user in ORDER_USERS:
        order[user] = user_name(row[user])
    return order


def product_wire(row: dict) -> dict:
    return {
        "product_code": row["product_code"],
        "type": row["type"],
        "description": row["description"],
        "vat_code": row["vat_code"],
        "vat_rate": PLAIN_VAT_RATES[row["vat_code"]],
        "unit_price": as_read(row["unit_price"]),
        "unit_weight": plain(row["unit_weight"]),
    }


def column_number(model, name: str) -> serializers.DecimalField:
    """A figure as its column holds it: the schema's bounds are the column's range
    (numeric(14,2) up to 999,999,999,999.99), never negative."""
    column = model._meta.get_field(name)
    return serializers.DecimalField(max_digits=column.max_digits,
                                    decimal_places=column.decimal_places, min_value=0,
                                    coerce_to_string=False)


# The VAT rates of the VAT codes (wholesale.models.VAT_RATES), at most 1.
vat_rate_number = functools.partial(serializers.DecimalField, max_digits=5, decimal_places=4,
                                    min_value=0, max_value=1, coerce_to_string=False)
CREATED_AT_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\+00$"


def printed_text():
    """Optional text: null when not given (never an empty string)."""
    return serializers.CharField(allow_null=True, min_length=1)


class WholesaleOrderLineSerializer(serializers.Serializer):
    product_code = serializers.CharField()
    type = serializers.ChoiceField(choices=ProductType.values)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    description = serializers.CharField()
    vat_code = serializers.ChoiceField(choices=VatCode.values)
    vat_rate = vat_rate_number()
    unit_price = column_number(WholesaleOrderLine, "unit_price")
    line_price = column_number(WholesaleOrderLine, "line_price")
    vat = column_number(WholesaleOrderLine, "vat")
    unit_weight = column_number(WholesaleOrderLine, "unit_weight")
    line_weight = column_number(WholesaleOrderLine, "line_weight")


class WholesaleOrderSerializer(serializers.Serializer):
    """An order as the seed shows it (written by `order_wire`)."""

    order_id = serializers.IntegerField(min_value=1)
    order_number = serializers.IntegerField(min_value=1)
    customer_order_no = serializers.CharField(min_length=1, max_length=MAX_CUSTOMER_ORDER_NO)
    order_state = serializers.ChoiceField(choices=WholesaleOrder.State.values)
    order_type = serializers.ChoiceField(choices=WholesaleOrder.OrderType.values)
    delivery_method = serializers.ChoiceField(choices=WholesaleOrder.DeliveryMethod.values)
    delivery_name = printed_text()
    delivery_company_name = printed_text()
    delivery_address1 = printed_text()
    delivery_address2 = printed_text()
    delivery_town = printed_text()
    delivery_county = printed_text()
    delivery_country_code = printed_text()
    delivery_postcode = printed_text()
    delivery_telephone = printed_text()
    notes = printed_text()
    products = WholesaleOrderLineSerializer(many=True)
    carriage_tba = serializers.BooleanField()
    total_vat = column_number(WholesaleOrder, "total_vat")
    total_price = column_number(WholesaleOrder, "total_price")
    total_weight = column_number(WholesaleOrder, "total_weight")
    created_at = serializers.CharField(
        help_text='UTC, as the seed prints it: "2017-02-27 14:35:50+00".',
        validators=[RegexValidator(CREATED_AT_PATTERN)])
    created_by = serializers.CharField(allow_null=True, help_text="The user's full name "
                                       "(or username); null when not known.")
    placed_by = serializers.CharField(allow_null=True)
    deleted_by = serializers.CharField(allow_null=True)

    def to_representation(self, instance):
        return order_wire(instance)


class WholesaleProductSerializer(serializers.Serializer):
    product_code = serializers.CharField()
    type = serializers.ChoiceField(choices=ProductType.values)
    description = serializers.CharField()
    vat_code = serializers.ChoiceField(choices=VatCode.values)
    vat_rate = vat_rate_number()
    unit_price = column_number(Product, "unit_price")
    unit_weight = column_number(Product, "unit_weight")

    def to_representation(self, instance):
        return product_wire(instance)


class WholesaleErrorSerializer(serializers.Serializer):
    """The origin's error body (wholesale.api.views.render_wholesale_error): a message,
    and for invalid fields each one's messages."""

    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   required=False)
