"""Measure the APIs' endpoints against hand-written floor views that answer the same bytes.

    python -m benchmarks.bench_api [--domains panels,wholesale,...] [--orders 2000]
        [--runs 5] [--duration 3] [--connections 2] [--port 8200]
        [--database-url postgres://postgres@127.0.0.1:5432/backoffice_bench_api]
        [--check-only] [--reuse]

1. A fresh PostgreSQL database (the URL's name; --reuse keeps one an earlier run built):
   migrated, each domain's demo and the references its orders use (benchmarks.references),
   then --orders orders per domain, written by `import_orders` from generated files
   (benchmarks.order_files), all of them the demo principals' (panels' partner, wholesale's
   customer's account, marketplace's customers and merchants, restaurant, labs' company).
2. One gunicorn (2 sync workers) with the production settings (DEBUG off, the cache in
   Redis, persistent connections) and benchmarks.api_settings, which serves the product's
   URLs and the floor views of benchmarks.api_floors side by side: per endpoint, the least
   work that answers the same bytes (`.values()`, one query per table, orjson, the same
   token check).
3. Checks, per endpoint: the floor's body and paging headers equal the endpoint's, byte for
   byte (else the bench stops: a floor that answers less is no floor); the queries each
   answers with (through Django's test client in this process).
4. wrk (Debian's package) against each endpoint and its floor, interleaved: run 1 times
   every endpoint then its floor, run 2 the floor first, and so on; medians of --runs.
   A create endpoint (POST) has no floor: its req/s and queries are printed.

The ratio is the endpoint's req/s over its floor's; the target is 0.9 for plain JSON and
0.6 for JSON:API (application/vnd.api+json). The load average before and after says
whether the machine was quiet. Never part of the test run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.api_floors import DOMAINS, Endpoint
from benchmarks.databases import Cluster
from benchmarks.order_files import write_orders

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"application/json": 0.9, "application/vnd.api+json": 0.6}
COMPARED_HEADERS = ["Content-Type", "X-Total-Count", "Link"]


@dataclass
class Result:
    endpoint: Endpoint
    target: float | None = None
    queries: int | None = None
    floor_queries: int | None = None
    rates: list[float] = field(default_factory=list)
    floor_rates: list[float] = field(default_factory=list)
    errors: int = 0  # non-2xx answers during the timed runs (endpoint and floor)

    @property
    def rate(self) -> float | None:
        return statistics.median(self.rates) if self.rates else None

    @property
    def floor_rate(self) -> float | None:
        return statistics.median(self.floor_rates) if self.floor_rates else None

    @property
    def ratio(self) -> float | None:
        if self.rate is None or not self.floor_rate:
            return None
        return self.rate / self.floor_rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", default=",".join(DOMAINS),
                        help="Comma-separated (default: all five).")
    parser.add_argument("--orders", type=int, default=2000, help="Orders per domain.")
    parser.add_argument("--runs", type=int, default=5, help="Timed runs per endpoint "
                        "and floor; the median is reported (default 5).")
    parser.add_argument("--duration", type=int, default=3, help="Seconds per timed run.")
    parser.add_argument("--connections", type=int, default=2,
                        help="wrk's open connections (default 2: one per worker).")
    parser.add_argument("--port", type=int, default=8200)
    parser.add_argument("--database-url",
                        default="postgres://postgres@127.0.0.1:5432/backoffice_bench_api",
                        help="A superuser URL; the database it names is (re)created.")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--check-only", action="store_true",
                        help="Byte equality and queries per request only, no timing.")
    parser.add_argument("--reuse", action="store_true",
                        help="Keep the database if it exists (built by an earlier run).")
    args = parser.parse_args()
    domains = [d.strip() for d in args.domains.split(",") if d.strip()]
    unknown = sorted(set(domains) - set(DOMAINS))
    if unknown:
        parser.error(f"unknown domain {', '.join(unknown)}: one of {', '.join(DOMAINS)}")
    if not args.check_only and not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk (or run with --check-only)")

    env = production_env(args)
    os.environ.update(env)
    cluster = Cluster(args.database_url)
    database = cluster.parsed.path.lstrip("/")
    if not (args.reuse and database_exists(cluster, database)):
        build_database(cluster, database, domains, args.orders, env)
    demo = json.loads(manage(["seed_demo", "--json", "--force"], env, capture=True))

    import django

    django.setup()
    endpoints = []
    for domain in domains:
        endpoints += importlib.import_module(f"benchmarks.api_floors.{domain}").endpoints(demo)
    if not endpoints:
        sys.exit(f"no endpoints: benchmarks/api_floors/{{{','.join(domains)}}}.py list none")

    print(f"load average before: {load_average()}", flush=True)
    base = f"http://127.0.0.1:{args.port}"
    results = [Result(endpoint) for endpoint in endpoints]
    with gunicorn(args.port, env):
        for result in results:
            check(result, base)
        count_queries(results)
        if not args.check_only:
            time_endpoints(results, base, args)
    print(f"load average after: {load_average()}", flush=True)
    print_table(results, args)
    missed = [r for r in results if r.target and r.ratio is not None and r.ratio < r.target]
    sys.exit(1 if missed else 0)


def production_env(args) -> dict:
    """The production settings as the README documents them, on plain HTTP."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.api_settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "PYTHONPATH": str(ROOT),
    }


