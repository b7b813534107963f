from django import forms
from django.contrib import admin

from marketplace import inputs, services
from marketplace.models import MarketplaceCustomer, MarketplaceOrder, Merchant, Record
from orders.admin import KeptOrderAdmin, OrderEventInline, transition_action
from orders.inputs import NON_FIELD, InputErrors
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


class InputText(forms.CharField):
    """A text box whose value `marketplace.inputs` checks (length, NUL, required), so the
    admin refuses what the API refuses with the API's message, and nothing else."""

    def __init__(self, *, max_length: int | None = None, textarea: bool = False, **kwargs):
        widget = forms.Textarea if textarea else forms.TextInput(
            attrs={"maxlength": max_length} if max_length else {})
        super().__init__(required=False, strip=False, widget=widget, **kwargs)
        self.validators = []  # (Django's NUL check would answer in its own words)


def errors_shown(form: forms.Form, exc: InputErrors) -> None:
    """The inputs' errors on the form: under their field, or above the form naming it."""
    for name, messages in exc.as_dict().items():
        if name in form.fields:
            form.add_error(name, messages)
        else:
            form.add_error(None, [f"{name}: {message}" if name != NON_FIELD else message
                                  for message in messages])


class RecordAdminForm(forms.ModelForm):
    """A record's fields through the API's own record rules (`inputs.record_input`): the
    same limits (a price of zero or more, comments up to their length) and values."""

    artist = InputText(max_length=Record._meta.get_field("artist").max_length)
    title = InputText(max_length=Record._meta.get_field("title").max_length)
    price = InputText(max_length=12, help_text="USD, whole cents.")
    condition = InputText(max_length=Record._meta.get_field("condition").max_length)
    comments = InputText(textarea=True)

    class Meta:
        model = Record
        fields = ["merchant", *inputs.RECORD_FIELDS, "removed_at"]

    def clean(self):
        cleaned = super().clean()
        body = {name: cleaned.get(name) for name in inputs.RECORD_FIELDS}
        try:
            cleaned.update(inputs.record_input(body))
        except InputErrors as exc:
            errors_shown(self, exc)
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

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        services.record_save(record=obj, merchant=data["merchant"],
                             fields={name: data[name] for name in inputs.RECORD_FIELDS},
                             removed_at=data.get("removed_at"))


class OrderAdminForm(forms.ModelForm):
    """The edited fields as an update body, through the API's own update rules
    (`inputs.order_update_input`): the same acceptance and messages."""

    # The version the operator saw: a save over a newer one is refused, as `__v` is.
    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.version
        for name in inputs.ADDRESS_FIELDS:
            self.fields[name] = InputText(
                max_length=MarketplaceOrder._meta.get_field(name).max_length,
                label=self.fields[name].label)
        self.fields["comments"].validators = []  # (the inputs name a NUL, in their words)

    class Meta:
        model = MarketplaceOrder
        fields = [*inputs.ADDRESS_FIELDS, "comments"]

    def clean(self):
        cleaned = super().clean()
        self.order_changes = None
        # (str(): the JSON box gives a text as Django's JSONString, a str subclass)
        body = {name: str(value) if isinstance(value, str) else value
                for name in self.changed_data
                if name in cleaned and name in self._meta.fields
                for value in [cleaned.get(name)]}
        if body:
            try:
                self.order_changes = inputs.order_update_input(body).changes
            except InputErrors as exc:
                errors_shown(self, exc)
        return cleaned

    def _post_clean(self):
        """The order is written by the service (save_model), not by the form."""


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
        ("Shipping", {"fields": inputs.SHIPPING_FIELDS}),
        ("Billing", {"fields": inputs.BILLING_FIELDS}),
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
