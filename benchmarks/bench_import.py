"""Measure `import_orders` for every domain against a raw COPY of the rows it writes.

    python benchmarks/bench_import.py [--domains panels,wholesale,...] [--lines 1000000]
        [--runs 3] [--database-url postgres://postgres@127.0.0.1:5432/backoffice_bench]
        [--stale-orders 100000] [--stale-existing 1000000] [--sqlite-lines 20000]

Per domain (panels, wholesale, marketplace, restaurant, labs) it loads the references an
order needs (the domain's demo; wholesale also a 1,000-product catalog and 50 trade
accounts, written in bulk) into a base database, and generates a JSON Lines file of
orders of about five lines each (wholesale products, panels items, restaurant menus, labs
samples; a marketplace order is one record, one line), each with an external_id. Then,
every import into a fresh copy of the base database (CREATE DATABASE ... TEMPLATE):

1. the importer as an operator runs it: `manage.py import_orders <domain> FILE` in a
   child process, timed from its start to its exit: lines/s end to end, as an ordinary
   role (no superuser, owns nothing: what an application runs as) and as the superuser
   (which may skip the row-by-row foreign key triggers), and the peak resident memory of
   the importer's process tree, sampled every 50 ms: the sum of its processes' RSS (the
   target's measure; a page the importer shares with its forked writer counts twice) and
   of their PSS (shared pages split: the tree's real footprint);
2. the raw COPY of the same rows into the same tables: after the first import, the rows
   it inserted (every table whose ids grew) are copied out with `COPY ... TO STDOUT`;
   then `COPY FROM STDIN` of exactly those rows, in one transaction, with the foreign key
   triggers and without them (session_replication_role = replica, superuser only): the
   floor the database itself sets. Printed: importer time / raw COPY time;
3. beside them: the same command on an empty file (what process start costs), the rate
   the importer's own summary gives (timed inside it), a re-run of the same file into
   the imported database (nothing may change) and, for wholesale, plain Django
   (benchmarks.wholesale_bulk_create: bulk_create with no checks), these two in run 1.

Every import must create every order of its file and reject none, else that domain is
reported as failed (with the importer's error) and the others go on. Databases: the URL's
name is a prefix: <name>_base (migrated, the references), <name>_run (each measured
import), <name>_fresh_a, _stale_a, _stale_b (the stale case's templates).

Runs are interleaved (every domain's run 1, then every domain's run 2, ...) so that a
slow minute of a shared machine does not land on one domain; medians are reported.

Then the stale-statistics case (wholesale): one file of --stale-orders orders over the
50 accounts and 1,000 products, imported as the ordinary role (a) into a table that was
analysed when it held 3 orders, all of one other account, autovacuum off for the orders
and lines tables, against the fresh case: the same 3 orders, never analysed, autovacuum
on (the planner then scales its estimates with the table's real size); (b) into a table
already holding --stale-existing orders over the 50 accounts (inserted by generate_series
after ANALYZE ran on 10 orders of that other account; autovacuum off), against the fresh
case: the same table analysed after the load. Printed: stale time / fresh time (target
at most 1.5).

Then SQLite: the same command per domain on a smaller file (--sqlite-lines), its rate.
Last, a table of the figures and whether each target is met. Never part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.databases import (  # noqa: E402 - the project root first on the path
    Cluster,
    copy_in,
    export_rows,
    id_tables,
    rows_written,
)
from benchmarks.order_files import write_orders  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ["panels", "wholesale", "marketplace", "restaurant", "labs"]
TARGET_RATE = {"wholesale": 100_000}  # lines/s as the ordinary role; others:
OTHER_TARGET_RATE = 50_000
TARGET_PEAK_MB = 300  # for a million lines
TARGET_STALE_RATIO = 1.5
ORDERS_TABLE, LINES_TABLE = "wholesale_wholesaleorder", "wholesale_wholesaleorderline"
SUMMARY = re.compile(r"created (\d+), updated (\d+), unchanged (\d+), rejected (\d+) "
                     r"\((\d+) \w+, (\d+) lines\)")


class BenchFailure(Exception):
    """An import that did not import the whole file (or did not run)."""


@dataclass
class Import:
    seconds: float
    peak_mb: float  # RSS of the process tree
    peak_pss_mb: float
    summary: str


@dataclass
class DomainResult:
    orders: int = 0
    lines: int = 0
    role: list[float] = field(default_factory=list)  # seconds per run
    superuser: list[float] = field(default_factory=list)
    copy: list[float] = field(default_factory=list)
    copy_bare: list[float] = field(default_factory=list)  # without FK triggers
    start: list[float] = field(default_factory=list)  # seconds of an import of no order
    own: list[float] = field(default_factory=list)  # lines/s its summary gives (no start)
    bulk_create: list[float] = field(default_factory=list)  # plain Django (wholesale)
    rerun: float = 0.0
    peak_mb: float = 0.0
    peak_pss_mb: float = 0.0
    written: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    failed: str = ""
    sqlite: list[float] = field(default_factory=list)
    sqlite_lines: int = 0
    sqlite_failed: str = ""

    def rate(self, timings: list[float], lines: int | None = None) -> float | None:
        return (lines or self.lines) / statistics.median(timings) if timings else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", default=",".join(DOMAINS),
                        help="Comma-separated (default: all five).")
    parser.add_argument("--lines", type=int, default=1_000_000,
                        help="Order lines per domain's file (default 1,000,000).")
    parser.add_argument("--runs", type=int, default=3, help="Runs per measure; the median "
                        "is reported (default 3).")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/backoffice_bench",
                        help="A superuser URL; its database name is the prefix of every "
                             "database the bench (re)creates: <name>_base, <name>_run, ...")
    parser.add_argument("--role", default="backoffice_bench_app", help="The ordinary role's name.")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--batch-size", type=int, help="import_orders --batch-size "
                        "(default: the command's own).")
    parser.add_argument("--stale-orders", type=int, default=100_000,
                        help="Wholesale orders of the stale-statistics case (0: skip it).")
    parser.add_argument("--stale-existing", type=int, default=1_000_000,
                        help="Orders already in the table in its case (b).")
    parser.add_argument("--sqlite-lines", type=int, default=20_000,
                        help="Order lines per domain on SQLite (0: skip).")
    parser.add_argument("--workdir", help="Where the files go (default: a temporary "
                        "directory, removed at the end).")
    args = parser.parse_args()
    domains = [d.strip() for d in args.domains.split(",") if d.strip()]
    unknown = sorted(set(domains) - set(DOMAINS))
    if unknown:
        parser.error(f"unknown domain {', '.join(unknown)}: one of {', '.join(DOMAINS)}")

    print(f"machine: {os.cpu_count()} cores; a pure-Python loop of 10 million additions "
          f"takes {python_loop_seconds():.2f} s (to compare machines)", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        work = Path(args.workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        bench = Bench(args, work)
        results = {domain: DomainResult() for domain in domains}
        try:
            bench.postgres(results)
            stale = bench.stale() if args.stale_orders else None
            if args.sqlite_lines and results:
                bench.sqlite(results)
        finally:
            bench.cleanup()
        print_table(results, stale, args)


class Bench:
    def __init__(self, args, work: Path):
        self.args = args
        self.work = work
        self.cluster = Cluster(args.database_url)
        prefix = self.cluster.parsed.path.lstrip("/") or "backoffice_bench"
        self.base, self.run = f"{prefix}_base", f"{prefix}_run"
        self.templates = {case: f"{prefix}_{case}" for case in
                          ["fresh_a", "stale_a", "stale_b"]}
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
                    "REDIS_URL": args.redis_url}
        self.refs: dict = {}
        self.before: dict = {}

    # --- PostgreSQL: every domain, interleaved runs ------------------------------------

    def postgres(self, results: dict[str, DomainResult]) -> None:
        domains = list(results)
        needed = sorted(set(domains) | ({"wholesale"} if self.args.stale_orders else set()))
        self.cluster.create(self.base)
        base_url = self.cluster.url(self.base)
        manage(["migrate", "-v0"], {**self.env, "DATABASE_URL": base_url})
        self.refs = load_references(needed, {**self.env, "DATABASE_URL": base_url})
        self.cluster.ordinary_role(self.args.role, self.base)
        with self.cluster.connect(self.base) as conn:
            self.before = id_tables(conn)
        for domain in domains:
            result = results[domain]
            result.orders, result.lines = write_orders(
                self.work / f"{domain}.jsonl", domain, self.refs[domain], lines=self.args.lines)
            size = (self.work / f"{domain}.jsonl").stat().st_size / 1e6
            print(f"{domain}: {result.orders:,} orders, {result.lines:,} lines, "
                  f"{size:,.0f} MB of JSON Lines", flush=True)

        for run in range(1, self.args.runs + 1):
            for domain in domains:
                result = results[domain]
                if result.failed:
                    continue
                try:
                    self.postgres_run(domain, result, run)
                except BenchFailure as exc:
                    result.failed = str(exc)
                    print(f"run {run} {domain}: FAILED: {exc}", flush=True)
        self.cluster.drop(self.run)

        print("\nPostgreSQL, median of runs (lines/s):")
        for domain, result in results.items():
            if result.failed:
                print(f"  {domain:<12} failed: {result.failed.splitlines()[-1]}")
                continue
            role, su = result.rate(result.role), result.rate(result.superuser)
            copy, bare = result.rate(result.copy), result.rate(result.copy_bare)
            print(f"  {domain:<12} ordinary role {role:>10,.0f}   superuser {su:>10,.0f}   "
                  f"raw COPY {copy:>10,.0f} (no FK triggers {bare:>10,.0f})   "
                  f"importer/COPY time {copy / role:5.2f}x   peak RSS {result.peak_mb:,.0f} MB "
                  f"(PSS {result.peak_pss_mb:,.0f} MB)   process start "
                  f"{statistics.median(result.start):.2f} s, its own summary "
                  f"{statistics.median(result.own):,.0f} lines/s")
            if result.bulk_create:
                print(f"  {domain:<12} plain Django bulk_create (no checks, run 1) "
                      f"{result.rate(result.bulk_create):>10,.0f}")
        print(flush=True)

    def postgres_run(self, domain: str, result: DomainResult, run: int) -> None:
        path = self.work / f"{domain}.jsonl"
        # Which goes first alternates from run to run (a cold first minute evens out).
        kinds = ["role", "superuser"] if run % 2 else ["superuser", "role"]
        timed = {}
        for kind in kinds:
            self.cluster.create(self.run, template=self.base)
            url = self.cluster.url(self.run, user=self.args.role if kind == "role" else None)
            timed[kind] = self.importer(domain, path, url, result)
            if kind == "role" and not result.files:  # the rows an import writes, once
                with self.cluster.connect(self.run) as conn:
                    result.written = rows_written(conn, self.before)
                    result.files = export_rows(conn, result.written, self.before,
                                               self.work / f"{domain}-rows")
                print(f"{domain}: the import wrote "
                      + ", ".join(f"{table} {rows:,}" for table, rows in result.written.items())
                      + f"\n  its summary: {timed[kind].summary}", flush=True)
                self.rerun(domain, path, result)
        as_role, as_superuser = timed["role"], timed["superuser"]
        self.cluster.create(self.run, template=self.base)
        copy = copy_in(self.cluster.url(self.run), result.files)
        self.cluster.create(self.run, template=self.base)
        bare = copy_in(self.cluster.url(self.run), result.files, skip_triggers=True)
        if domain == "wholesale" and run == 1:  # a reference: one run is enough
            self.bulk_create(path, result, run)
        # The floor process start sets: the same command on an empty file.
        empty = self.work / "empty.jsonl"
        empty.touch()
        start = self.importer(domain, empty, self.cluster.url(self.run, user=self.args.role),
                              result, orders=0, lines=0).seconds
        result.start.append(start)
        result.own.append(own_rate(as_role.summary))
        result.role.append(as_role.seconds)
        result.superuser.append(as_superuser.seconds)
        result.copy.append(copy)
        result.copy_bare.append(bare)
        result.peak_mb = max(result.peak_mb, as_role.peak_mb, as_superuser.peak_mb)
        result.peak_pss_mb = max(result.peak_pss_mb, as_role.peak_pss_mb,
                                 as_superuser.peak_pss_mb)
        lines = result.lines
        print(f"run {run} {domain:<12} ordinary role {lines / as_role.seconds:>10,.0f} lines/s "
              f"({as_role.seconds:6.2f} s, peak RSS {as_role.peak_mb:4,.0f} MB, PSS "
              f"{as_role.peak_pss_mb:4,.0f} MB)   superuser "
              f"{lines / as_superuser.seconds:>10,.0f}   raw COPY {lines / copy:>10,.0f} "
              f"(no FK triggers {lines / bare:>10,.0f})   process start {start:.2f} s, its own "
              f"summary {result.own[-1]:,.0f} lines/s", flush=True)

    def bulk_create(self, path: Path, result: DomainResult, run: int) -> None:
        """Plain Django over the same wholesale file (benchmarks.wholesale_bulk_create); a
        failure is reported and leaves the importer's figures alone."""
        self.cluster.create(self.run, template=self.base)
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.wholesale_bulk_create", str(path)], cwd=ROOT,
            env={**self.env, "DATABASE_URL": self.cluster.url(self.run)}, capture_output=True,
            text=True)
        if done.returncode:
            print(f"run {run} plain Django bulk_create failed: "
                  f"{done.stderr.strip().splitlines()[-1:]}", flush=True)
            return
        result.bulk_create.append(float(done.stdout.split()[-1]))
        print(f"run {run} wholesale    plain Django bulk_create "
              f"{result.lines / result.bulk_create[-1]:>10,.0f} lines/s", flush=True)

    def rerun(self, domain: str, path: Path, result: DomainResult) -> None:
        """The same file again into the database it was imported into: nothing changes."""
        outcome = run_importer(domain, path, {**self.env, "DATABASE_URL": self.cluster.url(
            self.run, user=self.args.role)}, [])
        found = SUMMARY.search(outcome.summary)
        counts = tuple(map(int, found.groups()[:4])) if found else None
        if counts != (0, 0, result.orders, 0):
            raise BenchFailure(f"a re-run of the same file changed something: {outcome.summary}")
        result.rerun = outcome.seconds
        print(f"  a re-run of the same file (nothing changes): {outcome.seconds:.2f} s, "
              f"{result.lines / outcome.seconds:,.0f} lines/s", flush=True)

    def importer(self, domain: str, path: Path, url: str, result: DomainResult, *,
                 orders: int | None = None, lines: int | None = None) -> Import:
        """import_orders of the whole file, checked: every order created, none rejected."""
        options = ["--batch-size", str(self.args.batch_size)] if self.args.batch_size else []
        outcome = run_importer(domain, path, {**self.env, "DATABASE_URL": url}, options)
        expected = (result.orders if orders is None else orders,
                    result.lines if lines is None else lines)
        found = SUMMARY.search(outcome.summary)
        if not found:
            raise BenchFailure(f"no summary in its output: {outcome.summary[-500:]}")
        created, _, _, rejected, total, total_lines = map(int, found.groups())
        if (created, rejected, total_lines) != (expected[0], 0, expected[1]):
            raise BenchFailure(f"expected {expected[0]} orders created ({expected[1]} lines), "
                               f"none rejected; got: {outcome.summary}")
        return outcome

    # --- the stale-statistics case ---------------------------------------------------

    def stale(self) -> dict[str, float] | None:
        refs = self.refs["wholesale"]
        one_account = {**refs, "account_ids": [refs["early_account_id"]]}
        early = {}  # the orders a table held when it was analysed: path, (orders, lines)
        for count in (3, 10):
            early[count] = self.work / f"early-{count}.jsonl"
            early[count] = early[count], write_orders(early[count], "wholesale", one_account,
                                                      orders=count, prefix="early-")
        path = self.work / "stale.jsonl"
        orders, lines = write_orders(path, "wholesale", refs, orders=self.args.stale_orders,
                                     prefix="stale-", seed=43)
        print(f"stale statistics (wholesale): {orders:,} orders, {lines:,} lines over "
              f"{len(refs['account_ids'])} accounts and {len(refs['product_codes']):,} products",
              flush=True)
        result = DomainResult(orders=orders, lines=lines)
        try:
            for case, count in [("fresh_a", 3), ("stale_a", 3), ("stale_b", 10)]:
                name = self.templates[case]
                self.cluster.create(name, template=self.base)
                early_path, (early_orders, early_lines) = early[count]
                self.importer("wholesale", early_path,
                              self.cluster.url(name, user=self.args.role), result,
                              orders=early_orders, lines=early_lines)
                with self.cluster.connect(name, autocommit=True) as conn:
                    if case == "fresh_a":
                        continue
                    conn.execute("ANALYZE")
                    for table in (ORDERS_TABLE, LINES_TABLE):
                        conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
                    if case == "stale_b":
                        started = time.perf_counter()
                        orders_insert(conn, self.args.stale_existing, refs["account_ids"])
                        print(f"  case (b): {self.args.stale_existing:,} orders inserted in "
                              f"{time.perf_counter() - started:.1f} s", flush=True)
            timings = {case: [] for case in ["fresh_a", "stale_a", "fresh_b", "stale_b"]}
            for run in range(1, self.args.runs + 1):
                for case in timings:
                    template = self.templates["stale_b" if case == "fresh_b" else case]
                    self.cluster.create(self.run, template=template)
                    if case == "fresh_b":
                        with self.cluster.connect(self.run, autocommit=True) as conn:
                            for table in (ORDERS_TABLE, LINES_TABLE):
                                conn.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
                            conn.execute("ANALYZE")
                    outcome = self.importer("wholesale", path,
                                            self.cluster.url(self.run, user=self.args.role),
                                            result)
                    timings[case].append(outcome.seconds)
                    print(f"run {run} stale-statistics {case}: {outcome.seconds:7.2f} s "
                          f"{lines / outcome.seconds:>10,.0f} lines/s", flush=True)
        except BenchFailure as exc:
            print(f"stale statistics: FAILED: {exc}", flush=True)
            return None
        finally:
            self.cluster.drop(self.run)
            for name in self.templates.values():
                self.cluster.drop(name)
        medians = {case: statistics.median(seconds) for case, seconds in timings.items()}
        print("stale statistics, median of runs (as the ordinary role):")
        for label, fresh, stale in [
                ("(a) analysed at 3 orders of another account, autovacuum off", "fresh_a",
                 "stale_a"),
                (f"(b) {self.args.stale_existing:,} orders, analysed at 10", "fresh_b",
                 "stale_b")]:
            print(f"  {label}: stale {lines / medians[stale]:,.0f} lines/s, fresh "
                  f"{lines / medians[fresh]:,.0f} lines/s: stale/fresh time "
                  f"{medians[stale] / medians[fresh]:.2f}x")
        print(flush=True)
        return {"lines": lines, "existing": self.args.stale_existing, **medians}

    # --- SQLite --------------------------------------------------------------------------

    def sqlite(self, results: dict[str, DomainResult]) -> None:
        base = self.work / "base.sqlite3"
        env = {**self.env, "DATABASE_URL": f"sqlite:///{base}"}
        manage(["migrate", "-v0"], env)
        refs = load_references(list(results), env)
        for domain, result in results.items():
            _, result.sqlite_lines = write_orders(self.work / f"sqlite-{domain}.jsonl", domain,
                                                  refs[domain], lines=self.args.sqlite_lines)
        database = self.work / "run.sqlite3"
        run_env = {**self.env, "DATABASE_URL": f"sqlite:///{database}"}
        for run in range(1, self.args.runs + 1):
            for domain, result in results.items():
                if result.sqlite_failed:
                    continue
                shutil.copyfile(base, database)
                path = self.work / f"sqlite-{domain}.jsonl"
                orders = sum(1 for _ in open(path, "rb"))
                try:
                    outcome = run_importer(domain, path, run_env, [])
                    found = SUMMARY.search(outcome.summary)
                    if not found or found.group(4) != "0" or int(found.group(1)) != orders:
                        raise BenchFailure(f"not every order created: {outcome.summary}")
                except BenchFailure as exc:
                    result.sqlite_failed = str(exc)
                    print(f"run {run} SQLite {domain}: FAILED: {exc}", flush=True)
                    continue
                result.sqlite.append(outcome.seconds)
                print(f"run {run} SQLite {domain:<12} {result.sqlite_lines:,} lines "
                      f"{outcome.seconds:6.2f} s {result.sqlite_lines / outcome.seconds:>9,.0f} "
                      f"lines/s", flush=True)
        database.unlink(missing_ok=True)
        print(flush=True)

    def cleanup(self) -> None:
        for name in [self.run, *self.templates.values(), self.base]:
            self.cluster.drop(name)


