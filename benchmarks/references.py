"""The references an imported order needs, loaded into the database DATABASE_URL names.

    DATABASE_URL=... python -m benchmarks.references panels wholesale ...

Runs in its own process (Django set up on that database): each domain's demo (seed_demo
<domain>), plus what a realistic file spreads its orders over (more panels and customers,
menus, skus; for wholesale a 1,000-product catalog and 50 trade accounts, written in bulk).
Prints one JSON document: per domain, the ids and codes the generated orders use.
"""

import json
import os
import random
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHOLESALE_PRODUCTS = 1000
WHOLESALE_ACCOUNTS = 50


def panels() -> dict:
    from panels import services
    from panels.models import Customer, Partner

    skus = [f"bench-panel-{i:02d}" for i in range(20)]
    for sku in skus:
        services.panel_upsert(sku=sku, name=f"Bench panel {sku[-2:]}")
    partner = Partner.objects.get(name="Toolbox Demo Partner")
    Customer.objects.bulk_create(
        Customer(partner=partner, first_name="Bench", last_name=f"Customer {i}",
                 reference_id=f"BENCH-{i}") for i in range(48))
    customer_ids = list(Customer.objects.filter(partner=partner).values_list("pk", flat=True))
    return {"customer_ids": customer_ids, "panel_skus": skus}


def wholesale() -> dict:
    from wholesale.models import Product, TradeAccount

    rng = random.Random(7)
    Product.objects.bulk_create(
        Product(product_code=f"BENCH{i:05d}", type="stock", description=f"Bench product {i}",
                vat_code=rng.choice("SSSRZE"),
                unit_price=Decimal(rng.randint(1, 500_000)) / 10_000,
                unit_weight=Decimal(rng.randint(0, 5_000)) / 1_000)
        for i in range(WHOLESALE_PRODUCTS))
    accounts = TradeAccount.objects.bulk_create(
        TradeAccount(name=f"Bench Trading {i:02d} Ltd") for i in range(WHOLESALE_ACCOUNTS))
    # The stale-statistics case's first orders: of one account the file does not use.
    early = TradeAccount.objects.create(name="Bench Early Trading Ltd")
    return {"account_ids": [account.pk for account in accounts],
            "early_account_id": early.pk,
            "product_codes": [f"BENCH{i:05d}" for i in range(WHOLESALE_PRODUCTS)]}


def marketplace() -> dict:
    from marketplace.models import MarketplaceCustomer, Record

    customers = list(MarketplaceCustomer.objects.values_list("public_id", flat=True))
    records = [(merchant, record) for merchant, record in Record.objects.filter(
        removed_at__isnull=True).values_list("merchant__public_id", "public_id")]
    return {"customer_ids": customers, "records": records}


def restaurant() -> dict:
    from restaurant.models import Menu

    Menu.objects.bulk_create(
        Menu(name=f"Bench dish {i}", price=Decimal(100 + 37 * i) / 100) for i in range(19))
    menus = [(menu.pk, str(menu.price)) for menu in Menu.objects.filter(is_active=True)]
    return {"location_id": 1, "menus": menus}


def labs() -> dict:
    from labs.models import Assay, Company, Orderer, Sku

    company = Company.objects.get(name="Light Labs Demo Company")
    orderer = Orderer.objects.filter(company=company).first()
    Sku.objects.bulk_create(
        Sku(product_id=1, name=f"Bench sku {i}", code=f"BENCH-SKU-{i}") for i in range(9))
    skus = list(Sku.objects.filter(product__company=company).values_list("pk", flat=True))
    return {"company_id": company.pk, "orderer_email": orderer.email, "sku_ids": skus,
            "assay_ids": list(Assay.objects.values_list("pk", flat=True))}


LOADERS = {"panels": panels, "wholesale": wholesale, "marketplace": marketplace,
           "restaurant": restaurant, "labs": labs}


def main(domains: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("seed_demo", *domains, "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(json.dumps({domain: LOADERS[domain]() for domain in domains}))


if __name__ == "__main__":
    main(sys.argv[1:] or list(LOADERS))
