from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from labs import services
from labs.models import Assay, Company, LabOrder, Orderer, Product, Sample, Sku, Test
from orders.admin import KeptOrderAdmin, OrderEventInline, transition_action
from orders.models import ApiToken


class OrdererInline(admin.TabularInline):
    model = Orderer
    fields = ["email", "name", "user"]
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name", "users__username", "users__email", "orderers__email"]
    filter_horizontal = ["users"]
    readonly_fields = ["api_keys"]
    inlines = [OrdererInline]

    @admin.display(description="API keys (tokens of the company's users)")
    def api_keys(self, company):
        tokens = ApiToken.objects.filter(user__lab_companies=company).select_related("user")
        rows = format_html_join(
            "", "<li>{}… {} of {} ({})</li>",
            ((t.prefix, t.label or "no label", t.user,
              "revoked" if t.is_revoked else t.abilities_shown) for t in tokens),
        )
        add = reverse("admin:orders_apitoken_add")
        return format_html('<ul>{}</ul><a href="{}">Issue a key</a>', rows, add)


class SkuInline(admin.TabularInline):
    model = Sku
    fields = ["name", "code", "serving_size_grams"]
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "company"]
    list_filter = ["company"]
    search_fields = ["=id", "name", "skus__code"]
    list_select_related = ["company"]
    inlines = [SkuInline]


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ["id", "code", "name", "product", "serving_size_grams"]
    list_filter = ["product__company"]
    search_fields = ["=id", "code", "name", "product__name"]
    list_select_related = ["product"]


@admin.register(Assay)
class AssayAdmin(admin.ModelAdmin):
    list_display = ["id", "name"]
    search_fields = ["=id", "name"]


class SampleInline(admin.TabularInline):
    """Samples with their tests; tests move through the actions of the Tests page."""

    model = Sample
    fields = ["id", "sku", "lot", "batch", "composite", "number_of_composites", "tests"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sku").prefetch_related(
            "tests__assay"
        )

    @admin.display(description="tests")
    def tests(self, sample):
        return format_html_join(
            ", ", '<a href="{}">#{} {}</a> ({})',
            ((reverse("admin:labs_test_change", args=[t.pk]), t.pk, t.assay, t.status)
             for t in sample.tests.all()),
        )


@admin.register(LabOrder)
class LabOrderAdmin(KeptOrderAdmin):
    list_display = ["id", "company", "orderer", "status", "payment_status", "ordered_at",
                    "paid_at", "date_received", "updated_at"]
    list_filter = ["status", "payment_status", "company", "ordered_at", "paid_at",
                   "date_received", "created_at"]
    search_fields = ["=id", "orderer__email", "samples__sku__code", "samples__lot",
                     "external_id"]
    list_select_related = ["company", "orderer"]
    date_hierarchy = "created_at"
    fields = ["company", "orderer", "status", "payment_status", "ordered_at", "paid_at",
              "date_received", "created_at", "updated_at", "external_id"]
    readonly_fields = fields  # state changes go through the actions (and their history)
    inlines = [SampleInline, OrderEventInline]
    actions = [
        transition_action(services.order_place, description="Place selected orders",
                          done="placed"),
        transition_action(services.order_receive_samples,
                          description="Mark samples of selected orders received",
                          done="marked received"),
        transition_action(services.order_mark_paid, description="Mark selected orders paid",
                          done="marked paid"),
        transition_action(services.order_complete, description="Complete selected orders",
                          done="completed"),
        transition_action(services.order_cancel, description="Cancel selected orders",
                          done="canceled"),
    ]

    def has_add_permission(self, request):
        return False  # orders come from the company (import) with their samples and tests


@admin.register(Test)
class TestAdmin(KeptOrderAdmin):
    list_display = ["id", "order", "sample", "assay", "status", "updated_at"]
    list_filter = ["status", "assay", "sample__order__company", "updated_at"]
    search_fields = ["=id", "=sample__order__id", "assay__name", "sample__sku__code",
                     "sample__lot"]
    list_select_related = ["sample__order", "assay"]
    fields = ["sample", "assay", "status", "created_at", "updated_at"]
    readonly_fields = fields
    inlines = [OrderEventInline]  # the test's own history
    actions = [
        transition_action(services.test_start, argument="test",
                          description="Start selected tests", done="started"),
        transition_action(services.test_complete, argument="test",
                          description="Complete selected tests", done="completed"),
        transition_action(services.test_cancel, argument="test",
                          description="Cancel selected tests", done="canceled"),
    ]

    @admin.display(ordering="sample__order")
    def order(self, test):
        return test.sample.order

    def has_add_permission(self, request):
        return False