def own_rate(summary: str) -> float:
    """The lines/s an import's summary gives (timed inside the process)."""
    found = re.search(r"([\d,]+) lines/s", summary)
    return float(found.group(1).replace(",", "")) if found else 0.0


def orders_insert(conn, count: int, account_ids: list[int]) -> None:
    """`count` more orders, copies of the first one over the accounts, by generate_series:
    each with an external id, order number and customer order number of its own."""
    columns = [row[0] for row in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = %s AND column_name <> 'id' ORDER BY ordinal_position",
        [ORDERS_TABLE]).fetchall()]
    accounts = "ARRAY[" + ",".join(str(int(pk)) for pk in account_ids) + "]::bigint[]"
    own = {"account_id": f"({accounts})[1 + g % {len(account_ids)}]",
           "order_number": "900000000 + g", "external_id": "'existing-' || g",
           "customer_order_no": "'EXISTING-' || g"}
    names = ", ".join(columns)
    values = ", ".join(own.get(column, f"src.{column}") for column in columns)
    conn.execute(f"INSERT INTO {ORDERS_TABLE} ({names}) SELECT {values} "  # noqa: S608
                 f"FROM (SELECT * FROM {ORDERS_TABLE} ORDER BY id LIMIT 1) src, "
                 f"generate_series(1, {int(count)}) g")


