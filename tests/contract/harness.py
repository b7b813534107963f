"""Schemathesis's engine (what `st run --checks all` runs) against the project's OpenAPI schema,
over HTTP to a live server: every phase (examples, coverage, fuzzing, stateful) and every
check, each operation called with its domain's demo token. Findings are gathered, one per
(check, operation, status, reason), with a curl that reproduces them."""

import re
import time
from collections import Counter
from dataclasses import dataclass, field

import schemathesis
from django.conf import settings
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

DOMAINS = settings.DOMAIN_APPS

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


# A log-in answers wrong credentials with its document's 400 or 422: schema-valid data cannot
# know a password, and these operations mint a token without an OAuth2 `tokenUrl` that would
# tell schemathesis so.
WRONG_CREDENTIALS = "a log-in answers well-formed but wrong credentials with its document's {}"
# Schema-valid data names rows that do not exist (a panel SKU, a product code): the domain
# answers its documented refusal of an unknown reference, which the schema cannot enumerate.
UNKNOWN_REFERENCE = "a well-formed reference to no row is refused with the document's {}"
POSITIVE_ALSO = ["2xx", "3xx", "401", "403", "404", "409", "429"]  # the check's own defaults

# Per operation, the settings of a check that would otherwise report a false positive, each
# for a documented reason: {("METHOD /path", "check"): (settings, why)}. Never global.
OPERATION_CHECKS: dict[tuple[str, str], tuple[dict, str]] = {
    ("POST /api/v1/api-token-auth/", "positive_data_acceptance"): (
        {"expected-statuses": [*POSITIVE_ALSO, "400"]}, WRONG_CREDENTIALS.format(400)),
    ("POST /api/token", "positive_data_acceptance"): (
        {"expected-statuses": [*POSITIVE_ALSO, "422"]}, WRONG_CREDENTIALS.format(422)),
    ("POST /api/v1/customer-panel-orders/", "positive_data_acceptance"): (
        {"expected-statuses": [*POSITIVE_ALSO, "400"]}, UNKNOWN_REFERENCE.format(400)),
    ("POST /apis/customer/orders", "positive_data_acceptance"): (
        {"expected-statuses": [*POSITIVE_ALSO, "422"]}, UNKNOWN_REFERENCE.format(422)),
    # Restaurant: an address, status, staff member, staff group, menu, customer, location or
    # payment method named by id or code must exist (and a customer's address be theirs); a
    # customer's token is also refused the staff fields by name (one body schema serves both
    # principals). Both answer the document's 422.
    ("POST /api/orders", "positive_data_acceptance"): (
        {"expected-statuses": [*POSITIVE_ALSO, "422"]},
        UNKNOWN_REFERENCE.format(422) + "; a customer's token may not set the staff fields"),
    ("PATCH /api/orders/{id}", "positive_data_acceptance"): (
        {"expected-statuses": [*POSITIVE_ALSO, "422"]}, UNKNOWN_REFERENCE.format(422)),
    ("PUT /api/orders/{id}", "positive_data_acceptance"): (
        {"expected-statuses": [*POSITIVE_ALSO, "422"]}, UNKNOWN_REFERENCE.format(422)),
}


# Findings of the stateful phase, which applies no per-operation settings, left out for a
# documented reason: {(check, "METHOD /path"): why}. Never a whole check.
SCENARIO_EXEMPT: dict[tuple[str, str], str] = {
    ("ensure_resource_availability", "POST /api/v1/records/"):
        "seen only in stateful scenarios, whose other steps may unlist the record (DELETE "
        "/api/v1/records/{id}/merchants/{id}/: then 404 is right); a created record reads "
        "back at once (tests/marketplace/test_read_pages.py)",
}


def config_for(base_url: str, token: str, max_examples: int) -> SchemathesisConfig:
    """Every check on, derandomized (fixed seed, no example database), bounded."""
    operations = [
        {"include-name": label, "checks": {check: settings}}
        for (label, check), (settings, _why) in OPERATION_CHECKS.items()
    ]
    return SchemathesisConfig.from_dict({
        "seed": 14,
        "base-url": base_url,
        "workers": 1,
        "cache": {"enabled": False},
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {
            "max-examples": max_examples, "deterministic": True, "database": "none",
            "no-shrink": True,
            # Text as every API stores it (orders.inputs: no NUL, no lone surrogates, which
            # each domain refuses with its 400): JSON strings can carry both, UTF-8 cannot.
            "allow-x00": False, "codec": "utf-8",
        },
        "checks": {"enabled": True},
        "phases": {"stateful": {"max-steps": 4 * max_examples}},
        "operations": operations,
    })


