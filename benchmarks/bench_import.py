"""Measure `import_orders wholesale` against plain Django bulk_create and a raw COPY.

    python benchmarks/bench_import.py [--orders 200000] [--lines-per-order 5]
        [--database-url postgres://postgres@127.0.0.1:5432/backoffice_bench]
        [--sqlite-orders 20000] [--importer-runs 3]

Generates a JSON Lines file of wholesale orders (5 lines each by default: 200,000 orders
are a million order lines), then in one run, each into emptied tables of a PostgreSQL
database it (re)creates:

1. the importer, as an operator runs it (`manage.py import_orders wholesale FILE`) in a
   child process: end to end rate and peak memory (with its writer process), the median
   of three runs (a shared machine's speed varies from run to run); once as the
   superuser (which may skip the row-by-row foreign key triggers after checking the
   references set-based), once as an ordinary application role (which may not); and
   once more over the same file (a re-run: nothing changes);
2. plain Django: parse the same file, price the lines with the same functions, and
   `bulk_create` orders, lines and history events (no validation);
3. a raw COPY of the same rows, formatted beforehand (the database's floor), with the
   foreign key triggers and without them.

It prints order lines per second for each and the ratios between them, then the
importer's rate on SQLite for a smaller file. Never part of the test suite.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--lines-per-order", type=int, default=5)
    parser.add_argument("--database-url",
                        default="postgres://postgres@127.0.0.1:5432/backoffice_bench")
    parser.add_argument("--sqlite-orders", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--importer-runs", type=int, default=3,
                        help="Import the file this many times; the median is reported.")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores; a pure-Python loop of 10 million additions "
          f"takes {python_loop_seconds():.2f} s (to compare machines)")
    recreate_postgres_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    manage("migrate", "-v0")
    import django

    django.setup()
    account_id = load_catalog_and_account()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.jsonl"
        generate_file(path, args.orders, args.lines_per_order, account_id)
        lines = args.orders * args.lines_per_order
        size_mb = path.stat().st_size / 1e6
        print(f"file: {args.orders:,} orders, {lines:,} order lines, {size_mb:,.0f} MB")

        runs = []
        for _ in range(args.importer_runs):
            empty_order_tables()
            runs.append(run_importer(path, args.batch_size, os.environ))
            check_imported(args.orders, lines)
        seconds, peak_mb, output = sorted(runs)[len(runs) // 2]  # the median run
        importer_rate = lines / seconds
        print(f"importer (import_orders, PostgreSQL): {seconds:6.2f} s "
              f"{importer_rate:10,.0f} lines/s  peak memory {peak_mb:,.0f} MB  "
              f"(median of {len(runs)}: {', '.join(f'{lines / run[0]:,.0f}' for run in runs)})")
        print(f"  its summary: {output.strip().splitlines()[-1]}")
        seconds, _, output = run_importer(path, args.batch_size, os.environ)
        check_imported(args.orders, lines)
        print(f"  re-run of the same file:            {seconds:6.2f} s "
              f"{lines / seconds:10,.0f} lines/s  ({output.split(':')[0]})")

        empty_order_tables()
        role_url = ordinary_role_url(args.database_url)
        seconds, _, _ = run_importer(path, args.batch_size, {**os.environ,
                                                             "DATABASE_URL": role_url})
        check_imported(args.orders, lines)
        print(f"  as an ordinary role (FK triggers):  {seconds:6.2f} s "
              f"{lines / seconds:10,.0f} lines/s")

        empty_order_tables()
        seconds = run_bulk_create(path, args.batch_size)
        check_imported(args.orders, lines)
        bulk_rate = lines / seconds
        print(f"plain Django bulk_create:             {seconds:6.2f} s {bulk_rate:10,.0f} lines/s")

        empty_order_tables()
        seconds = run_raw_copy(path)
        check_imported(args.orders, lines)
        copy_rate = lines / seconds
        print(f"raw COPY of the same rows:            {seconds:6.2f} s {copy_rate:10,.0f} lines/s")

        empty_order_tables()
        seconds = run_raw_copy(path, skip_triggers=True)
        check_imported(args.orders, lines)
        floor_rate = lines / seconds
        print(f"  without the FK triggers:            {seconds:6.2f} s "
              f"{floor_rate:10,.0f} lines/s  (the database alone: no parsing, no checks)")

        print(f"importer / bulk_create: {importer_rate / bulk_rate:.2f}x   "
              f"importer / raw COPY: {importer_rate / copy_rate:.2f}x   "
              f"bulk_create / raw COPY: {bulk_rate / copy_rate:.2f}x   "
              f"importer / raw COPY without FK triggers: {importer_rate / floor_rate:.2f}x")

        if args.sqlite_orders:
            sqlite_rate(Path(tmp), args.sqlite_orders, args.lines_per_order, args.batch_size)


def python_loop_seconds() -> float:
    """The best of three timings of a fixed pure-Python loop."""
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(10_000_000):
            total += number
        timings.append(time.perf_counter() - started)
    return min(timings)


def manage(*command, env=None):
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=True,
                   env=env or os.environ)


def recreate_postgres_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def ordinary_role_url(url: str) -> str:
    """The database URL for a login role that owns nothing and is no superuser: what an
    application usually runs as. It may read and write the tables, nothing more."""
    from django.db import connection

    role = "backoffice_bench_app"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if not cursor.fetchone():
            cursor.execute(f"CREATE ROLE {role} LOGIN")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                       f"TO {role}")
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    parsed = urlparse(url)
    return parsed._replace(netloc=f"{role}@{parsed.hostname}:{parsed.port or 5432}").geturl()


def load_catalog_and_account() -> int:
    from decimal import Decimal

    from wholesale.models import Product, TradeAccount

    rng = random.Random(7)
    Product.objects.bulk_create(
        Product(product_code=f"BENCH{i:05d}", type="stock", description=f"Bench product {i}",
                vat_code=rng.choice("SSSRZE"),
                unit_price=Decimal(rng.randint(1, 500_000)) / 10_000,
                unit_weight=Decimal(rng.randint(0, 5_000)) / 1_000)
        for i in range(PRODUCTS)
    )
    return TradeAccount.objects.create(name="Bench Trading Ltd").pk


def generate_file(path: Path, orders: int, per_order: int, account_id: int) -> None:
    rng = random.Random(42)
    with open(path, "w") as f:
        for n in range(orders):
            f.write(json.dumps({
                "account": account_id,
                "external_id": f"bench-{n}",
                "customer_order_no": f"BENCH-{n:08d}",
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
                "products": [{"product_code": f"BENCH{rng.randrange(PRODUCTS):05d}",
                              "quantity": rng.randint(1, 24)} for _ in range(per_order)],
            }) + "\n")


def empty_order_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE wholesale_wholesaleorderline, wholesale_wholesaleorder, "
                       "orders_orderevent RESTART IDENTITY")
        cursor.execute("DELETE FROM wholesale_ordernumbercounter")


def check_imported(orders: int, lines: int) -> None:
    from orders.models import OrderEvent
    from wholesale.models import WholesaleOrder, WholesaleOrderLine

    counts = (WholesaleOrder.objects.count(), WholesaleOrderLine.objects.count(),
              OrderEvent.objects.count())
    if counts != (orders, lines, orders):
        raise SystemExit(f"expected {orders} orders, {lines} lines, {orders} events; got {counts}")


def run_importer(path: Path, batch_size: int, env) -> tuple[float, float, str]:
    """Run import_orders; return seconds, the peak of its memory (its resident set plus
    its writer process's, sampled every 50 ms; pages they share are counted twice) and
    its output."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "import_orders", "wholesale", str(path), "--no-progress",
         "--batch-size", str(batch_size)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample():
        while child.poll() is None:
            peak[0] = max(peak[0], tree_rss_kb(child.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    stdout, stderr = child.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"import_orders failed ({child.returncode}): {stderr[-2000:]}")
    return seconds, peak[0] / 1024, stdout


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and its children, in kB (Linux /proc)."""
    total = 0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for one in [pid, *map(int, children)]:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    except (OSError, ValueError):
        pass
    return total


def parsed_orders(path: Path):
    from wholesale.models import Product
    from wholesale.pricing import line_figures, order_totals

    products = {p.product_code: p for p in Product.objects.all()}
    with open(path, "rb") as f:
        for raw in f:
            record = json.loads(raw)
            lines = []
            for item in record["products"]:
                product = products[item["product_code"]]
                lines.append((product, item["quantity"], line_figures(
                    unit_price=product.unit_price, vat_rate=product.vat_rate,
                    unit_weight=product.unit_weight, quantity=item["quantity"])))
            yield record, lines, order_totals(figures for _, _, figures in lines)


def run_bulk_create(path: Path, batch_size: int) -> float:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from orders.models import OrderEvent
    from wholesale import services
    from wholesale.models import WholesaleOrder, WholesaleOrderLine

    content_type = ContentType.objects.get_for_model(WholesaleOrder)
    started = time.perf_counter()
    batch = []

    def flush():
        numbers = services.order_numbers_allocate(len(batch))
        now = timezone.now()
        with transaction.atomic():
            orders = WholesaleOrder.objects.bulk_create(
                WholesaleOrder(
                    account_id=record["account"], order_number=number,
                    external_id=record["external_id"],
                    **{k: record[k] for k in ["customer_order_no", "order_type",
                                              "delivery_method", *services.BODY_TEXT_FIELDS]},
                    total_price=totals.total_price, total_vat=totals.total_vat,
                    total_weight=totals.total_weight,
                )
                for (record, _, totals), number in zip(batch, numbers, strict=True)
            )
            WholesaleOrderLine.objects.bulk_create(
                WholesaleOrderLine(
                    order=order, position=i, product=product, quantity=quantity,
                    product_code=product.product_code, product_type=product.type,
                    description=product.description, vat_code=product.vat_code,
                    vat_rate=product.vat_rate, unit_price=product.unit_price,
                    unit_weight=product.unit_weight, line_price=figures.line_price,
                    vat=figures.vat, line_weight=figures.line_weight,
                )
                for order, (_, lines, _) in zip(orders, batch, strict=True)
                for i, (product, quantity, figures) in enumerate(lines)
            )
            OrderEvent.objects.bulk_create(
                OrderEvent(content_type=content_type, object_id=order.pk, action="create",
                           to_state="OPEN", via="import", created_at=now)
                for order in orders
            )
        batch.clear()

    for parsed in parsed_orders(path):
        batch.append(parsed)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return time.perf_counter() - started


def run_raw_copy(path: Path, *, skip_triggers: bool = False) -> float:
    """COPY pre-formatted rows (parsing and pricing done before the clock starts)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from wholesale import services
    from wholesale.models import WholesaleOrder

    content_type_id = ContentType.objects.get_for_model(WholesaleOrder).pk
    now = timezone.now().isoformat()
    orders, lines, events = [], [], []
    for n, (record, order_lines, totals) in enumerate(parsed_orders(path), start=1):
        texts = [record[k] for k in ["customer_order_no", "order_type", "delivery_method",
                                     *services.BODY_TEXT_FIELDS]]
        orders.append("\t".join(map(str, [
            n, record["account"], 600_000 + n, record["external_id"], "OPEN", *texts, "f",
            totals.total_price, totals.total_vat, totals.total_weight, now, now])))
        for i, (product, quantity, figures) in enumerate(order_lines):
            lines.append("\t".join(map(str, [
                n, i, product.pk, quantity, product.product_code, product.type,
                product.description, product.vat_code, product.vat_rate, product.unit_price,
                product.unit_weight, figures.line_price, figures.vat, figures.line_weight])))
        events.append(f"{content_type_id}\t{n}\tcreate\t\tOPEN\timport\t\t{now}")
    order_columns = ("id, account_id, order_number, external_id, order_state, customer_order_no, "
                     "order_type, delivery_method, " + ", ".join(services.BODY_TEXT_FIELDS)
                     + ", carriage_tba, total_price, total_vat, total_weight, created_at, "
                     "updated_at")
    tables = [
        ("wholesale_wholesaleorder", order_columns, orders),
        ("wholesale_wholesaleorderline",
         "order_id, position, product_id, quantity, product_code, product_type, description, "
         "vat_code, vat_rate, unit_price, unit_weight, line_price, vat, line_weight", lines),
        ("orders_orderevent",
         "content_type_id, object_id, action, from_state, to_state, via, note, created_at",
         events),
    ]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if skip_triggers:
            cursor.execute("SET LOCAL session_replication_role = replica")
        for table, columns, rows in tables:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for start in range(0, len(rows), 10_000):
                    copy.write("\n".join(rows[start:start + 10_000]) + "\n")
    return time.perf_counter() - started


def sqlite_rate(tmp: Path, orders: int, per_order: int, batch_size: int) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}"}
    manage("migrate", "-v0", env=env)
    setup = ("from benchmarks.bench_import import load_catalog_and_account;"
             "print(load_catalog_and_account())")
    account_id = int(subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", setup], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True).stdout.strip().splitlines()[-1])
    path = tmp / "sqlite-orders.jsonl"
    generate_file(path, orders, per_order, account_id)
    seconds, peak_mb, _ = run_importer(path, batch_size, env)
    lines = orders * per_order
    print(f"importer on SQLite ({orders:,} orders): {seconds:6.2f} s "
          f"{lines / seconds:10,.0f} lines/s")


if __name__ == "__main__":
    main()
