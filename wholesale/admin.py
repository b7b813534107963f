from django import forms
from django.contrib import admin
from django.contrib.admin.utils import construct_change_message
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from orders.admin import KeptOrderAdmin, OrderEventInline, transition_action
from orders.inputs import InputErrors
from orders.lifecycle import TransitionRefused, order_label
from wholesale import inputs, services
from wholesale.models import Product, TradeAccount, WholesaleOrder, WholesaleOrderLine


@admin.register(TradeAccount)
class TradeAccountAdmin(admin.ModelAdmin):
    list_display = ["name", "user_emails", "created_at"]
    search_fields = ["name", "users__username", "users__email"]
    filter_horizontal = ["users"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("users")

    @admin.display(description="users")
    def user_emails(self, account):
        return ", ".join(user.email or user.username for user in account.users.all())


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["product_code", "description", "type", "vat_code", "unit_price",
                    "unit_weight", "is_active"]
    list_filter = ["type", "vat_code", "is_active"]
    search_fields = ["product_code", "description"]


class OrderAdminForm(forms.ModelForm):
    """The order's body fields through the API's own validator (`inputs.order_body_input`):
    refused with the API's messages (a country code `GBR`, a NUL, a name too long) and
    stored as the API stores them (`gb` as GB). Those fields take the text as typed: the
    form fields' own length, choice and NUL checks would answer first, with Django's
    messages. The body is the order as an API client would send it now, with its current
    lines, whose changes their own forms check."""

    BODY_FIELDS = ["delivery_method", *inputs.BODY_TEXT_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.BODY_FIELDS:
            if name in self.fields:
                shown = self.fields[name]
                self.fields[name] = field = forms.CharField(
                    required=False, strip=False, label=shown.label, help_text=shown.help_text,
                    widget=shown.widget)
                field.validators = []  # (CharField's own NUL check: the validator's)

    def clean(self):
        cleaned = super().clean()
        order = self.instance
        lines = list(order.lines.select_related("product"))
        body = {
            "customer_order_no": order.customer_order_no,
            "order_type": order.order_type,
            **{name: cleaned.get(name) or None for name in self.BODY_FIELDS},
            "products": [{"product_code": line.product_code, "quantity": line.quantity}
                         for line in lines],
        }
        try:
            validated = inputs.order_body_input(
                body, {line.product_code: line.product for line in lines})
        except InputErrors as exc:
            for name, problems in exc.as_dict().items():
                self.add_error(name if name in self.fields else None, problems)
            return cleaned
        for name in self.BODY_FIELDS:
            if name in self.fields:
                cleaned[name] = validated.fields[name]
        return cleaned


class OrderLineForm(forms.ModelForm):
    class Meta:
        model = WholesaleOrderLine
        fields = ["product", "quantity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A kept line keeps its product and price snapshot; only its quantity changes.
            self.fields["product"].disabled = True

    def clean_product(self):
        product = self.cleaned_data["product"]
        if not self.instance.pk and not product.is_active:
            raise ValidationError(f"Product {product} is inactive.")
        return product


class OrderLineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        remaining = [form for form in self.forms
                     if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if not remaining:
            raise ValidationError("An order needs at least one line.")


class OrderLineInline(admin.TabularInline):
    """Lines with their figures; on an OPEN order operators add, remove or requantify."""

    model = WholesaleOrderLine
    form = OrderLineForm
    formset = OrderLineFormSet
    fields = ["product", "quantity", "description", "product_type", "vat_code", "vat_rate",
              "unit_price", "line_price", "vat", "unit_weight", "line_weight"]
    readonly_fields = fields[2:]
    extra = 0

    def editable(self, obj) -> bool:
        return obj is not None and obj.order_state in services.EDITABLE_STATES

    def has_add_permission(self, request, obj=None):
        return self.editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.editable(obj) and super().has_delete_permission(request, obj)


@admin.register(WholesaleOrder)
class WholesaleOrderAdmin(KeptOrderAdmin):
    form = OrderAdminForm
    list_display = ["order_number", "customer_order_no", "account", "order_state",
                    "order_type", "delivery_method", "delivery_postcode", "total_price",
                    "created_at"]
    list_filter = ["order_state", "account", "order_type", "delivery_method", "created_at"]
    search_fields = ["=order_number", "customer_order_no", "account__name",
                     "delivery_postcode"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
    editable_fields = ["carriage_tba", "delivery_method", "delivery_name",
                       "delivery_company_name", "delivery_address1", "delivery_address2",
                       "delivery_town", "delivery_county", "delivery_country_code",
                       "delivery_postcode", "delivery_telephone", "notes"]
    fixed_fields = ["order_number", "customer_order_no", "account", "order_state",
                    "order_type", "total_price", "total_vat", "total_weight", "external_id",
                    "created_at", "created_by", "placed_at", "placed_by", "deleted_at",
                    "deleted_by"]
    fields = fixed_fields[:5] + editable_fields + fixed_fields[5:]
    readonly_fields = fixed_fields  # states change through the actions
    inlines = [OrderLineInline, OrderEventInline]
    actions = [
        transition_action(services.order_place, description="Place selected orders",
                          done="placed"),
        transition_action(services.order_cancel, description="Cancel selected orders",
                          done="cancelled"),
    ]

    def has_change_permission(self, request, obj=None):
        # A placed or cancelled order is shown read-only; the actions still need "change".
        if obj is not None and obj.order_state not in services.EDITABLE_STATES:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False  # orders come from trade customers through the API (or an import)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A save of an order that was placed or cancelled while the operator edited it:
        back to its (now read-only) page, saying so, instead of a bare 403."""
        if request.method == "POST" and object_id is not None:
            order = self.get_object(request, object_id)
            if order is not None and order.order_state not in services.EDITABLE_STATES:
                self.order_not_saved(request, left_editing(order))
                return HttpResponseRedirect(request.path)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def construct_change_message(self, request, form, formsets, add=False):
        # The lines are not saved by their formset (see save_related); the order's history
        # records what changed in them.
        return construct_change_message(form, [], add)

    def save_model(self, request, obj, form, change):
        """Nothing here: save_related writes the order and its lines in one service call."""

    def save_related(self, request, form, formsets, change):
        lines = next(fs for fs in formsets if fs.model is WholesaleOrderLine)
        quantities, removed, added = {}, set(), []
        for line_form in lines.forms:
            data = line_form.cleaned_data
            if not data:
                continue
            if line_form.instance.pk:
                if data.get("DELETE"):
                    removed.add(line_form.instance.pk)
                elif "quantity" in line_form.changed_data:
                    quantities[line_form.instance.pk] = data["quantity"]
            elif not data.get("DELETE"):
                added.append(inputs.OrderLineInput(data["product"], data["quantity"]))
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not (changes or quantities or removed or added):
            return  # saved unchanged: no history event
        try:
            services.order_revise(order=form.instance, changes=changes, quantities=quantities,
                                  removed=removed, added=added, actor=request.user,
                                  via="admin")
        except TransitionRefused:
            # Placed or cancelled since changeform_view looked; nothing was written.
            order = WholesaleOrder.objects.get(pk=form.instance.pk)
            self.order_not_saved(request, left_editing(order))
        except ValidationError as exc:
            # Only a race gets here (the forms check the same); nothing was written.
            self.order_not_saved(request, " ".join(exc.messages).rstrip("."))


def left_editing(order: WholesaleOrder) -> str:
    return (f"{order_label(order)} was {order.order_state.lower()} meanwhile "
            f"(it is {order.order_state} now)")
