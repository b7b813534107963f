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


class LabOrdererSerializer(serializers.ModelSerializer):
    class Meta:
        model = Orderer
        fields = ["email", "name"]


class LabProductSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name"]


class LabSkuSerializer(serializers.ModelSerializer):
    serving_size_grams = serializers.DecimalField(
        max_digits=10, decimal_places=3, coerce_to_string=False, allow_null=True
    )
    product = LabProductSummarySerializer()

    class Meta:
        model = Sku
        fields = ["id", "name", "code", "serving_size_grams", "product"]


class LabSkuSummarySerializer(LabSkuSerializer):
    class Meta(LabSkuSerializer.Meta):
        fields = ["id", "name", "code", "serving_size_grams"]


class LabProductSerializer(serializers.ModelSerializer):
    skus = LabSkuSummarySerializer(many=True)

    class Meta:
        model = Product
        fields = ["id", "name", "skus"]


class LabAssaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Assay
        fields = ["id", "name"]


class LabSampleTestSerializer(serializers.ModelSerializer):
    created_at = MillisecondDateTimeField()
    updated_at = MillisecondDateTimeField()
    assay = LabAssaySerializer()

    class Meta:
        model = Test
        fields = ["id", "status", "created_at", "updated_at", "assay"]


class LabSampleSerializer(serializers.ModelSerializer):
    sku = LabSkuSerializer()
    tests = LabSampleTestSerializer(many=True)

    class Meta:
        model = Sample
        fields = ["id", "lot", "sku", "batch", "composite", "number_of_composites", "tests"]


class LabOrderSerializer(serializers.ModelSerializer):
    ordered_at = MillisecondDateTimeField()
    paid_at = MillisecondDateTimeField()
    date_received = MillisecondDateTimeField()
    created_at = MillisecondDateTimeField()
    updated_at = MillisecondDateTimeField()
    orderer = LabOrdererSerializer()

    class Meta:
        model = LabOrder
        fields = ["id", "status", "payment_status", "ordered_at", "paid_at", "date_received",
                  "created_at", "updated_at", "orderer"]


class LabOrderDetailSerializer(LabOrderSerializer):
    samples = LabSampleSerializer(many=True)

    class Meta(LabOrderSerializer.Meta):
        fields = [*LabOrderSerializer.Meta.fields, "samples"]


class LabTestSampleSerializer(serializers.ModelSerializer):
    sku = LabSkuSerializer()

    class Meta:
        model = Sample
        fields = ["id", "lot", "sku", "batch", "composite", "number_of_composites"]


class LabTestOrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = LabOrder
        fields = ["id", "status", "payment_status"]


class LabTestSerializer(LabSampleTestSerializer):
    """A test on its own: with its sample and a summary of its order."""

    sample = LabTestSampleSerializer()
    order = LabTestOrderSerializer(source="sample.order")

    class Meta(LabSampleTestSerializer.Meta):
        fields = [*LabSampleTestSerializer.Meta.fields, "sample", "order"]
