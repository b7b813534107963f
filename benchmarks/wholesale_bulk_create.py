"""Plain Django over a wholesale orders file: the reference the importer is compared with.

    DATABASE_URL=... python -m benchmarks.wholesale_bulk_create FILE [--batch-size 2000]

Parses the file, prices the lines with the domain's own pricing functions and writes
orders, lines and history events with `bulk_create` in batches of one transaction each: no
validation, no existence check, no errors file. Prints the seconds it took (Django set up
and the catalog read before the clock starts).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--batch-size", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from orders.models import OrderEvent
    from wholesale.models import Product, WholesaleOrder, WholesaleOrderLine
    from wholesale.pricing import line_figures, order_totals

    products = {product.product_code: product for product in Product.objects.all()}
    content_type = ContentType.objects.get_for_model(WholesaleOrder)
    order_fields = {field.name for field in WholesaleOrder._meta.concrete_fields} - {
        "id", "account", "order_number"}
    next_number = (WholesaleOrder.objects.aggregate(n=Max("order_number"))["n"] or 600_000) + 1
    started = time.perf_counter()
    batch = []

    def flush():
        nonlocal next_number
        now = timezone.now()
        with transaction.atomic():
            orders = WholesaleOrder.objects.bulk_create(
                WholesaleOrder(account_id=record["account"], order_number=next_number + i,
                               total_price=totals.total_price, total_vat=totals.total_vat,
                               total_weight=totals.total_weight,
                               **{k: v for k, v in record.items() if k in order_fields})
                for i, (record, _, totals) in enumerate(batch))
            next_number += len(batch)
            WholesaleOrderLine.objects.bulk_create(
                WholesaleOrderLine(
                    order=order, position=i, product=product, quantity=quantity,
                    product_code=product.product_code, product_type=product.type,
                    description=product.description, vat_code=product.vat_code,
                    vat_rate=product.vat_rate, unit_price=product.unit_price,
                    unit_weight=product.unit_weight, line_price=figures.line_price,
                    vat=figures.vat, line_weight=figures.line_weight)
                for order, (_, lines, _) in zip(orders, batch, strict=True)
                for i, (product, quantity, figures) in enumerate(lines))
            OrderEvent.objects.bulk_create(
                OrderEvent(content_type=content_type, object_id=order.pk, action="create",
                           to_state="OPEN", via="import", created_at=now)
                for order in orders)
        batch.clear()

    with open(args.path, "rb") as f:
        for raw in f:
            record = json.loads(raw)
            lines = []
            for item in record.pop("products"):
                product = products[item["product_code"]]
                lines.append((product, item["quantity"], line_figures(
                    unit_price=product.unit_price, vat_rate=product.vat_rate,
                    unit_weight=product.unit_weight, quantity=item["quantity"])))
            batch.append((record, lines, order_totals(figures for _, _, figures in lines)))
            if len(batch) >= args.batch_size:
                flush()
    if batch:
        flush()
    print(f"{time.perf_counter() - started:.3f}")


if __name__ == "__main__":
    main()
