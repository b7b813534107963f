"""Token admin, and helpers that domain admins use for history and transitions."""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import ValidationError

from orders.lifecycle import TransitionRefused, order_label
from orders.models import ApiToken, OrderEvent
from orders.services import api_token_create, api_token_revoke

KNOWN_ABILITIES = ["orders:read", "orders:write", "orders:*", "*"]


class ApiTokenCreationForm(forms.ModelForm):
    abilities = forms.CharField(
        initial="orders:read,orders:write",
        help_text="Comma separated, for example: " + ", ".join(KNOWN_ABILITIES),
    )

    class Meta:
        model = ApiToken
        fields = ["user", "label", "abilities", "expires_at"]

    def clean_abilities(self):
        abilities = [a.strip() for a in self.cleaned_data["abilities"].split(",") if a.strip()]
        if not abilities:
            raise ValidationError("Give at least one ability.")
        return abilities


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "prefix", "user", "label", "abilities", "created_at", "last_used_at",
        "expires_at", "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["prefix", "label", "user__username", "user__email"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    autocomplete_fields = ["user"]
    actions = ["revoke_tokens"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "label", "abilities", "expires_at"]
        return ["user", "label", "abilities", "expires_at", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, raw = api_token_create(
            user=form.cleaned_data["user"],
            label=form.cleaned_data["label"],
            abilities=form.cleaned_data["abilities"],
            expires_at=form.cleaned_data["expires_at"],
        )
        obj.pk = token.pk
        obj.prefix = token.prefix
        messages.warning(
            request,
            f"The new token is {raw} — copy it now: it is stored only as a hash "
            "and will not be shown again.",
        )

    @admin.action(description="Revoke selected tokens")
    def revoke_tokens(self, request, queryset):
        revoked = sum(api_token_revoke(token=t) for t in queryset)
        messages.success(request, f"Revoked {revoked} token(s).")


class OrderEventInline(GenericTabularInline):
    """The order's history, read-only, on the order's admin page."""

    model = OrderEvent
    ct_field = "content_type"
    ct_fk_field = "object_id"
    fields = ["created_at", "action", "from_state", "to_state", "actor", "via", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "id"]
    verbose_name = "history event"
    verbose_name_plural = "history"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OrderEvent)
class OrderEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "content_type", "object_id", "action", "from_state",
                    "to_state", "actor", "via"]
    list_filter = ["via", "action", "content_type", "created_at"]
    search_fields = ["=object_id", "note", "actor__username"]
    list_select_related = ["content_type", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def transition_action(
    service: Callable, *, description: str, done: str, name: str | None = None,
    argument: str = "order",
):
    """An admin action that sends each selected row through a domain service.

    `service(<argument>=row, actor=..., via="admin")` performs one row's transition
    (`argument` is "order" unless the rows are, say, tests). The operator sees how many
    succeeded and, for each refused row, why.

        actions = [transition_action(order_cancel, description="Cancel selected orders",
                                     done="cancelled")]
    """

    def action(modeladmin, request, queryset):
        succeeded = 0
        for order in queryset.order_by("pk"):
            try:
                service(**{argument: order}, actor=request.user, via="admin")
            except TransitionRefused as exc:
                modeladmin.message_user(request, str(exc), messages.ERROR)
            except ValidationError as exc:
                modeladmin.message_user(
                    request, f"{order_label(order)}: {' '.join(exc.messages)}", messages.ERROR
                )
            else:
                succeeded += 1
        if succeeded:
            modeladmin.message_user(
                request, f"{succeeded} {argument}(s) {done}.", messages.SUCCESS
            )

    action.__name__ = name or service.__name__
    action.short_description = description
    action.allowed_permissions = ("change",)
    return action
