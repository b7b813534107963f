from functools import partial

from django.contrib import admin

from orders.admin import OrderEventInline, transition_action
from restaurant import services
from restaurant.forms import CREATE_FIELDS, JSON_FIELDS, OrderChangeForm, OrderCreateForm
from restaurant.models import (
    Address,
    Customer,
    Location,
    Menu,
    Order,
    OrderMenu,
    OrderTotal,
    PaymentMethod,
    Staff,
    StaffGroup,
    Status,
    StatusHistory,
)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "email", "telephone", "city", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["=id", "name", "email", "city"]


@admin.register(Menu)
class MenuAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "price", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["=id", "name"]


@admin.register(Status)
class StatusAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "notify_customer"]
    search_fields = ["name"]


@admin.register(PaymentMethod)
class PaymentMethodAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


@admin.register(StaffGroup)
class StaffGroupAdmin(admin.ModelAdmin):
    list_display = ["id", "name"]
    search_fields = ["name"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "email", "user", "is_active"]
    list_filter = ["is_active", "groups"]
    search_fields = ["=id", "name", "email", "user__username"]
    filter_horizontal = ["groups"]
    list_select_related = ["user"]


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "first_name", "last_name", "email", "telephone", "user"]
    search_fields = ["=id", "first_name", "last_name", "email", "telephone"]
    list_select_related = ["user"]
    inlines = [AddressInline]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderMenuInline(ReadOnlyInline):
    model = OrderMenu
    fields = ["menu", "name", "qty", "price", "subtotal", "comment", "options"]
    readonly_fields = fields


class OrderTotalInline(ReadOnlyInline):
    model = OrderTotal
    fields = ["code", "title", "value", "priority"]
    readonly_fields = fields


class StatusHistoryInline(ReadOnlyInline):
    model = StatusHistory
    fields = ["created_at", "status", "comment", "notify", "staff"]
    readonly_fields = fields


def assign_to_staff_action(staff: Staff):
    """One "Assign to <staff>" action per active staff member, through order_assign."""
    name = f"assign_to_staff_{staff.pk}"
    description = f"Assign selected orders to {staff.name}"
    action = transition_action(partial(services.order_assign, staff=staff), name=name,
                               description=description, done=f"assigned to {staff.name}")
    return action, name, description


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "first_name", "last_name", "email", "location", "order_type",
                    "status", "order_total", "assignee", "created_at"]
    list_filter = ["status", "location", "order_type", "created_at", "order_date"]
    search_fields = ["=id", "first_name", "last_name", "email", "telephone", "hash"]
    list_select_related = ["location", "status", "assignee"]
    date_hierarchy = "created_at"
    # The order as stored, shown beside the form (changes go through the form's rules, the
    # services and the actions, with history).
    shown = [
        "customer", "location", "address", "first_name", "last_name", "email", "telephone",
        "comment", "order_type", "order_date", "order_time", "processed", "total_items",
        "order_total", "currency", "payment_method", "invoice_prefix", "invoice_date",
        "status", "status_updated_at", "assignee", "assignee_group", "assignee_updated_at",
        "hash", "ip_address", "user_agent", "external_id", "created_at", "updated_at",
    ]
    inlines = [OrderMenuInline, OrderTotalInline, StatusHistoryInline, OrderEventInline]
    actions = [
        transition_action(services.order_cancel, description="Cancel selected orders",
                          done="cancelled"),
        transition_action(services.order_complete,
                          description="Mark selected orders completed", done="completed"),
    ]

    def get_actions(self, request):
        actions = super().get_actions(request)
        for staff in Staff.objects.filter(is_active=True).order_by("pk"):
            action, name, description = assign_to_staff_action(staff)
            actions[name] = (action, name, description)
        return actions

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = OrderChangeForm if obj is not None else OrderCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # the API's create body, staff's
            return [(None, {"fields": CREATE_FIELDS + JSON_FIELDS + ["order_total"]})]
        return [("Change (the API's update body)", {"fields": list(OrderChangeForm.base_fields)}),
                ("Order", {"fields": self.get_readonly_fields(request, obj)})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [name for name in self.shown if name not in OrderChangeForm.base_fields]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        """The form's rules passed (its `clean`): the service writes, with history."""
        if change:
            services.order_update(order=obj, changes=form.changes, actor=request.user,
                                  via="admin")
        else:
            obj.pk = services.order_create(order=form.resolved, actor=request.user,
                                           via="admin").pk

    # Deleting is the API's DELETE: order_delete records the event and removes the lines.
    def delete_model(self, request, obj):
        services.order_delete(order=obj, actor=request.user, via="admin")

    def delete_queryset(self, request, queryset):
        for order in queryset.order_by("pk"):
            try:
                services.order_delete(order=order, actor=request.user, via="admin")
            except Order.DoesNotExist:
                pass  # deleted meanwhile (through the API): nothing left to do
