from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from marketplace import services
from marketplace.models import MarketplaceCustomer, MarketplaceOrder, Merchant, Record
from orders.admin import KeptOrderAdmin, OrderEventInline, transition_action
from orders.lifecycle import TransitionRefused, order_label


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["company_name", "public_id", "email", "primary_contact", "phone_number",
                    "user"]
    search_fields = ["=public_id", "company_name", "email", "primary_contact", "user__username"]
    readonly_fields = ["public_id"]
    autocomplete_fields = ["user"]


@admin.register(MarketplaceCustomer)
class MarketplaceCustomerAdmin(admin.ModelAdmin):
    list_display = ["username", "public_id", "email", "first_name", "last_name", "user"]
    search_fields = ["=public_id", "username", "email", "first_name", "last_name"]
    readonly_fields = ["public_id"]
    autocomplete_fields = ["user"]


class RecordAdminForm(forms.ModelForm):
    """A record's fields through the API's own record validation (`record_validate`):
    the same limits (a price of zero or more, comments up to their length) and values."""

    class Meta:
        model = Record
        fields = ["merchant", *services.RECORD_FIELDS, "removed_at"]

    def clean(self):
        cleaned = super().clean()
        body = {name: cleaned.get(name) for name in services.RECORD_FIELDS}
        if body["price"] is not None:
            body["price"] = str(body["price"])
        try:
            validated = services.record_validate(body)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name in self.fields and name not in self.errors:
                    self.add_error(name, messages)
                elif name not in self.fields:
                    self.add_error(None, messages)
            return cleaned
        cleaned.update(validated)
        return cleaned


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    form = RecordAdminForm
    list_display = ["artist", "title", "public_id", "price", "condition", "merchant",
                    "removed_at"]
    list_filter = ["merchant", ("removed_at", admin.EmptyFieldListFilter)]
    search_fields = ["=public_id", "artist", "title"]
    list_select_related = ["merchant"]
    readonly_fields = ["public_id", "created_at"]


class OrderAdminForm(forms.ModelForm):
    """Validates the edited fields with the API's own update validation."""

    # The version the operator saw: a save over a newer one is refused, as `__v` is.
    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.version

    class Meta:
        model = MarketplaceOrder
        fields = [*services.ADDRESS_FIELDS, "comments"]

    def clean(self):
        cleaned = super().clean()
        self.order_changes = {}
        body = {name: cleaned.get(name) for name in self.changed_data
                if name in cleaned and name in self._meta.fields}
        if body:
            try:
                self.order_changes = services.order_update_validate(body)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    self.add_error(name if name in self.fields else None, messages)
        return cleaned


@admin.register(MarketplaceOrder)
class MarketplaceOrderAdmin(KeptOrderAdmin):
    form = OrderAdminForm
    list_display = ["public_id", "status", "record", "merchant", "customer", "paypal_email",
                    "shipping_zip", "version", "created_at"]
    list_filter = ["status", "merchant", "created_at"]
    search_fields = ["=public_id", "customer__email", "paypal_email", "shipping_zip",
                     "billing_zip", "record__title"]
    list_select_related = ["record", "merchant", "customer"]
    date_hierarchy = "created_at"
    # Status changes go through the actions (and their history); edits through the service.
    readonly_fields = ["public_id", "status", "version", "record", "merchant", "customer",
                       "merchant_company_name", "merchant_primary_contact",
                       "merchant_phone_number", "created_at", "external_id"]
    fieldsets = [
        (None, {"fields": readonly_fields}),
        ("Shipping", {"fields": services.SHIPPING_FIELDS}),
        ("Billing", {"fields": services.BILLING_FIELDS}),
        (None, {"fields": ["comments"]}),
    ]
    inlines = [OrderEventInline]
    actions = [
        transition_action(services.order_complete, description="Mark selected orders completed",
                          done="completed"),
        transition_action(services.order_cancel, description="Cancel selected orders",
                          done="cancelled"),
    ]

    def save_model(self, request, obj, form, change):
        if not form.order_changes:
            return
        try:
            services.order_update(order=obj, changes=form.order_changes, actor=request.user,
                                  via="admin", expected_version=form.cleaned_data["seen_version"])
        except TransitionRefused:
            current = MarketplaceOrder.objects.get(pk=obj.pk)
            self.order_not_saved(request, f"{order_label(current)} was changed meanwhile "
                                          f"(__v {form.cleaned_data['seen_version']} when "
                                          f"opened, {current.version} now)")

    def has_add_permission(self, request):
        return False  # customers place orders through the API (or an import)
