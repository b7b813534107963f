from django import forms
from django.contrib import admin

from orders.admin import AddedByFormAdmin, KeptOrderAdmin, OrderEventInline, transition_action
from panels import inputs, selectors, services
from panels.models import Customer, CustomerPanelOrder, CustomerPanelOrderItem, Panel, Partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name", "users__username", "users__email"]
    filter_horizontal = ["users"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "first_name", "last_name", "reference_id", "email", "partner"]
    list_filter = ["partner"]
    search_fields = ["=id", "first_name", "last_name", "reference_id", "email"]
    list_select_related = ["partner"]


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "is_license_required", "is_active"]
    list_filter = ["is_active", "is_license_required"]
    search_fields = ["sku", "name"]


class OrderItemInline(admin.TabularInline):
    model = CustomerPanelOrderItem
    fields = ["position", "panel"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OrderAddForm(forms.ModelForm):
    """A new order as staff type it: the API's body in form fields, parsed and resolved by
    the same rules (panels.inputs, selectors.references_resolve), so it is accepted and
    refused as the API and the importer would, with the same messages."""

    customer_id = forms.CharField(label="Customer id", required=False)
    order_items = forms.CharField(
        label="Panel skus", required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One panel sku per line, in the order's order.")

    class Meta:
        model = CustomerPanelOrder
        fields = []

    def clean(self):
        cleaned = super().clean()
        body = inputs.order_form_body(cleaned.get("customer_id") or "",
                                      cleaned.get("order_items") or "")
        self.resolved = None
        try:
            [resolved] = selectors.references_resolve([inputs.order_create_input(body)])
        except inputs.InputErrors as errors:
            resolved = errors
        if isinstance(resolved, inputs.InputErrors):
            for name, message in resolved.pairs():
                self.add_input_error(name, message)
        else:
            self.resolved = resolved
        return cleaned

    def add_input_error(self, name: str, message: str) -> None:
        """An error of the body on the form field it comes from (`order_items[2].panel_sku`
        on order_items, named in the message)."""
        field = name.split("[", 1)[0].split(".", 1)[0]
        if field not in self.fields:
            self.add_error(None, f"{name}: {message}")
        else:
            self.add_error(field, message if field == name else f"{name}: {message}")


@admin.register(CustomerPanelOrder)
class CustomerPanelOrderAdmin(AddedByFormAdmin, KeptOrderAdmin):
    list_display = ["id", "customer", "partner", "status", "created_at"]
    list_filter = ["status", "customer__partner", "created_at"]
    search_fields = [
        "=id", "customer__first_name", "customer__last_name", "customer__reference_id",
        "items__panel__sku",
    ]
    list_select_related = ["customer__partner"]
    date_hierarchy = "created_at"
    fields = ["customer", "status", "created_at", "canceled_at"]
    readonly_fields = fields  # state changes go through the actions (and their history)
    inlines = [OrderItemInline, OrderEventInline]
    actions = [
        transition_action(services.order_cancel, description="Cancel selected orders",
                          done="cancelled"),
    ]

    add_form = OrderAddForm
    add_fields = ["customer_id", "order_items"]

    @admin.display(ordering="customer__partner__name")
    def partner(self, order):
        return order.customer.partner

    # A new order: the add form (the API's rules); an existing one is read only, and
    # changes state through the actions.
    def save_model(self, request, obj, form, change):
        if change:
            return  # (nothing on an existing order's page is editable)
        order = services.order_create(order=form.resolved, actor=request.user, via="admin")
        for field in order._meta.concrete_fields:  # (what the admin then logs and shows)
            setattr(obj, field.attname, getattr(order, field.attname))
        obj._state.adding, obj._state.db = False, order._state.db
