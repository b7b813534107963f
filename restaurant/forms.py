"""Admin forms of restaurant orders: their fields are the API body's, their `clean` is
the API's two steps (`inputs` and `selectors`), their save the same service."""

import json

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from orders.inputs import NON_FIELD, InputErrors
from restaurant import inputs, selectors
from restaurant.models import Location, PaymentMethod, Staff, StaffGroup, Status

# The create body's fields as the form shows them: text (the rules read "12" as 12, as
# the API does), lists and the address as JSON.
CREATE_FIELDS = [
    "customer_id", "location_id", "address_id", "first_name", "last_name", "email",
    "telephone", "comment", "order_type", "order_date", "order_time", "payment", "processed",
    "notify", "currency", "invoice_prefix", "invoice_date", "status_id", "status_comment",
    "assignee_id", "assignee_group_id", "ip_address", "user_agent", "external_id",
]
JSON_FIELDS = ["address", "order_menus", "order_totals"]
FLAG_CHOICES = [("", "—"), ("true", "Yes"), ("false", "No")]


def text_field(**kwargs) -> forms.CharField:
    """No checks of the form's own (not even Django's refusal of NUL): the rules decide,
    and say so in the API's words."""
    field = forms.CharField(required=False, strip=False, **kwargs)
    field.validators = [validator for validator in field.validators
                        if not isinstance(validator, ProhibitNullCharactersValidator)]
    return field


def choices_of(rows) -> list:
    return [("", "—"), *((str(row.pk), str(row)) for row in rows)]


class BodyForm(forms.ModelForm):
    """A form whose data is an API body: `body()` as the API would receive it, its
    errors put on the fields the rules name (`order_menus[0].qty` on order_menus)."""

    json_fields: list[str] = []

    class Meta:
        fields: list[str] = []

    def body(self) -> dict:
        body = {}
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if name in self.json_fields:
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    self.add_error(name, f"The {name} field must be JSON ({exc}).")
                    continue
            body[name] = value
        return body

    def add_input_errors(self, exc: InputErrors) -> None:
        for name, message in exc.pairs():
            top = name.split(".", 1)[0].split("[", 1)[0]
            if top in self.fields:
                self.add_error(top, message if top == name else f"{name}: {message}")
            else:
                self.add_error(None, message if name == NON_FIELD else f"{name}: {message}")

    def _post_clean(self):
        """(No model validation of the instance: the rules above are the validation, and
        the service writes.)"""


def flag_field() -> forms.CharField:
    return text_field(widget=forms.Select(choices=FLAG_CHOICES))


def json_field() -> forms.CharField:
    return text_field(widget=forms.Textarea(attrs={"rows": 3}),
                      help_text="JSON, as the API's body holds it.")


class OrderCreateForm(BodyForm):
    json_fields = JSON_FIELDS

    customer_id = text_field(help_text="A customer's id (optional).")
    location_id = text_field()
    address_id = text_field(help_text="An existing address's id, or an address below.")
    first_name = text_field()
    last_name = text_field()
    email = text_field()
    telephone = text_field()
    comment = text_field(widget=forms.Textarea(attrs={"rows": 2}))
    order_type = text_field(widget=forms.Select(
        choices=[("", "—"), *((t, t) for t in inputs.ORDER_TYPES)]))
    order_date = text_field(help_text="YYYY-MM-DD (default: today).")
    order_time = text_field(help_text="HH:MM (default: now).")
    payment = text_field()
    processed = flag_field()
    notify = flag_field()
    currency = text_field()
    invoice_prefix = text_field()
    invoice_date = text_field()
    status_id = text_field()
    status_comment = text_field()
    assignee_id = text_field()
    assignee_group_id = text_field()
    ip_address = text_field()
    user_agent = text_field()
    external_id = text_field()
    address = json_field()
    order_menus = json_field()
    order_totals = json_field()
    order_total = text_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        widgets = {"location_id": Location.objects.filter(is_active=True),
                   "status_id": Status.objects.all(), "payment": PaymentMethod.objects.all(),
                   "assignee_id": Staff.objects.all(),
                   "assignee_group_id": StaffGroup.objects.all()}
        for name, rows in widgets.items():
            self.fields[name].widget = forms.Select(choices=choices_of(rows))
        self.resolved = None

    def clean(self):
        body = self.body()
        if not self.errors:
            try:
                self.resolved = selectors.order_create_checked(body)
            except InputErrors as exc:
                self.add_input_errors(exc)
        return self.cleaned_data


class OrderChangeForm(BodyForm):
    """The update body's fields; only those changed are sent."""

    first_name = text_field()
    last_name = text_field()
    email = text_field()
    telephone = text_field()
    notify = flag_field()
    order_type = text_field(widget=forms.Select(choices=[(t, t) for t in inputs.ORDER_TYPES]))
    order_date_time = text_field(help_text="YYYY-MM-DD HH:MM:SS, the restaurant's clock.")
    status_id = text_field()
    status_comment = text_field(help_text="Recorded with a new status.")
    assignee_id = text_field()
    assignee_group_id = text_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order = self.instance
        initial = {
            "first_name": order.first_name, "last_name": order.last_name,
            "email": order.email, "telephone": order.telephone,
            "notify": "" if order.notify is None else str(order.notify).lower(),
            "order_type": order.order_type,
            "order_date_time": f"{order.order_date:%Y-%m-%d} {order.order_time:%H:%M:%S}"
            if order.order_date and order.order_time else "",
            "status_id": str(order.status_id or ""), "status_comment": "",
            "assignee_id": str(order.assignee_id or ""),
            "assignee_group_id": str(order.assignee_group_id or ""),
        }
        for name, value in initial.items():
            self.initial[name] = value
        for name, rows in {"status_id": Status.objects.all(),
                           "assignee_id": Staff.objects.all(),
                           "assignee_group_id": StaffGroup.objects.all()}.items():
            self.fields[name].widget = forms.Select(choices=choices_of(rows))
        self.changes = None

    def body(self) -> dict:
        body = {}
        for name in self.changed_data:
            value = self.cleaned_data.get(name)
            body[name] = None if value == "" else value
        return body

    def clean(self):
        try:
            self.changes = selectors.changes_resolved(inputs.order_update_input(self.body()))
        except InputErrors as exc:
            self.add_input_errors(exc)
        return self.cleaned_data
