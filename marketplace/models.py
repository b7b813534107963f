import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

PUBLIC_ID_LENGTH = 24


def new_public_id() -> str:
    """The origin's ids are 24 lowercase hex characters; integer pks stay internal."""
    return secrets.token_hex(PUBLIC_ID_LENGTH // 2)


def public_id_field():
    return models.CharField(
        max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False
    )


class Merchant(models.Model):
    """A seller account: lists records and fulfils the orders for them."""

    public_id = public_id_field()
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="marketplace_merchant"
    )
    email = models.EmailField(help_text="Log-in email of the merchant account.")
    company_name = models.CharField(max_length=200)
    primary_contact = models.CharField(max_length=200, blank=True)
    phone_number = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["company_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="marketplace_merchant_email_unique"),
        ]

    def __str__(self):
        return f"{self.company_name} ({self.public_id})"


class MarketplaceCustomer(models.Model):
    """A buyer account: orders records and may cancel while an order is in progress."""

    public_id = public_id_field()
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="marketplace_customer"
    )
    username = models.CharField(max_length=150, unique=True)
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["username"]
        verbose_name = "marketplace customer"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="marketplace_customer_email_unique"),
        ]

    def __str__(self):
        return f"{self.username} ({self.public_id})"


class Record(models.Model):
    """A vinyl record a merchant lists for sale."""

    public_id = public_id_field()
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="records")
    artist = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2, help_text="USD.")
    condition = models.CharField(max_length=100)
    comments = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Deleting through the API unlists the record; orders keep pointing at it.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["artist", "title", "id"]

    def __str__(self):
        return f"{self.artist} – {self.title} ({self.public_id})"


class MarketplaceOrder(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "In progress", "In progress"
        COMPLETED = "Completed", "Completed"
        CANCELLED = "Cancelled", "Cancelled"

    # Unique by constraints (Meta), not `unique=True`: on PostgreSQL that would add a
    # second (LIKE) index to each, which every imported row pays for and no query uses.
    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, default=new_public_id,
                                 editable=False)
    external_id = models.CharField(max_length=100, null=True, blank=True)
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="orders")
    # (no index of their own: the (merchant, created_at) and (customer, created_at)
    # indexes below serve their lookups)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders",
                                 db_index=False)
    customer = models.ForeignKey(
        MarketplaceCustomer, on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)

    shipping_address1 = models.CharField(max_length=200)
    shipping_address2 = models.CharField(max_length=200, blank=True)
    shipping_city = models.CharField(max_length=100)
    shipping_state = models.CharField(max_length=100)
    shipping_zip = models.CharField(max_length=20)

    paypal_email = models.EmailField()
    billing_address1 = models.CharField(max_length=200, blank=True)
    billing_address2 = models.CharField(max_length=200, blank=True)
    billing_city = models.CharField(max_length=100, blank=True)
    billing_state = models.CharField(max_length=100, blank=True)
    billing_zip = models.CharField(max_length=20, blank=True)

    # The merchant's details as they were when the order was placed.
    merchant_company_name = models.CharField(max_length=200)
    merchant_primary_contact = models.CharField(max_length=200, blank=True)
    merchant_phone_number = models.CharField(max_length=50, blank=True)

    comments = models.JSONField(default=list, blank=True, help_text="A list of strings.")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(
        default=0, help_text="The origin's __v: grows by one with every change."
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "marketplace order"
        indexes = [
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["merchant", "created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["public_id"],
                                    name="marketplace_order_public_id_unique"),
            models.UniqueConstraint(fields=["external_id"],
                                    name="marketplace_order_external_id_unique"),
        ]

    def __str__(self):
        return self.public_id
