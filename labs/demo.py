"""The labs part of seed_demo: the seed document's orders, order 15's samples and tests."""

from datetime import UTC, datetime

from labs.models import Assay, Company, LabOrder, Orderer, Product, Sample, Sku, Test
from orders.demo import demo_user, reset_sequences
from orders.services import demo_api_token

ABILITIES = ["orders:read", "orders:write"]
ASSAYS = [(69, "Phthalates"), (587, "Bisphenols"), (243, "pH")]

# The seed's list: (id, status, payment_status, ordered_at, created_at, updated_at);
# paid_at and date_received are null on all of them.
ORDERS = [
    (18, "created", "pending", "2025-11-13T19:47:00.000Z", "2025-11-13T19:46:17.567Z",
     "2025-11-13T19:53:03.683Z"),
    (17, "created", "pending", "2025-11-13T19:41:00.000Z", "2025-11-13T19:38:48.052Z",
     "2025-11-13T19:53:03.710Z"),
    (16, "created", "pending", "2025-11-13T18:44:00.000Z", "2025-11-05T17:04:25.710Z",
     "2025-11-13T18:53:04.941Z"),
    (15, "created", "pending", "2025-11-05T13:54:00.000Z", "2025-11-05T13:54:02.798Z",
     "2025-11-05T14:08:02.166Z"),
    (11, "created", "pending", "2025-11-05T13:27:00.000Z", "2025-11-05T13:26:16.032Z",
     "2025-11-05T13:38:03.226Z"),
    (10, "created", "draft", None, "2025-11-05T13:19:53.176Z", "2025-11-05T13:20:45.868Z"),
    (9, "created", "draft", None, "2025-11-05T13:19:50.131Z", "2025-11-05T13:20:45.863Z"),
    (8, "completed", "draft", None, "2025-11-05T13:19:41.045Z", "2025-11-05T13:25:16.434Z"),
    (7, "completed", "draft", None, "2025-11-05T13:19:36.997Z", "2025-11-05T13:25:10.267Z"),
    (6, "created", "draft", None, "2025-11-05T13:19:31.051Z", "2025-11-05T13:20:45.843Z"),
    (5, "completed", "draft", None, "2025-11-05T13:19:20.440Z", "2025-11-05T13:24:52.180Z"),
    (4, "created", "draft", None, "2025-11-05T13:19:15.991Z", "2025-11-05T13:20:45.827Z"),
    (3, "completed", "draft", None, "2025-11-05T13:19:04.460Z", "2025-11-05T13:24:38.648Z"),
    (2, "completed", "draft", None, "2025-11-05T13:18:59.298Z", "2025-11-05T13:24:30.800Z"),
    (1, "created", "draft", None, "2025-11-05T13:18:58.443Z", "2025-11-05T13:20:45.797Z"),
]
# Order 15's samples, each with one test: (sample id, test id, assay id, created, updated).
ORDER_15_SAMPLES = [
    (519, 517, 69, "2025-11-05T13:54:20.015Z", "2025-11-05T14:04:03.528Z"),
    (520, 518, 587, "2025-11-05T13:54:20.074Z", "2025-11-05T14:04:05.155Z"),
    (521, 519, 243, "2025-11-05T13:54:20.097Z", "2025-11-05T14:04:03.337Z"),
]
# The other company's few orders, with ids of their own.
OTHER_ORDERS = [
    (901, "created", "pending", "2025-11-10T09:00:00.000Z", "2025-11-10T08:55:00.000Z",
     "2025-11-10T09:00:00.000Z"),
    (902, "created", "draft", None, "2025-11-11T10:00:00.000Z", "2025-11-11T10:00:00.000Z"),
]


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def load() -> dict:
    assays = {}
    for assay_id, name in ASSAYS:
        assays[assay_id], _ = Assay.objects.update_or_create(pk=assay_id, defaults={"name": name})

    company, orderer = company_with_orderer(
        "Light Labs Demo Company", "labs-company", "dev@lightlabs.com", "Development", "User"
    )
    other, other_orderer = company_with_orderer(
        "Other Labs Demo Company", "labs-other-company", "ops@other-labs.example", "Olga",
        "Other",
    )
    Product.objects.update_or_create(pk=1, defaults={"company": company,
                                                     "name": "Protein Powder"})
    sku, _ = Sku.objects.update_or_create(
        pk=16, defaults={"product_id": 1, "name": "Synergistic Copper Computer",
                         "code": "StellarPromo165935", "serving_size_grams": None},
    )
    Product.objects.update_or_create(pk=900, defaults={"company": other,
                                                       "name": "Other Pre-Workout"})
    other_sku, _ = Sku.objects.update_or_create(
        pk=900, defaults={"product_id": 900, "name": "Citrus Blast", "code": "OTHER-900",
                          "serving_size_grams": "12.500"},
    )

    orders_create(ORDERS, company, orderer)
    orders_create(OTHER_ORDERS, other, other_orderer)
    for sample_id, test_id, assay_id, created_at, updated_at in ORDER_15_SAMPLES:
        sample_create(sample_id, 15, sku, test_id, assays[assay_id], created_at, updated_at)
    sample_create(900, 901, other_sku, 900, assays[243], "2025-11-10T08:56:00.000Z",
                  "2025-11-10T09:00:00.000Z")
    reset_sequences(Company, Orderer, Product, Sku, Assay, LabOrder, Sample, Test)

    return {
        "company": {
            "token": demo_api_token(user=company.users.get(), label="demo labs company",
                                    abilities=ABILITIES),
            "company_id": company.pk,
            "order_ids": [row[0] for row in ORDERS],
        },
        "other_company": {
            "token": demo_api_token(user=other.users.get(), label="demo labs other company",
                                    abilities=ABILITIES),
            "company_id": other.pk,
            "order_ids": [row[0] for row in OTHER_ORDERS],
        },
    }


def company_with_orderer(name, username, email, first_name, last_name):
    user = demo_user(username, email=email, first_name=first_name, last_name=last_name)
    company, _ = Company.objects.get_or_create(name=name)
    company.users.add(user)
    orderer, _ = Orderer.objects.update_or_create(
        company=company, email=email,
        defaults={"name": f"{first_name} {last_name}", "user": user},
    )
    return company, orderer


def orders_create(rows, company, orderer) -> None:
    for order_id, status, payment_status, ordered_at, created_at, updated_at in rows:
        LabOrder.objects.get_or_create(pk=order_id, defaults={
            "company": company, "orderer": orderer, "status": status,
            "payment_status": payment_status, "ordered_at": at(ordered_at),
            "created_at": at(created_at), "updated_at": at(updated_at),
        })


def sample_create(sample_id, order_id, sku, test_id, assay, created_at, updated_at) -> None:
    sample, _ = Sample.objects.get_or_create(pk=sample_id, defaults={
        "order_id": order_id, "sku": sku, "composite": False, "number_of_composites": 1,
    })
    Test.objects.get_or_create(pk=test_id, defaults={
        "sample": sample, "assay": assay, "created_at": at(created_at),
        "updated_at": at(updated_at),
    })
