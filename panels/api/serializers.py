from rest_framework import serializers

from panels.inputs import CREATED_AT_FORMAT
from panels.models import Customer, CustomerPanelOrder, Panel


class OrderSerializer(serializers.ModelSerializer):
    created_at = serializers.DateTimeField(format=CREATED_AT_FORMAT, default_timezone=None)
    order_items = serializers.SerializerMethodField()

    class Meta:
        model = CustomerPanelOrder
        fields = ["id", "created_at", "customer_id", "order_items", "status"]

    def get_order_items(self, order) -> list[dict]:
        # Uses the prefetched items (ordered by position), so a page costs no extra queries.
        return [{"panel_sku": item.panel.sku} for item in order.items.all()]


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "first_name", "last_name", "reference_id", "email", "date_of_birth"]
        extra_kwargs = {
            "reference_id": {"required": False, "allow_blank": True},
            "email": {"required": False, "allow_blank": True},
            "date_of_birth": {"required": False, "allow_null": True},
        }


class PanelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Panel
        fields = ["id", "name", "sku", "is_license_required"]


class TokenAuthSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False)
