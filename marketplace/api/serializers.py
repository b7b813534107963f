"""The record marketplace's wire format: the seed's order object, field by field."""

from datetime import UTC

from rest_framework import serializers

from marketplace.models import MarketplaceOrder, Record


class CreatedDateField(serializers.DateTimeField):
    """UTC with milliseconds and a Z, like the seed's "2019-02-12T02:16:49.482Z"."""

    def to_representation(self, value):
        value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class OneObjectListSerializer(serializers.ListSerializer):
    """The origin wraps each *_info object in a list holding that one object."""

    def to_representation(self, data):
        return [self.child.to_representation(data)]


class InfoSerializer(serializers.Serializer):
    class Meta:
        list_serializer_class = OneObjectListSerializer


class MarketplaceCustomerInfoSerializer(InfoSerializer):
    username = serializers.CharField()
    email = serializers.EmailField()
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")


class MarketplaceShippingInfoSerializer(InfoSerializer):
    shipping_address1 = serializers.CharField()
    shipping_address2 = serializers.CharField(allow_blank=True)
    shipping_city = serializers.CharField()
    shipping_state = serializers.CharField()
    shipping_zip = serializers.CharField()


class MarketplaceBillingInfoSerializer(InfoSerializer):
    paypal_email = serializers.EmailField()
    billing_address1 = serializers.CharField(allow_blank=True)
    billing_address2 = serializers.CharField(allow_blank=True)
    billing_city = serializers.CharField(allow_blank=True)
    billing_state = serializers.CharField(allow_blank=True)
    billing_zip = serializers.CharField(allow_blank=True)


class MarketplaceMerchantInfoSerializer(InfoSerializer):
    """The snapshot of the merchant taken when the order was placed."""

    merchant_id = serializers.CharField(source="merchant.public_id")
    companyName = serializers.CharField(source="merchant_company_name")
    primaryContact = serializers.CharField(source="merchant_primary_contact")
    phoneNumber = serializers.CharField(source="merchant_phone_number")


class MarketplaceOrderSerializer(serializers.ModelSerializer):
    """The seed's order object. Expects the order with record, merchant and customer
    selected (selectors do that), so a page of orders is one query."""

    _id = serializers.CharField(source="public_id", read_only=True)
    record_id = serializers.CharField(source="record.public_id", read_only=True)
    merchant_id = serializers.CharField(source="merchant.public_id", read_only=True)
    customer_info = MarketplaceCustomerInfoSerializer(source="customer", many=True, read_only=True)
    shipping_info = MarketplaceShippingInfoSerializer(source="*", many=True, read_only=True)
    billing_info = MarketplaceBillingInfoSerializer(source="*", many=True, read_only=True)
    merchant_info = MarketplaceMerchantInfoSerializer(source="*", many=True, read_only=True)
    comments = serializers.ListField(child=serializers.CharField(), read_only=True)
    _createdBy = serializers.CharField(source="customer.public_id", read_only=True)
    created_date = CreatedDateField(source="created_at", read_only=True)

    class Meta:
        model = MarketplaceOrder
        fields = ["status", "_id", "record_id", "merchant_id", "customer_info",
                  "shipping_info", "billing_info", "merchant_info", "comments", "_createdBy",
                  "created_date"]

    def get_fields(self):
        fields = super().get_fields()
        # "__v" cannot be a class attribute (Python mangles double-underscore names).
        fields["__v"] = serializers.IntegerField(source="version", read_only=True)
        return fields


class MarketplaceRecordSerializer(serializers.ModelSerializer):
    _id = serializers.CharField(source="public_id", read_only=True)
    merchant_id = serializers.CharField(source="merchant.public_id", read_only=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False)
    created_date = CreatedDateField(source="created_at", read_only=True)

    class Meta:
        model = Record
        fields = ["_id", "merchant_id", "artist", "title", "price", "condition", "comments",
                  "created_date"]


class MarketplaceLogInSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)


class MarketplaceLogInResponseSerializer(serializers.Serializer):
    def get_fields(self):
        return {"secret token": serializers.CharField(read_only=True)}


class MarketplaceMessageSerializer(serializers.Serializer):
    success_message = serializers.CharField()
    response_code = serializers.IntegerField()
