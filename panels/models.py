from django.conf import settings
from django.db import models
from django.utils import timezone


class Partner(models.Model):
    """An API client company of the genomics partner API; its users call the API."""

    name = models.CharField(max_length=200, unique=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="panel_partners", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Customer(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="customers")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    reference_id = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.first_name} {self.last_name} (#{self.pk})"


class Panel(models.Model):
    sku = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    is_license_required = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sku"]

    def __str__(self):
        return self.sku


class CustomerPanelOrder(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", "Created"
        CANCELED = "canceled", "Canceled"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(
        max_length=100, null=True, blank=True, unique=True,
        help_text="The order's id in the system it was imported from.",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "customer panel order"

    def __str__(self):
        return f"#{self.pk}"


class CustomerPanelOrderItem(models.Model):
    # (no index of its own: the unique (order, panel) constraint's index serves lookups
    # by order, and an import writes one index fewer per item)
    order = models.ForeignKey(CustomerPanelOrder, on_delete=models.CASCADE, related_name="items",
                              db_index=False)
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="order_items")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the request.")

    class Meta:
        ordering = ["order", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "panel"], name="panels_item_panel_once"),
        ]

    def __str__(self):
        return self.panel.sku
