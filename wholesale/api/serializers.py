"""The wholesale origin's wire format.

Orders are written out by hand (`order_wire`) so every number is a JSON number printed as
the seed prints it (see DecimalJSONRenderer); the Serializer classes describe the same
shapes for the OpenAPI schema and delegate to these functions. The request body's
serializer is wholesale.inputs' (built from the rules the API validates with).
"""

from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal

from rest_framework import serializers

from wholesale.models import Product, ProductType, VatCode, WholesaleOrder, WholesaleOrderLine
from wholesale.pricing import money

CREATED_AT_FORMAT = "%Y-%m-%d %H:%M:%S+00"  # the seed's "2017-02-27 14:35:50+00", UTC
UNIT_PRICE_PLACES = Decimal("0.0001")


def unit_price(value: Decimal) -> Decimal:
    return value.quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form: 0.050 -> 0.05, 10.000 -> 10."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def text_or_null(value: str) -> str | None:
    return value or None


def user_name(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def line_wire(line: WholesaleOrderLine) -> dict:
    return {
        "product_code": line.product_code,
        "type": line.product_type,
        "quantity": line.quantity,
        "description": line.description,
        "vat_code": line.vat_code,
        "vat_rate": plain(line.vat_rate),
        "unit_price": unit_price(line.unit_price),
        "line_price": money(line.line_price),
        "vat": money(line.vat),
        "unit_weight": plain(line.unit_weight),
        "line_weight": plain(line.line_weight),
    }


def order_wire(order: WholesaleOrder) -> dict:
    """One order as the seed shows it; uses the prefetched lines (no extra queries)."""
    return {
        "order_id": order.pk,
        "order_number": order.order_number,
        "customer_order_no": order.customer_order_no,
        "order_state": order.order_state,
        "order_type": order.order_type,
        "delivery_method": order.delivery_method,
        "delivery_name": text_or_null(order.delivery_name),
        "delivery_company_name": text_or_null(order.delivery_company_name),
        "delivery_address1": text_or_null(order.delivery_address1),
        "delivery_address2": text_or_null(order.delivery_address2),
        "delivery_town": text_or_null(order.delivery_town),
        "delivery_county": text_or_null(order.delivery_county),
        "delivery_country_code": text_or_null(order.delivery_country_code),
        "delivery_postcode": text_or_null(order.delivery_postcode),
        "delivery_telephone": text_or_null(order.delivery_telephone),
        "notes": text_or_null(order.notes),
        "products": [line_wire(line) for line in order.lines.all()],
        "carriage_tba": order.carriage_tba,
        "total_vat": money(order.total_vat),
        "total_price": money(order.total_price),
        "total_weight": plain(order.total_weight),
        "created_at": order.created_at.astimezone(UTC).strftime(CREATED_AT_FORMAT),
        "created_by": user_name(order.created_by),
        "placed_by": user_name(order.placed_by),
        "deleted_by": user_name(order.deleted_by),
    }


def product_wire(product: Product) -> dict:
    return {
        "product_code": product.product_code,
        "type": product.type,
        "description": product.description,
        "vat_code": product.vat_code,
        "vat_rate": plain(product.vat_rate),
        "unit_price": unit_price(product.unit_price),
        "unit_weight": plain(product.unit_weight),
    }


def number(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=4, coerce_to_string=False,
                                    **kwargs)


class WholesaleOrderLineSerializer(serializers.Serializer):
    product_code = serializers.CharField()
    type = serializers.ChoiceField(choices=ProductType.values)
    quantity = serializers.IntegerField(min_value=1)
    description = serializers.CharField()
    vat_code = serializers.ChoiceField(choices=VatCode.values)
    vat_rate = number()
    unit_price = number()
    line_price = number()
    vat = number()
    unit_weight = number()
    line_weight = number()


class WholesaleOrderSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    order_number = serializers.IntegerField()
    customer_order_no = serializers.CharField()
    order_state = serializers.ChoiceField(choices=WholesaleOrder.State.values)
    order_type = serializers.ChoiceField(choices=WholesaleOrder.OrderType.choices)
    delivery_method = serializers.ChoiceField(choices=WholesaleOrder.DeliveryMethod.values)
    delivery_name = serializers.CharField(allow_null=True)
    delivery_company_name = serializers.CharField(allow_null=True)
    delivery_address1 = serializers.CharField(allow_null=True)
    delivery_address2 = serializers.CharField(allow_null=True)
    delivery_town = serializers.CharField(allow_null=True)
    delivery_county = serializers.CharField(allow_null=True)
    delivery_country_code = serializers.CharField(allow_null=True)
    delivery_postcode = serializers.CharField(allow_null=True)
    delivery_telephone = serializers.CharField(allow_null=True)
    notes = serializers.CharField(allow_null=True)
    products = WholesaleOrderLineSerializer(many=True)
    carriage_tba = serializers.BooleanField()
    total_vat = number()
    total_price = number()
    total_weight = number()
    created_at = serializers.CharField(help_text='UTC, "2017-02-27 14:35:50+00"')
    created_by = serializers.CharField(allow_null=True)
    placed_by = serializers.CharField(allow_null=True)
    deleted_by = serializers.CharField(allow_null=True)

    def to_representation(self, instance):
        return order_wire(instance)


class WholesaleProductSerializer(serializers.Serializer):
    product_code = serializers.CharField()
    type = serializers.ChoiceField(choices=ProductType.values)
    description = serializers.CharField()
    vat_code = serializers.ChoiceField(choices=VatCode.values)
    vat_rate = number()
    unit_price = number()
    unit_weight = number()

    def to_representation(self, instance):
        return product_wire(instance)


class WholesaleErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   required=False)
