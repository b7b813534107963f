"""Every schemathesis check against /api/schema/, one test per domain (issue 14, part 4).

Schemathesis's engine runs its phases (examples, coverage, fuzzing, stateful) over the
domain's operations through HTTP to a live server, with each operation's demo token, and
applies every check: response schema, status code, content type and response header
conformance, negative data rejection, positive data acceptance, missing required header,
unsupported method, Allow header, use after free, resource availability, ignored auth,
object-level authorization, server errors. Any finding fails the test, listing each distinct
one (check, operation, status, reason, a curl that reproduces it); the figures are printed in
the terminal summary. `pytest tests/contract -k panels` runs one domain.

Bounded and derandomized: a fixed seed, no example database, no shrinking, CONTRACT_MAX_EXAMPLES
cases per operation in the fuzzing phase (default below). Raise it locally to dig deeper.
A check that is a false positive for one operation is turned off for that operation only, in
harness.OPERATION_CHECKS, with the reason.
"""

import logging
import os

import pytest

from tests.commands import seed_demo
from tests.contract.conftest import CONTRACT_SUMMARY
from tests.contract.harness import (
    DOMAINS,
    ContractRun,
    operations_by_principal,
    run_engine,
    schema_for,
    summary_lines,
)

MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "5"))


@pytest.fixture
def quiet_request_log():
    """Thousands of 4xx need no log line each; a 5xx is still logged (and is a finding)."""
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    yield
    request_log.setLevel(level)


@pytest.mark.fuzz
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_check_passes(domain, live_server, quiet_request_log, request):
    demo = seed_demo()
    run = ContractRun()
    groups = operations_by_principal(live_server.url, domain)
    for principal, labels in groups.items():
        token = demo[domain][principal]["token"]
        run_engine(schema_for(live_server.url, token, labels, MAX_EXAMPLES), run)

    summary = summary_lines(domain, run, MAX_EXAMPLES)
    request.config.stash.setdefault(CONTRACT_SUMMARY, []).extend(summary)
    assert run.operations == {label for labels in groups.values() for label in labels}, (
        f"{domain}: the operations run are not the domain's")
    assert not run.findings, "\n".join(summary)