def database_exists(cluster: Cluster, name: str) -> bool:
    with cluster.connect("postgres") as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                 [name]).fetchone())


def build_database(cluster: Cluster, name: str, domains: list[str], orders: int, env) -> None:
    started = time.perf_counter()
    cluster.create(name)
    manage(["migrate", "--noinput", "-v0"], env)
    refs = json.loads(subprocess.run(
        [sys.executable, "-m", "benchmarks.references", *domains], cwd=ROOT, env=env,
        check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    demo = json.loads(manage(["seed_demo", "--json", "--force"], env, capture=True))
    if "wholesale" in refs:  # every order the demo customer's account's: its list is long
        refs["wholesale"]["account_ids"] = [demo["wholesale"]["customer"]["account_id"]]
    with tempfile.TemporaryDirectory(prefix="bench_api_") as tmp:
        for domain in domains:
            path = Path(tmp) / f"{domain}.jsonl"
            write_orders(path, domain, refs[domain], orders=orders, prefix="api-")
            summary = manage(["import_orders", domain, str(path), "--no-progress"], env,
                             capture=True).strip().splitlines()[-1]
            print(f"{domain}: {summary}", flush=True)
    with cluster.connect(name, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"database {name} built in {time.perf_counter() - started:.0f} s", flush=True)


def manage(command: list[str], env, *, capture: bool = False) -> str:
    done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                          check=True, capture_output=capture, text=True)
    return done.stdout if capture else ""


class gunicorn:
    """One gunicorn, 2 sync workers, for the `with` block."""

    def __init__(self, port: int, env):
        self.port, self.env = port, env

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "2",
             "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning"], cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/schema/", timeout=2)
                return self
            except urllib.error.HTTPError:
                return self  # it answers
            except OSError:
                if self.process.poll() is not None:
                    sys.exit("gunicorn exited at start (see its output above)")
                time.sleep(0.2)
        self.__exit__()
        sys.exit(f"gunicorn did not answer on port {self.port} within 30 s")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def fetch(base: str, endpoint: Endpoint, path: str):
    request = urllib.request.Request(
        base + path, method=endpoint.method, data=endpoint.body,
        headers={"Authorization": f"Bearer {endpoint.token}", **endpoint.headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def check(result: Result, base: str) -> None:
    """The endpoint answers 2xx; its floor answers the same bytes and paging headers."""
    endpoint = result.endpoint
    status, headers, body = fetch(base, endpoint, endpoint.path)
    if not 200 <= status < 300:
        sys.exit(f"{endpoint.name}: {endpoint.method} {endpoint.path} answered {status}: "
                 f"{body[:500]!r}")
    media_type = (headers.get("Content-Type") or "").split(";")[0].strip()
    result.target = TARGETS.get(media_type) if endpoint.floor else None
    if not endpoint.floor:
        return
    floor_status, floor_headers, floor_body = fetch(base, endpoint, endpoint.floor)
    differences = [f"status {status} != {floor_status}"] if status != floor_status else []
    differences += [f"{name}: {headers.get(name)!r} != {floor_headers.get(name)!r}"
                    for name in COMPARED_HEADERS if headers.get(name) != floor_headers.get(name)]
    if body != floor_body:
        at = next((i for i, (a, b) in enumerate(zip(body, floor_body, strict=False)) if a != b),
                  min(len(body), len(floor_body)))
        differences.append(f"bodies differ at byte {at} (lengths {len(body)}, "
                           f"{len(floor_body)}): endpoint {body[max(0, at - 80):at + 80]!r}, "
                           f"floor {floor_body[max(0, at - 80):at + 80]!r}")
    if differences:
        sys.exit(f"{endpoint.name}: the floor {endpoint.floor} does not answer what "
                 f"{endpoint.path} answers:\n  " + "\n  ".join(differences))
    print(f"{endpoint.name}: floor answers the same {len(body)} bytes", flush=True)


def count_queries(results: list[Result]) -> None:
    """Queries per request, through Django's test client in this process (its second call:
    the first may fill per-process caches)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()

    def queries(endpoint: Endpoint, path: str) -> int:
        extra = {"HTTP_AUTHORIZATION": f"Bearer {endpoint.token}"}
        extra |= {f"HTTP_{name.upper().replace('-', '_')}": value
                  for name, value in endpoint.headers.items() if name != "Content-Type"}
        call = getattr(client, endpoint.method.lower())
        kwargs = {"content_type": endpoint.headers.get("Content-Type")} if endpoint.body else {}
        if endpoint.body:
            kwargs["data"] = endpoint.body
        call(path, **kwargs, **extra)
        with CaptureQueriesContext(connection) as captured:
            call(path, **kwargs, **extra)
        return len(captured)

    for result in results:
        result.queries = queries(result.endpoint, result.endpoint.path)
        if result.endpoint.floor:
            result.floor_queries = queries(result.endpoint, result.endpoint.floor)


def time_endpoints(results: list[Result], base: str, args) -> None:
    with tempfile.TemporaryDirectory(prefix="bench_api_wrk_") as tmp:
        scripts = {id(r): wrk_script(r.endpoint, Path(tmp)) for r in results}
        for result in results:  # warm-up: both workers' imports, caches and connections
            wrk(base + result.endpoint.path, scripts[id(result)], 1, args)
            if result.endpoint.floor:
                wrk(base + result.endpoint.floor, scripts[id(result)], 1, args)
        for run in range(args.runs):
            for result in results:
                endpoint = result.endpoint
                order = [("endpoint", endpoint.path)]
                if endpoint.floor:
                    order.append(("floor", endpoint.floor))
                    if run % 2:
                        order.reverse()
                for which, path in order:
                    rate, errors = wrk(base + path, scripts[id(result)], args.duration, args)
                    (result.rates if which == "endpoint" else result.floor_rates).append(rate)
                    result.errors += errors
            print(f"run {run + 1}/{args.runs} done; load average {load_average()}", flush=True)


def wrk_script(endpoint: Endpoint, directory: Path) -> Path:
    """wrk's Lua script: the method, headers and body of `endpoint`."""
    def lua(value) -> str:  # a Lua string literal of any bytes
        data = value if isinstance(value, bytes) else value.encode()
        return '"' + "".join(f"\\{byte}" for byte in data) + '"'

    lines = [f"wrk.method = {lua(endpoint.method)}",
             f'wrk.headers["Authorization"] = {lua("Bearer " + endpoint.token)}']
    lines += [f"wrk.headers[{lua(name)}] = {lua(value)}"
              for name, value in endpoint.headers.items()]
    if endpoint.body:
        lines.append(f"wrk.body = {lua(endpoint.body)}")
    path = directory / f"{abs(hash(endpoint.name))}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(url: str, script: Path, seconds: int, args) -> tuple[float, int]:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "-s", str(script), url],
        check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rate, int(errors.group(1)) if errors else 0


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def print_table(results: list[Result], args) -> None:
    def figure(value, spec=".0f"):
        return "-" if value is None else format(value, spec)

    print(f"\n{args.orders} orders per domain, pages of 50; gunicorn 2 sync workers, wrk "
          f"-c{args.connections}, medians of {args.runs} runs of {args.duration} s")
    header = (f"{'endpoint':40} {'req/s':>8} {'floor':>8} {'ratio':>6} {'target':>6} "
              f"{'queries':>8} {'met':>4} {'non-2xx':>7}")
    print(header)
    print("-" * len(header))
    for r in results:
        met = "-" if r.ratio is None or r.target is None else (
            "yes" if r.ratio >= r.target else "NO")
        queries = f"{r.queries}/{r.floor_queries}" if r.floor_queries is not None else (
            figure(r.queries))
        print(f"{r.endpoint.name:40} {figure(r.rate):>8} {figure(r.floor_rate):>8} "
              f"{figure(r.ratio, '.2f'):>6} {figure(r.target, '.1f'):>6} {queries:>8} "
              f"{met:>4} {r.errors:>7}")


if __name__ == "__main__":
    main()
