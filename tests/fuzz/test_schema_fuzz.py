"""Schemathesis against the project's own OpenAPI schema (issue 13, part 7).

Every operation of /api/schema/ gets positive and negative cases, sent through the WSGI
application with its domain's demo token; some cases use ids of rows that exist, so they
reach past the 404. Any 5xx fails the test, listing each distinct one (operation, status,
the exception's last line, a curl that reproduces it). The figures (operations, cases,
5xx) are printed in the terminal summary.

Bounded to well under two minutes: FUZZ_MAX_EXAMPLES cases per operation and mode
(default below), no shrinking, no example database, derandomized (the same cases on
every run). Raise FUZZ_MAX_EXAMPLES locally to dig deeper.
"""

import itertools
import logging
import os
import re
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

import hypothesis
import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.commands import seed_demo
from tests.fuzz.conftest import FUZZ_SUMMARY

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))
# FUZZ_LOG=<file>: one line per case (operation, mode, status, start of the body), to see
# where valid data is refused (a limit the schema does not state) or invalid data accepted.
LOG = open(os.environ["FUZZ_LOG"], "a") if os.environ.get("FUZZ_LOG") else None  # noqa: SIM115

FUZZ_SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a 5xx is reported as found
    suppress_health_check=list(HealthCheck),  # slow generation or a large body is not a bug
    report_multiple_bugs=False,
)

# Marketplace operations a customer calls; every other marketplace operation is a merchant's.
MARKETPLACE_CUSTOMER_PATHS = re.compile(
    r"^/api/v1/orders/(merchants/\{merchant_id\}/records/|customers/|\{order_id\}/customers/)")


def principals_for(method: str, path: str) -> tuple[str, list[str]]:
    """(domain, the demo principals whose tokens an operation is called with)."""
    if path.startswith(("/api/v1/customer-panel-orders", "/api/v1/customers",
                        "/api/v1/trait-panels", "/api/v1/api-token-auth")):
        return "panels", ["partner"]
    if path.startswith("/apis/customer"):
        return "wholesale", ["customer"]
    if path.startswith(("/api/v1/orders", "/api/v1/records", "/api/v1/auth")):
        return "marketplace", ["customer" if MARKETPLACE_CUSTOMER_PATHS.match(path) else "merchant"]
    if path.startswith(("/api/orders", "/api/token")):
        # Staff writes everything; a customer's writes are limited to what its role may set.
        return "restaurant", ["writer", "customer"] if method in ("POST", "PATCH") else ["writer"]
    if path.startswith("/api/1/"):
        return "labs", ["company"]
    raise AssertionError(f"{method} {path}: no domain; add its prefix to principals_for")


def existing_path_parameters(path: str) -> list[dict]:
    """Path parameters of rows that exist now (the tenant's own and others'), so that some
    cases get past the lookup; empty for a path without parameters."""
    from labs import models as labs
    from marketplace import models as marketplace
    from panels import models as panels
    from restaurant import models as restaurant
    from wholesale import models as wholesale

    by_path = {
        "/api/1/orders/{id}": (labs.LabOrder, {"id": "pk"}),
        "/api/1/products/{id}": (labs.Product, {"id": "pk"}),
        "/api/1/skus/{id}": (labs.Sku, {"id": "pk"}),
        "/api/1/tests/{id}": (labs.Test, {"id": "pk"}),
        "/api/orders/{id}": (restaurant.Order, {"id": "pk"}),
        "/api/v1/customer-panel-orders/{id}": (panels.CustomerPanelOrder, {"id": "pk"}),
        "/api/v1/customer-panel-orders/{id}/cancel": (panels.CustomerPanelOrder, {"id": "pk"}),
        "/api/v1/customers/{id}": (panels.Customer, {"id": "pk"}),
        "/apis/customer/orders/{id}": (wholesale.WholesaleOrder, {"id": "pk"}),
        "/apis/customer/orders/{id}/place": (wholesale.WholesaleOrder, {"id": "pk"}),
        "/api/v1/orders/{order_id}": (marketplace.MarketplaceOrder, {"order_id": "public_id"}),
        "/api/v1/orders/{order_id}/customers/{customer_id}": (
            marketplace.MarketplaceOrder,
            {"order_id": "public_id", "customer_id": "customer__public_id"}),
        "/api/v1/orders/customers/{customer_id}": (
            marketplace.MarketplaceCustomer, {"customer_id": "public_id"}),
        "/api/v1/orders/merchants/{merchant_id}": (
            marketplace.Merchant, {"merchant_id": "public_id"}),
        "/api/v1/orders/merchants/{merchant_id}/records/{record_id}": (
            marketplace.Record, {"merchant_id": "merchant__public_id", "record_id": "public_id"}),
        "/api/v1/records/{record_id}": (marketplace.Record, {"record_id": "public_id"}),
        "/api/v1/records/{record_id}/merchants/{merchant_id}": (
            marketplace.Record, {"record_id": "public_id", "merchant_id": "merchant__public_id"}),
    }
    if "{" not in path:
        return []
    key = path.rstrip("/")
    assert key in by_path, f"{path}: say which rows its parameters name in existing_path_parameters"
    model, fields = by_path[key]
    rows = list(model.objects.order_by("pk").values_list(*fields.values()))
    rows = rows[:3] + rows[-2:]  # the demo's first rows, and the newest (maybe the fuzzer's)
    return [dict(zip(fields, row, strict=True)) for row in dict.fromkeys(rows)]


