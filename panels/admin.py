from django.contrib import admin

from orders.admin import KeptOrderAdmin, OrderEventInline, transition_action
from panels import services
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


@admin.register(CustomerPanelOrder)
class CustomerPanelOrderAdmin(KeptOrderAdmin):
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

    @admin.display(ordering="customer__partner__name")
    def partner(self, order):
        return order.customer.partner

    def has_add_permission(self, request):
        return False  # orders come from partners through the API (or an import)
