"""JSON:API (djangorestframework-jsonapi) serializers: attributes as the seed shows them.

Date formats of the seed: `created_at` "2020-05-24 12:58:43", `invoice_date`
"2020-05-24T11:58:43.000000Z", `order_date` "2020-05-24 00:00:00", `order_time` "13:13:00"
(all UTC). Money is a string with 4 decimals ("15.0449").
"""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers as drf_serializers
from rest_framework_json_api import serializers
from rest_framework_json_api.relations import ResourceRelatedField

from restaurant.models import (
    Address,
    Customer,
    Location,
    Order,
    PaymentMethod,
    Staff,
    StaffGroup,
    Status,
    StatusHistory,
)

PLAIN_DATETIME = "%Y-%m-%d %H:%M:%S"
ISO_DATETIME = "%Y-%m-%dT%H:%M:%S.%fZ"
# Schema components are prefixed "Restaurant": other domains have an "Order" too.


def plain_datetime(**kwargs):
    return drf_serializers.DateTimeField(format=PLAIN_DATETIME, read_only=True, **kwargs)


def iso_datetime(**kwargs):
    return drf_serializers.DateTimeField(format=ISO_DATETIME, read_only=True, **kwargs)


def money(**kwargs):
    return drf_serializers.DecimalField(max_digits=15, decimal_places=4, read_only=True,
                                        coerce_to_string=True, **kwargs)


@extend_schema_serializer(component_name="RestaurantCustomer")
class CustomerSerializer(serializers.ModelSerializer):
    created_at = plain_datetime()

    class Meta:
        model = Customer
        fields = ["id", "first_name", "last_name", "email", "telephone", "created_at"]


@extend_schema_serializer(component_name="RestaurantLocation")
class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "email", "telephone", "address_1", "city", "postcode"]


@extend_schema_serializer(component_name="RestaurantAddress")
class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "customer_id", "address_1", "address_2", "city", "state", "postcode",
                  "country"]


@extend_schema_serializer(component_name="RestaurantPaymentMethod")
class PaymentMethodSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentMethod
        fields = ["code", "name"]  # the code is also the resource id


@extend_schema_serializer(component_name="RestaurantStatus")
class StatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = Status
        fields = ["id", "name", "comment", "notify_customer"]


@extend_schema_serializer(component_name="RestaurantStaff")
class StaffSerializer(serializers.ModelSerializer):
    class Meta:
        model = Staff
        fields = ["id", "name", "email"]


@extend_schema_serializer(component_name="RestaurantStaffGroup")
class StaffGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = StaffGroup
        fields = ["id", "name"]


@extend_schema_serializer(component_name="RestaurantStatusHistory")
class StatusHistorySerializer(serializers.ModelSerializer):
    created_at = plain_datetime()

    class Meta:
        model = StatusHistory
        fields = ["id", "status_id", "staff_id", "comment", "notify", "created_at"]


@extend_schema_serializer(component_name="RestaurantOrderMenu")
class OrderMenuSerializer(drf_serializers.Serializer):
    id = drf_serializers.IntegerField(source="menu_id")
    order_menu_id = drf_serializers.IntegerField(source="pk")
    name = drf_serializers.CharField()
    qty = drf_serializers.IntegerField()
    price = money()
    subtotal = money()
    comment = drf_serializers.CharField()
    options = drf_serializers.JSONField()


@extend_schema_serializer(component_name="RestaurantOrderTotal")
class OrderTotalSerializer(drf_serializers.Serializer):
    code = drf_serializers.CharField()
    title = drf_serializers.CharField()
    value = money()
    priority = drf_serializers.IntegerField()


@extend_schema_serializer(component_name="RestaurantOrder")
class OrderSerializer(serializers.ModelSerializer):
    """An order resource; every relation in `relationships`, full rows via `include`."""

    included_serializers = {
        "customer": CustomerSerializer,
        "location": LocationSerializer,
        "address": AddressSerializer,
        "payment_method": PaymentMethodSerializer,
        "status": StatusSerializer,
        "assignee": StaffSerializer,
        "assignee_group": StaffGroupSerializer,
        "status_history": StatusHistorySerializer,
    }

    customer_id = drf_serializers.IntegerField(read_only=True)
    location_id = drf_serializers.IntegerField(read_only=True)
    address_id = drf_serializers.IntegerField(read_only=True)
    order_time = drf_serializers.TimeField(format="%H:%M:%S", read_only=True)
    order_date = drf_serializers.SerializerMethodField()
    order_date_time = drf_serializers.SerializerMethodField()
    order_total = money()
    payment = drf_serializers.CharField(source="payment_method_id", read_only=True)
    invoice_date = iso_datetime()
    status_id = drf_serializers.IntegerField(read_only=True)
    status_updated_at = iso_datetime()
    assignee_id = drf_serializers.IntegerField(read_only=True)
    assignee_group_id = drf_serializers.IntegerField(read_only=True)
    assignee_updated_at = iso_datetime()
    created_at = plain_datetime()
    updated_at = plain_datetime()
    order_totals = OrderTotalSerializer(many=True, read_only=True)
    order_menus = OrderMenuSerializer(many=True, read_only=True)

    customer = ResourceRelatedField(read_only=True)
    location = ResourceRelatedField(read_only=True)
    address = ResourceRelatedField(read_only=True)
    payment_method = ResourceRelatedField(read_only=True)
    status = ResourceRelatedField(read_only=True)
    assignee = ResourceRelatedField(read_only=True)
    assignee_group = ResourceRelatedField(read_only=True)
    status_history = ResourceRelatedField(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id", "customer_id", "location_id", "address_id", "first_name", "last_name",
            "email", "telephone", "notify", "order_type", "order_time", "order_date",
            "order_date_time", "processed", "total_items", "order_total", "currency",
            "comment", "payment", "invoice_prefix", "invoice_date", "status_id",
            "status_updated_at", "assignee_id", "assignee_group_id", "assignee_updated_at",
            "ip_address", "hash", "user_agent", "created_at", "updated_at", "order_totals",
            "order_menus",
            "customer", "location", "address", "payment_method", "status", "assignee",
            "assignee_group", "status_history",
        ]

    def get_order_date(self, order) -> str:
        return order.order_date.strftime("%Y-%m-%d 00:00:00")

    def get_order_date_time(self, order) -> str:
        return f"{order.order_date:%Y-%m-%d} {order.order_time:%H:%M:%S}"


@extend_schema_serializer(component_name="RestaurantOrderDeleted")
class OrderDeletedSerializer(drf_serializers.Serializer):
    id = drf_serializers.IntegerField()
    object = drf_serializers.CharField()
    deleted = drf_serializers.BooleanField()


@extend_schema_serializer(component_name="RestaurantTokenRequest")
class TokenRequestSerializer(drf_serializers.Serializer):
    email = drf_serializers.EmailField()
    password = drf_serializers.CharField(trim_whitespace=False)
    device_name = drf_serializers.CharField(max_length=255)
    abilities = drf_serializers.ListField(child=drf_serializers.CharField(), required=False)


@extend_schema_serializer(component_name="RestaurantTokenResponse")
class TokenResponseSerializer(drf_serializers.Serializer):
    status_code = drf_serializers.IntegerField()
    token = drf_serializers.CharField()
