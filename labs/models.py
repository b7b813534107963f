from django.conf import settings
from django.db import models
from django.utils import timezone


class Company(models.Model):
    """The API client: a company whose users hold its API keys (core ApiTokens)."""

    name = models.CharField(max_length=200, unique=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="lab_companies", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self):
        return self.name


class Orderer(models.Model):
    """A person of the company who orders; may or may not be a user."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="orderers")
    email = models.EmailField()
    name = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="lab_orderers",
    )

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["company", "email"], name="labs_orderer_email_once"),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class Product(models.Model):
    """A product of a company, whose skus it sends as samples."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Sku(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="skus")
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=100, unique=True)
    serving_size_grams = models.DecimalField(
        max_digits=10, decimal_places=3, null=True, blank=True
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "SKU"

    def __str__(self):
        return f"{self.code} ({self.name})"


class Assay(models.Model):
    """A test the lab runs on a sample (Phthalates, pH, ...)."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class LabOrder(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", "Created"
        COMPLETED = "completed", "Completed"
        CANCELED = "canceled", "Canceled"

    class PaymentStatus(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="orders")
    orderer = models.ForeignKey(Orderer, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED)
    payment_status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.DRAFT
    )
    ordered_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    date_received = models.DateTimeField(null=True, blank=True)
    # Not auto_now: the seed's times are inserted as they are; services set updated_at.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "lab order"

    def __str__(self):
        return f"#{self.pk}"


class Sample(models.Model):
    order = models.ForeignKey(LabOrder, on_delete=models.CASCADE, related_name="samples")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="samples")
    lot = models.CharField(max_length=100, null=True, blank=True)
    batch = models.CharField(max_length=100, null=True, blank=True)
    composite = models.BooleanField(default=False)
    number_of_composites = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"#{self.pk}"


class Test(models.Model):
    """One assay run on one sample."""

    __test__ = False  # not a pytest test class when tests import it

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELED = "canceled", "Canceled"

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="tests")
    assay = models.ForeignKey(Assay, on_delete=models.PROTECT, related_name="tests")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        # The API's tests list, newest first: a page is read off this index, not sorted.
        indexes = [models.Index(fields=["created_at", "id"], name="labs_test_created_id")]

    def __str__(self):
        return f"#{self.pk}"