@dataclass
class Finding:
    check: str
    operation: str
    status: int | None
    reason: str
    curl: str


@dataclass
class ContractRun:
    operations: set = field(default_factory=set)
    cases: Counter = field(default_factory=Counter)  # phase -> requests sent
    statuses: Counter = field(default_factory=Counter)  # status code -> answers
    findings: dict = field(default_factory=dict)  # (check, operation, status, reason) -> Finding
    by_check: Counter = field(default_factory=Counter)  # check -> failing cases
    seconds: float = 0.0

    def record(self, recorder, phase: str) -> None:
        if recorder.label.split(" ", 1)[0] in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            self.operations.add(recorder.label)  # a stateful scenario spans several
        for interaction in recorder.interactions.values():
            self.cases[phase] += 1
            if interaction.response is not None:
                self.statuses[interaction.response.status_code] += 1
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.failure_info is None:
                    continue
                failure = check.failure_info.failure
                if (check.name, failure.operation or recorder.label) in SCENARIO_EXEMPT:
                    continue
                interaction = recorder.interactions.get(case_id)
                status = interaction.response.status_code if interaction and interaction.response \
                    else None
                reason = first_line(failure)
                key = (check.name, failure.operation or recorder.label, status,
                       re.sub(r"\d+", "N", reason)[:160])
                self.by_check[check.name] += 1
                self.findings.setdefault(key, Finding(
                    check.name, failure.operation or recorder.label, status, reason,
                    check.failure_info.code_sample))

    def error(self, label: str, phase: str, exception: BaseException) -> None:
        reason = f"{type(exception).__name__}: {exception}"[:300]
        self.by_check["engine error"] += 1
        self.findings.setdefault(("engine error", label, None, reason),
                                 Finding("engine error", label, None, reason, ""))


def first_line(failure) -> str:
    lines = [failure.title, *[line.strip() for line in failure.message.splitlines()]]
    detail = next((line for line in lines[1:] if line), "")
    return f"{failure.title}: {detail}"[:300]


def run_engine(schema, run: ContractRun) -> None:
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            run.record(event.recorder, getattr(event, "phase", "fuzz"))
        elif isinstance(event, events.NonFatalError):
            run.error(event.label, str(event.phase), event.value)
        elif isinstance(event, events.FatalError):
            raise event.exception
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:  # class-based checks reporting after the run
                run.by_check[failure.title] += 1
                run.findings.setdefault(("after run", failure.operation, None, failure.title),
                                        Finding("after run", failure.operation or "", None,
                                                first_line(failure), ""))
    run.seconds += time.monotonic() - started


def schema_for(base_url: str, token: str, labels: list[str], max_examples: int):
    schema = schemathesis.openapi.from_url(
        f"{base_url}/api/schema/?format=json", config=config_for(base_url, token, max_examples))
    # Excluding the rest, not `include(name=...)`: includes are OR-ed with the filter that the
    # per-operation check settings (OPERATION_CHECKS) add, which matches every operation.
    wanted = set(labels)
    return schema.exclude(lambda ctx: ctx.operation.label not in wanted)


def operations_by_principal(base_url: str, domain: str) -> dict[str, list[str]]:
    """The labels ("METHOD /path") of the domain's operations, grouped by the principal whose
    token calls them."""
    import requests

    paths = requests.get(f"{base_url}/api/schema/?format=json", timeout=30).json()["paths"]
    groups: dict[str, list[str]] = {}
    for path, item in paths.items():
        for method in item:
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            owner, principals = principals_for(method.upper(), path)
            if owner == domain:
                for principal in principals:
                    groups.setdefault(principal, []).append(f"{method.upper()} {path}")
    return groups


def summary_lines(domain: str, run: ContractRun, max_examples: int) -> list[str]:
    phases = ", ".join(f"{phase}: {n}" for phase, n in sorted(run.cases.items()))
    return [
        f"{domain}: operations: {len(run.operations)}, cases: {sum(run.cases.values())} "
        f"({phases}), findings: {sum(run.by_check.values())} ({len(run.findings)} distinct), "
        f"in {run.seconds:.1f} s ({max_examples} examples per operation)",
        f"{domain}: statuses: " + ", ".join(f"{code}: {n}" for code, n in
                                            sorted(run.statuses.items())),
        f"{domain}: findings by check: " + (", ".join(
            f"{check}: {n}" for check, n in run.by_check.most_common()) or "none"),
        *[f"  {f.check}: {f.operation} -> {f.status}: {f.reason}\n    {f.curl}"
          for f in run.findings.values()],
    ]
