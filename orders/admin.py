"""Token admin, and helpers that domain admins use for history and transitions."""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse

from orders.lifecycle import TransitionRefused, order_label
from orders.models import ABILITIES, ApiToken, OrderEvent
from orders.services import api_token_create, api_token_revoke


class ApiTokenForm(forms.ModelForm):
    """Abilities are ticked from the known set; a new token's user is chosen once."""

    abilities = forms.MultipleChoiceField(
        choices=[(a, a) for a in ABILITIES],
        widget=forms.CheckboxSelectMultiple,
        initial=["orders:read", "orders:write"],
        help_text='"*" grants everything, "orders:*" every orders ability.',
    )

    class Meta:
        model = ApiToken
        fields = ["user", "label", "abilities", "expires_at"]

    def clean_abilities(self):
        return sorted(self.cleaned_data["abilities"])


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = [
        "prefix", "user", "label", "abilities_shown", "created_at", "last_used_at",
        "expires_at", "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["prefix", "label", "user__username", "user__email"]
    autocomplete_fields = ["user"]
    actions = ["revoke_tokens"]
    created_template = "admin/orders/apitoken/created.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "label", "abilities", "expires_at"]
        return ["user", "label", "abilities", "expires_at", "prefix", "created_at",
                "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # A token's user is fixed: a token handed to one user never acts for another.
        return ["user", "prefix", "created_at", "last_used_at", "revoked_at"]

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
        obj.raw_token = raw  # for response_add only: never stored, never in a cookie

    def response_add(self, request, obj, post_url_continue=None):
        """The raw token, once, on the page itself (a message would travel in a cookie)."""
        context = {
            **self.admin_site.each_context(request),
            "title": "New API token",
            "opts": self.opts,
            "token": obj,
            "raw_token": obj.raw_token,
        }
        response = TemplateResponse(request, self.created_template, context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke selected tokens")
    def revoke_tokens(self, request, queryset):
        revoked = 0
        for token in queryset.order_by("pk"):
            if api_token_revoke(token=token):
                revoked += 1
            else:
                messages.error(request, f"Token {token}: was revoked already.")
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


class KeptOrderAdmin(admin.ModelAdmin):
    """Admin of orders (or their parts) that are never hard-deleted: no Delete button and
    no "delete selected" action; the domain's cancel action ends them instead.

    A save that the domain refuses because the order changed meanwhile calls
    `order_not_saved`: the operator is sent back to the order's page with the reason,
    and no success message or change log entry claims otherwise.
    """

    def has_delete_permission(self, request, obj=None):
        return False

    def order_not_saved(self, request, reason: str) -> None:
        self.message_user(request, f"{reason}: nothing was saved.", messages.ERROR)
        request.order_not_saved = True

    def log_change(self, request, obj, message):
        if not getattr(request, "order_not_saved", False):
            return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if getattr(request, "order_not_saved", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


class AddedByFormAdmin(admin.ModelAdmin):
    """An order added through a form of the domain's input layer (`add_form`, showing
    `add_fields`); once saved it is read only, changed by the actions alone."""

    add_form = None
    add_fields: list[str] = []

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines


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
