"""The restaurant ordering API's tables: orders for collection or delivery at a location.

Names follow the origin API (TastyIgniter-style): `order_menus`, `order_totals`,
`status_history`. Each model's `JSONAPIMeta.resource_name` is its JSON:API `type`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Location(models.Model):
    name = models.CharField(max_length=128)
    email = models.EmailField(max_length=96, blank=True)
    telephone = models.CharField(max_length=32, blank=True)
    address_1 = models.CharField(max_length=128, blank=True)
    city = models.CharField(max_length=128, blank=True)
    postcode = models.CharField(max_length=15, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "restaurant location"

    class JSONAPIMeta:
        resource_name = "locations"

    def __str__(self):
        return self.name


class Customer(models.Model):
    """A restaurant customer; one with a user can get a customer token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="restaurant_customer",
    )
    first_name = models.CharField(max_length=48)
    last_name = models.CharField(max_length=48)
    email = models.EmailField(max_length=96, unique=True)
    telephone = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = "restaurant customer"

    class JSONAPIMeta:
        resource_name = "customers"

    def __str__(self):
        return f"{self.first_name} {self.last_name} <{self.email}>"


class Address(models.Model):
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    address_1 = models.CharField(max_length=128)
    address_2 = models.CharField(max_length=128, blank=True)
    city = models.CharField(max_length=128, blank=True)
    state = models.CharField(max_length=128, blank=True)
    postcode = models.CharField(max_length=15, blank=True)
    country = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "delivery address"
        verbose_name_plural = "delivery addresses"

    class JSONAPIMeta:
        resource_name = "addresses"

    def __str__(self):
        return ", ".join(p for p in [self.address_1, self.city, self.postcode] if p)


class PaymentMethod(models.Model):
    """Keyed by its code ("cod"), which is what an order's `payment` attribute holds."""

    code = models.SlugField(max_length=32, primary_key=True)
    name = models.CharField(max_length=128)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    class JSONAPIMeta:
        resource_name = "payment_methods"

    def __str__(self):
        return f"{self.name} ({self.code})"


class Status(models.Model):
    """An order status; ids are the API's `status_id` (1 Received … 6 Canceled)."""

    name = models.CharField(max_length=32, unique=True)
    comment = models.CharField(max_length=255, blank=True)
    notify_customer = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = "order status"
        verbose_name_plural = "order statuses"

    class JSONAPIMeta:
        resource_name = "statuses"

    def __str__(self):
        return self.name


class StaffGroup(models.Model):
    name = models.CharField(max_length=128, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "staff group"

    class JSONAPIMeta:
        resource_name = "staff_groups"

    def __str__(self):
        return self.name


class Staff(models.Model):
    """Restaurant staff; a member with a user gets staff tokens (all orders)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="restaurant_staff",
    )
    name = models.CharField(max_length=128)
    email = models.EmailField(max_length=96, unique=True)
    groups = models.ManyToManyField(StaffGroup, blank=True, related_name="members")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "staff member"
        verbose_name_plural = "staff"

    class JSONAPIMeta:
        resource_name = "staff"

    def __str__(self):
        return self.name


class Menu(models.Model):
    """A dish on the menu (the origin calls menu items "menus")."""

    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=15, decimal_places=4)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "menu item"

    def __str__(self):
        return f"{self.name} ({self.price})"


class Order(models.Model):
    class OrderType(models.TextChoices):
        DELIVERY = "delivery", "Delivery"
        COLLECTION = "collection", "Collection"

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="orders")
    address = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    first_name = models.CharField(max_length=48)
    last_name = models.CharField(max_length=48)
    email = models.EmailField(max_length=96)
    telephone = models.CharField(max_length=32, blank=True)
    comment = models.TextField(max_length=500, blank=True)
    notify = models.BooleanField(null=True, blank=True)
    order_type = models.CharField(max_length=16, choices=OrderType.choices)
    order_date = models.DateField(help_text="Requested date, as the restaurant's calendar.")
    order_time = models.TimeField(help_text="Requested time, as the restaurant's clock.")
    processed = models.BooleanField(default=False)
    total_items = models.PositiveIntegerField(default=0)
    order_total = models.DecimalField(max_digits=15, decimal_places=4)
    currency = models.CharField(max_length=3, default="GBP")
    payment_method = models.ForeignKey(
        PaymentMethod, null=True, blank=True, on_delete=models.PROTECT, related_name="orders",
        db_column="payment",
    )
    invoice_prefix = models.CharField(max_length=32, blank=True)
    invoice_date = models.DateTimeField(null=True, blank=True)
    status = models.ForeignKey(
        Status, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    status_updated_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_orders"
    )
    assignee_group = models.ForeignKey(
        StaffGroup, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_orders",
    )
    assignee_updated_at = models.DateTimeField(null=True, blank=True)
    hash = models.CharField(max_length=32, unique=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True)
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "restaurant order"

    class JSONAPIMeta:
        resource_name = "orders"

    def __str__(self):
        return f"#{self.pk} {self.first_name} {self.last_name}"


class OrderMenu(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="order_menus")
    menu = models.ForeignKey(Menu, on_delete=models.PROTECT, related_name="order_lines")
    name = models.CharField(max_length=255)
    qty = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=15, decimal_places=4)
    subtotal = models.DecimalField(max_digits=15, decimal_places=4)
    comment = models.TextField(blank=True)
    options = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "order menu line"

    def __str__(self):
        return f"{self.qty} × {self.name}"


class OrderTotal(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="order_totals")
    code = models.CharField(max_length=30)
    title = models.CharField(max_length=128)
    value = models.DecimalField(max_digits=15, decimal_places=4)
    priority = models.IntegerField(default=0)

    class Meta:
        ordering = ["order", "priority", "id"]

    def __str__(self):
        return f"{self.title}: {self.value}"


class StatusHistory(models.Model):
    """One status an order was given, with the staff's comment (the origin's history)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_history")
    status = models.ForeignKey(Status, on_delete=models.PROTECT, related_name="history")
    staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="status_changes"
    )
    comment = models.TextField(blank=True)
    notify = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "created_at", "id"]
        verbose_name = "status history entry"
        verbose_name_plural = "status history"

    class JSONAPIMeta:
        resource_name = "status_history"

    def __str__(self):
        return f"{self.status} at {self.created_at:%Y-%m-%d %H:%M:%S}"
