from datetime import UTC

from rest_framework import serializers

from labs.models import Assay, LabOrder, Orderer, Product, Sample, Sku, Test


class MillisecondDateTimeField(serializers.DateTimeField):
    """The seed's times: "2025-11-13T19:47:00.000Z", UTC with milliseconds."""

    def to_representation(self, value):
        if value is None:
            return None
        value = value.astimezone(UTC)
        return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


class OrdererSerializer(serializers.ModelSerializer):
    class Meta:
        model = Orderer
        fields = ["email", "name"]


class ProductSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name"]


class SkuSerializer(serializers.ModelSerializer):
    serving_size_grams = serializers.DecimalField(
        max_digits=10, decimal_places=3, coerce_to_string=False, allow_null=True
    )
    product = ProductSummarySerializer()

    class Meta:
        model = Sku
        fields = ["id", "name", "code", "serving_size_grams", "product"]


class SkuSummarySerializer(SkuSerializer):
    class Meta(SkuSerializer.Meta):
        fields = ["id", "name", "code", "serving_size_grams"]


class ProductSerializer(serializers.ModelSerializer):
    skus = SkuSummarySerializer(many=True)

    class Meta:
        model = Product
        fields = ["id", "name", "skus"]


class AssaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Assay
        fields = ["id", "name"]


class SampleTestSerializer(serializers.ModelSerializer):
    created_at = MillisecondDateTimeField()
    updated_at = MillisecondDateTimeField()
    assay = AssaySerializer()

    class Meta:
        model = Test
        fields = ["id", "status", "created_at", "updated_at", "assay"]


class SampleSerializer(serializers.ModelSerializer):
    sku = SkuSerializer()
    tests = SampleTestSerializer(many=True)

    class Meta:
        model = Sample
        fields = ["id", "lot", "sku", "batch", "composite", "number_of_composites", "tests"]


class OrderSerializer(serializers.ModelSerializer):
    ordered_at = MillisecondDateTimeField()
    paid_at = MillisecondDateTimeField()
    date_received = MillisecondDateTimeField()
    created_at = MillisecondDateTimeField()
    updated_at = MillisecondDateTimeField()
    orderer = OrdererSerializer()

    class Meta:
        model = LabOrder
        fields = ["id", "status", "payment_status", "ordered_at", "paid_at", "date_received",
                  "created_at", "updated_at", "orderer"]


class OrderDetailSerializer(OrderSerializer):
    samples = SampleSerializer(many=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "samples"]


class TestSampleSerializer(serializers.ModelSerializer):
    sku = SkuSerializer()

    class Meta:
        model = Sample
        fields = ["id", "lot", "sku", "batch", "composite", "number_of_composites"]


class TestOrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = LabOrder
        fields = ["id", "status", "payment_status"]


class TestSerializer(SampleTestSerializer):
    """A test on its own: with its sample and a summary of its order."""

    sample = TestSampleSerializer()
    order = TestOrderSerializer(source="sample.order")

    class Meta(SampleTestSerializer.Meta):
        fields = [*SampleTestSerializer.Meta.fields, "sample", "order"]
