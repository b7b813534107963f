import json

from django import forms
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from labs import inputs, selectors, services
from labs.models import Assay, Company, LabOrder, Orderer, Product, Sample, Sku, Test
from orders.admin import AddedByFormAdmin, KeptOrderAdmin, OrderEventInline, transition_action
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


class LabOrderAddForm(forms.ModelForm):
    """A new order of the company picked: validated by `labs.inputs` and the batch
    reference check, exactly as an import record is, then written by the same service.
    Each error is shown on its field, worded as the import words it; an error inside the
    samples names its place (`samples[0].sku_id: ...`)."""

    # The body's fields as typed: labs.inputs alone says what is wrong with them.
    external_id = forms.Field(required=False)
    orderer_email = forms.Field(required=False)
    orderer_name = forms.Field(required=False)
    samples = forms.Field(widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
                          required=False, help_text=(
        'JSON, as an import record gives them: [{"sku_id": 16, "assay_ids": [69, 243], '
        '"lot": "L-1", "batch": null, "composite": false, "number_of_composites": 1}]'))

    # where each field of the body is shown in the form
    FORM_FIELDS = {"external_id": "external_id", "orderer.email": "orderer_email",
                   "orderer.name": "orderer_name", "company_id": "company"}

    class Meta:
        model = LabOrder
        fields = ["company", "external_id", "orderer_email", "orderer_name", "samples"]

    def body(self) -> dict:
        """The form's data as the body `labs.inputs` parses."""
        data = self.data
        text = data.get("samples", "")
        try:
            samples = json.loads(text) if text.strip() else []
        except ValueError as exc:
            self.add_error("samples", f"Not valid JSON: {exc}.")
            samples = []
        return {"external_id": data.get("external_id", ""),
                "orderer": {"email": data.get("orderer_email", ""),
                            "name": data.get("orderer_name", "")},
                "samples": samples}

    def clean(self):
        company = self.cleaned_data.get("company")
        body = self.body()
        if self.errors:
            return self.cleaned_data
        try:
            order = inputs.order_parse(body)
        except inputs.InputErrors as exc:
            self.add_input_errors(exc.pairs())
            return self.cleaned_data
        if company is not None:
            [(order, errors)] = selectors.order_references_check(
                [order._replace(company_id=company.pk)])
            if taken := selectors.external_id_taken(order.external_id):
                errors.append(taken)
            self.add_input_errors([(error.field, error.message) for error in errors])
            self.order_input = order
        return self.cleaned_data

    def add_input_errors(self, pairs) -> None:
        for name, message in pairs:
            field = self.FORM_FIELDS.get(name)
            if field is None and name.startswith("samples"):
                field, message = "samples", f"{name}: {message}" if name != "samples" \
                    else message
            self.add_error(field, message)


@admin.register(LabOrder)
class LabOrderAdmin(AddedByFormAdmin, KeptOrderAdmin):
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

    # Adding: the order with its samples and tests, through the one input layer; a saved
    # order is changed only by the actions (and their history).
    add_form = LabOrderAddForm
    add_fields = ["company", "external_id", "orderer_email", "orderer_name", "samples"]

    def save_model(self, request, obj, form, change):
        if change:  # nothing to save: every field is read-only
            return
        try:
            order = services.order_create(order=form.order_input, actor=request.user,
                                          via="admin")
        except inputs.InputErrors as exc:  # a concurrent create took the external_id
            self.order_not_saved(request, str(exc))
            return
        obj.__dict__.update({k: v for k, v in order.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        if not getattr(request, "order_not_saved", False):
            super().save_related(request, form, formsets, change)

    def log_addition(self, request, obj, message):
        if not getattr(request, "order_not_saved", False):
            return super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "order_not_saved", False):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)


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
