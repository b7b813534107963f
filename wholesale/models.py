from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone


class TradeAccount(models.Model):
    """A trade customer (a company); its users log in to the API and order for it."""

    name = models.CharField(max_length=200, unique=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="trade_accounts", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProductType(models.TextChoices):
    STOCK = "stock", "Stock"
    NONSTOCK = "nonstock", "Non-stock"


class VatCode(models.TextChoices):
    STANDARD = "S", "S: standard (20%)"
    REDUCED = "R", "R: reduced (5%)"
    ZERO = "Z", "Z: zero rated"
    EXEMPT = "E", "E: exempt"


VAT_RATES = {
    VatCode.STANDARD: Decimal("0.2"),
    VatCode.REDUCED: Decimal("0.05"),
    VatCode.ZERO: Decimal("0"),
    VatCode.EXEMPT: Decimal("0"),
}


class Product(models.Model):
    product_code = models.CharField(max_length=50, unique=True)
    type = models.CharField(max_length=10, choices=ProductType.choices,
                            default=ProductType.STOCK)
    description = models.CharField(max_length=255)
    vat_code = models.CharField(max_length=1, choices=VatCode.choices,
                                default=VatCode.STANDARD)
    unit_price = models.DecimalField(max_digits=12, decimal_places=4,
                                     validators=[MinValueValidator(Decimal("0"))])
    unit_weight = models.DecimalField(max_digits=10, decimal_places=3, default=Decimal("0"),
                                      validators=[MinValueValidator(Decimal("0"))],
                                      help_text="kg")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["product_code"]

    def __str__(self):
        return self.product_code

    @property
    def vat_rate(self) -> Decimal:
        return VAT_RATES[self.vat_code]


class OrderNumberCounter(models.Model):
    """One row holding the last order number handed out (see order_numbers_allocate)."""

    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return str(self.last_value)


class WholesaleOrder(models.Model):
    class State(models.TextChoices):
        OPEN = "OPEN", "Open"
        PLACED = "PLACED", "Placed"
        CANCELLED = "CANCELLED", "Cancelled"

    class OrderType(models.TextChoices):
        WHOLESALE = "WHOLESALE", "Wholesale"

    class DeliveryMethod(models.TextChoices):
        DELIVER = "DELIVER", "Deliver"
        COLLECT = "COLLECT", "Collect"

    # Indexes kept to what reads need, as every one costs each inserted order (bulk
    # imports): account by the unique (account, customer_order_no); the users, who are
    # mostly not set, by partial indexes; external_id by its unique constraint alone.
    account = models.ForeignKey(TradeAccount, on_delete=models.PROTECT, related_name="orders",
                                db_index=False)
    order_number = models.PositiveBigIntegerField(unique=True, editable=False)
    customer_order_no = models.CharField(max_length=100)
    order_state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    order_type = models.CharField(max_length=20, choices=OrderType.choices,
                                  default=OrderType.WHOLESALE)
    delivery_method = models.CharField(max_length=10, choices=DeliveryMethod.choices,
                                       default=DeliveryMethod.DELIVER)
    delivery_name = models.CharField(max_length=200, blank=True)
    delivery_company_name = models.CharField(max_length=200, blank=True)
    delivery_address1 = models.CharField(max_length=200, blank=True)
    delivery_address2 = models.CharField(max_length=200, blank=True)
    delivery_town = models.CharField(max_length=100, blank=True)
    delivery_county = models.CharField(max_length=100, blank=True)
    delivery_country_code = models.CharField(max_length=2, blank=True)
    delivery_postcode = models.CharField(max_length=20, blank=True)
    delivery_telephone = models.CharField(max_length=50, blank=True)
    notes = models.TextField(blank=True)
    carriage_tba = models.BooleanField(default=False)
    # Sums of the lines' figures, written with the lines so reads need no recomputation.
    total_price = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"),
                                      editable=False)
    total_vat = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"),
                                    editable=False)
    total_weight = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"),
                                       editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+", db_index=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", db_index=False)
    external_id = models.CharField(max_length=100, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "wholesale order"
        constraints = [
            models.UniqueConstraint(fields=["account", "customer_order_no"],
                                    name="wholesale_customer_order_no_per_account"),
            models.UniqueConstraint(fields=["external_id"], name="wholesale_order_external_id"),
        ]
        indexes = [
            models.Index(fields=[name], condition=models.Q(**{f"{name}__isnull": False}),
                         name=f"wholesale_order_{name}")
            for name in ["created_by", "placed_by", "deleted_by"]
        ]

    def __str__(self):
        return str(self.order_number)


class WholesaleOrderLine(models.Model):
    """One product of an order, with the catalog figures as they were when written."""

    order = models.ForeignKey(WholesaleOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0, help_text="Order in the request.")
    # No index on product: nothing reads lines by product but deleting a product (which
    # PROTECT refuses once it has been ordered), while keeping one costs each line written
    # a random index insert: about a quarter of the database's time in a bulk import.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines",
                                db_index=False)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # Snapshot of the product, so a later catalog change does not alter the order.
    product_code = models.CharField(max_length=50)
    product_type = models.CharField(max_length=10, choices=ProductType.choices)
    description = models.CharField(max_length=255)
    vat_code = models.CharField(max_length=1, choices=VatCode.choices)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4)
    unit_price = models.DecimalField(max_digits=12, decimal_places=4)
    unit_weight = models.DecimalField(max_digits=10, decimal_places=3)
    # Computed when the line is written (wholesale.pricing).
    line_price = models.DecimalField(max_digits=14, decimal_places=2)
    vat = models.DecimalField(max_digits=14, decimal_places=2)
    line_weight = models.DecimalField(max_digits=14, decimal_places=3)

    class Meta:
        # By the line's own columns: "order" would join the order to sort by its ordering.
        ordering = ["order_id", "position", "id"]

    def __str__(self):
        return f"{self.product_code} x{self.quantity}"