@dataclass
class ServerError:
    operation: str
    status: int
    last_line: str
    curl: str


@dataclass
class FuzzRun:
    cases: Counter = field(default_factory=Counter)  # operation -> cases sent
    statuses: Counter = field(default_factory=Counter)  # status code -> answers
    errors: dict = field(default_factory=dict)  # (operation, status, last line) -> ServerError
    exception: list = field(default_factory=list)  # set by got_request_exception per request

    def record(self, label: str, case, headers: dict, response) -> None:
        self.cases[label] += 1
        self.statuses[response.status_code] += 1
        if LOG:
            mode = case.meta.generation.mode.value if case.meta else "?"
            body = response.text[:300].replace("\n", " ")
            LOG.write(f"{label}\t{mode}\t{response.status_code}\t{body}\n")
        if response.status_code < 500:
            return
        if self.exception:
            last_line = traceback.format_exception_only(*self.exception[-1][:2])[-1].strip()
        else:
            last_line = f"(no exception) {response.text[:200]!r}"
        key = (label, response.status_code, re.sub(r"\d+", "N", last_line)[:160])
        self.errors.setdefault(key, ServerError(label, response.status_code, last_line,
                                                case.as_curl_command(headers=headers)))


def fuzz(strategy, run: FuzzRun, label: str, headers: dict) -> None:
    """Send the cases of `strategy`, recording each answer."""

    @FUZZ_SETTINGS
    @hypothesis.given(case=strategy)
    def send(case):
        run.exception.clear()
        # One transaction per request, as on a server: a request that breaks its
        # transaction must not break the next one.
        with transaction.atomic():
            response = case.call(headers=headers)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        run.record(label, case, headers, response)

    send()


@pytest.fixture
def wsgi_like_the_test_client():
    """As Django's test client does: requests must not close the test's connection (the
    test's transaction holds the demo data). Thousands of 4xx need no log line each."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    yield
    request_log.setLevel(level)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def operations_in_run_order(schema):
    """Each operation once (the schema lists a path with and without its trailing slash:
    one view), reads first and deletes last, so that writes find the demo rows still there."""
    order = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}
    operations = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path.rstrip("/"))
        if key not in operations or operation.path.endswith("/"):
            operations[key] = operation
    return sorted(operations.values(),
                  key=lambda op: (order.get(op.method.upper(), 5), op.path))


@pytest.mark.fuzz
@pytest.mark.django_db
def test_no_operation_answers_a_server_error(wsgi_like_the_test_client, request):
    from config.wsgi import application

    demo = seed_demo()
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    run = FuzzRun()

    def on_exception(sender, **kwargs):
        run.exception.append(sys.exc_info())  # Django sends it inside its `except`

    got_request_exception.connect(on_exception)
    started = time.monotonic()
    operations = operations_in_run_order(schema)
    try:
        for operation in operations:
            method = operation.method.upper()
            domain, principals = principals_for(method, operation.path)
            existing = existing_path_parameters(operation.path)
            for principal, mode in itertools.product(principals, GenerationMode):
                strategy = operation.as_strategy(generation_mode=mode)
                if existing:  # about half the cases name a row that exists
                    strategy = st.one_of(strategy, st.one_of(*[
                        operation.as_strategy(generation_mode=mode, path_parameters=params)
                        for params in existing]))
                headers = {"Authorization": f"Bearer {demo[domain][principal]['token']}"}
                fuzz(strategy, run, f"{method} {operation.path} as {principal}", headers)
    finally:
        got_request_exception.disconnect(on_exception)

    summary = [
        f"operations: {len(operations)}, cases: {sum(run.cases.values())}, "
        f"5xx: {sum(n for code, n in run.statuses.items() if code >= 500)} "
        f"({len(run.errors)} distinct), "
        f"in {time.monotonic() - started:.1f} s ({MAX_EXAMPLES} examples per operation and mode)",
        "statuses: " + ", ".join(f"{code}: {n}" for code, n in sorted(run.statuses.items())),
        *[f"5xx: {e.operation} -> {e.status}: {e.last_line}\n    {e.curl}"
          for e in run.errors.values()],
    ]
    request.config.stash[FUZZ_SUMMARY] = summary
    assert not run.errors, "\n".join(summary)
