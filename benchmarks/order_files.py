"""Generated JSON Lines files of orders, one format per domain (the records `import_orders
<domain>` reads, as in examples/<domain>-orders.jsonl), over the references that
benchmarks.references loaded. Each order has about five lines of what its domain has:
wholesale products, panels items, restaurant menus, labs samples (each with one or two
tests); a marketplace order is one record, so there an order is one line.
"""

import json
import random
from decimal import Decimal
from pathlib import Path

LINES_PER_ORDER = 5


def wholesale(n: int, rng: random.Random, refs: dict, prefix: str) -> tuple[dict, int]:
    accounts, codes = refs["account_ids"], refs["product_codes"]
    return {
        "account": accounts[n % len(accounts)],
        "external_id": f"{prefix}{n}",
        "customer_order_no": f"BENCH-{prefix}{n:08d}",
        "order_type": "WHOLESALE",
        "delivery_method": "DELIVER",
        "delivery_name": "",
        "delivery_company_name": "Bench Trading Ltd",
        "delivery_address1": f"Unit {n % 90 + 1} Foster Avenue",
        "delivery_address2": "Woodside Park",
        "delivery_town": "Dunstable",
        "delivery_county": "Bedfordshire",
        "delivery_country_code": "GB",
        "delivery_postcode": "LU5 5TA",
        "delivery_telephone": "01582 88 77 60",
        "notes": "Deliver to office.",
        "products": [{"product_code": rng.choice(codes), "quantity": rng.randint(1, 24)}
                     for _ in range(LINES_PER_ORDER)],
    }, LINES_PER_ORDER


def panels(n: int, rng: random.Random, refs: dict, prefix: str) -> tuple[dict, int]:
    skus = rng.sample(refs["panel_skus"], LINES_PER_ORDER)  # a panel at most once an order
    record = {"external_id": f"{prefix}{n}",
              "customer_id": refs["customer_ids"][n % len(refs["customer_ids"])],
              "order_items": [{"panel_sku": sku} for sku in skus]}
    if n % 10 == 9:
        record["status"] = "canceled"
    return record, LINES_PER_ORDER


def marketplace(n: int, rng: random.Random, refs: dict, prefix: str) -> tuple[dict, int]:
    merchant_id, record_id = refs["records"][n % len(refs["records"])]
    return {
        "external_id": f"{prefix}{n}",
        "customer_id": refs["customer_ids"][n % len(refs["customer_ids"])],
        "merchant_id": merchant_id,
        "record_id": record_id,
        "shipping_info": [{"shipping_address1": f"{n % 900 + 1} Shipping Lane",
                           "shipping_city": "Raleigh", "shipping_state": "NC",
                           "shipping_zip": "27615"}],
        "billing_info": [{"paypal_email": "paypal@example.com",
                          "billing_address1": "123 Billing Drive", "billing_city": "Raleigh",
                          "billing_state": "NC", "billing_zip": "27615"}],
        "comments": [f"Bench comment {n}"],
    }, 1


def restaurant(n: int, rng: random.Random, refs: dict, prefix: str) -> tuple[dict, int]:
    menus = [(menu_id, Decimal(price), rng.randint(1, 4))
             for menu_id, price in rng.sample(refs["menus"], LINES_PER_ORDER)]
    total = sum(price * qty for _, price, qty in menus)
    return {
        "external_id": f"{prefix}{n}",
        "location_id": refs["location_id"],
        "first_name": "Bench",
        "last_name": f"Guest {n % 1000}",
        "email": f"guest{n % 1000}@bench.example",
        "telephone": "+1 (604) 376-2674",
        "order_type": "collection",
        "order_date": "2021-03-01",
        "order_time": f"{10 + n % 10}:{n % 60:02d}",
        "payment": "cod",
        "processed": 1,
        "status_id": 1,
        "order_menus": [{"id": menu_id, "qty": qty} for menu_id, _, qty in menus],
        "order_totals": [
            {"code": "subtotal", "title": "Sub Total", "value": f"{total:.2f}", "priority": 0},
            {"code": "total", "title": "Order Total", "value": f"{total:.2f}", "priority": 1}],
        "order_total": f"{total:.2f}",
    }, LINES_PER_ORDER


def labs(n: int, rng: random.Random, refs: dict, prefix: str) -> tuple[dict, int]:
    return {
        "external_id": f"{prefix}{n}",
        "company_id": refs["company_id"],
        "orderer_email": refs["orderer_email"],
        "samples": [{"sku_id": rng.choice(refs["sku_ids"]), "lot": f"LOT-{n}-{i}",
                     "assay_ids": rng.sample(refs["assay_ids"], rng.randint(1, 2))}
                    for i in range(LINES_PER_ORDER)],
    }, LINES_PER_ORDER


GENERATORS = {"panels": panels, "wholesale": wholesale, "marketplace": marketplace,
              "restaurant": restaurant, "labs": labs}


def write_orders(path: Path, domain: str, refs: dict, *, lines: int | None = None,
                 orders: int | None = None, prefix: str = "bench-", start: int = 0,
                 seed: int = 42) -> tuple[int, int]:
    """Write orders until `lines` order lines (or exactly `orders` orders); answer
    (orders, lines) written."""
    generate = GENERATORS[domain]
    rng = random.Random(seed)
    written_orders = written_lines = 0
    with open(path, "w", encoding="utf-8") as f:
        while (written_lines < lines) if orders is None else (written_orders < orders):
            record, count = generate(start + written_orders, rng, refs, prefix)
            f.write(json.dumps(record) + "\n")
            written_orders += 1
            written_lines += count
    return written_orders, written_lines