# --- children ------------------------------------------------------------------------


def manage(command: list[str], env) -> None:
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=True, env=env)


def load_references(domains: list[str], env) -> dict:
    output = subprocess.run([sys.executable, "-m", "benchmarks.references", *domains],
                            cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def run_importer(domain: str, path: Path, env, options: list[str]) -> Import:
    """Run `manage.py import_orders <domain> FILE`; answer its seconds from start to exit,
    the peak of its process tree's resident memory and its summary (the output's last
    line)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "import_orders", domain, str(path), "--no-progress",
         *options],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0, 0]  # RSS, PSS

    def sample():
        while child.poll() is None:
            peak[:] = map(max, peak, tree_memory_kb(child.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    stdout, stderr = child.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    lines = stdout.strip().splitlines()
    if child.returncode != 0 or not lines:
        tail = "\n".join((stderr or stdout).strip().splitlines()[-6:])
        raise BenchFailure(f"import_orders {domain} exited with {child.returncode}: {tail}")
    return Import(seconds, peak[0] / 1024, peak[1] / 1024, lines[-1])


def tree_memory_kb(pid: int) -> tuple[int, int]:
    """Resident memory of a process and all its descendants, in kB (Linux /proc): the sum
    of their RSS (a page the importer shares with its forked writer counts twice) and of
    their PSS (a shared page split between its sharers: the tree's real footprint)."""
    rss = pss = 0
    pending = [pid]
    while pending:
        one = pending.pop()
        try:
            for task in Path(f"/proc/{one}/task").iterdir():
                pending.extend(map(int, (task / "children").read_text().split()))
            for line in Path(f"/proc/{one}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return rss, pss


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


# --- the summary ---------------------------------------------------------------------


def print_table(results: dict[str, DomainResult], stale: dict | None, args) -> None:
    def figure(value):
        return "-" if value is None else f"{value:,.0f}"

    print(f"Summary ({args.lines:,} lines per domain on PostgreSQL, median of {args.runs}; "
          f"SQLite {args.sqlite_lines:,} lines):")
    header = ("domain", "lines/s (role)", "superuser", "raw COPY", "imp/COPY", "start s",
              "peak MB RSS (PSS)",
              "SQLite lines/s", "targets")
    rows = [header]
    for domain, result in results.items():
        sqlite = result.rate(result.sqlite, result.sqlite_lines)
        sqlite_text = "failed" if result.sqlite_failed else figure(sqlite)
        if result.failed:
            rows.append((domain, "failed", "-", "-", "-", "-", "-", sqlite_text, "not measured"))
            continue
        role, copy = result.rate(result.role), result.rate(result.copy)
        target = TARGET_RATE.get(domain, OTHER_TARGET_RATE)
        notes = [f"rate {'met' if role >= target else 'MISSED'} (>= {target:,})"]
        peak_ok = result.peak_mb < TARGET_PEAK_MB
        scale = "" if result.lines >= 1_000_000 else f" at {result.lines:,} lines"
        notes.append(f"memory {'met' if peak_ok else 'MISSED'} (< {TARGET_PEAK_MB} MB{scale})")
        peak = f"{result.peak_mb:,.0f} ({result.peak_pss_mb:,.0f})"
        rows.append((domain, figure(role), figure(result.rate(result.superuser)), figure(copy),
                     f"{copy / role:.2f}x", f"{statistics.median(result.start):.2f}", peak,
                     sqlite_text, ", ".join(notes)))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        cells = [str(cell).rjust(width) if i else str(cell).ljust(width)
                 for i, (cell, width) in enumerate(zip(row, widths, strict=False))]
        print("  " + "  ".join(cells) + "  " + row[-1])
    if stale:
        for label, fresh, case in [("(a) analysed at 3 orders of another account",
                                    "fresh_a", "stale_a"),
                                   (f"(b) {stale['existing']:,} orders analysed at 10",
                                    "fresh_b", "stale_b")]:
            ratio = stale[case] / stale[fresh]
            met = "met" if ratio <= TARGET_STALE_RATIO else "MISSED"
            print(f"  stale statistics {label}: {stale['lines'] / stale[case]:,.0f} lines/s, "
                  f"fresh {stale['lines'] / stale[fresh]:,.0f}: {ratio:.2f}x the fresh time, "
                  f"target (<= {TARGET_STALE_RATIO}x) {met}")
    elif args.stale_orders:
        print("  stale statistics: failed (see above)")


if __name__ == "__main__":
    main()
