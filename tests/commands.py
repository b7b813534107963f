"""Running management commands in tests as an operator would see them."""

import json
import os
import signal
import subprocess
import sys
import time
from io import StringIO

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection


def run_command(*args):
    """call_command, returning (exit status, stdout, stderr) like the shell would see.

    Import commands run with --no-progress (no progress lines on the test's stderr)."""
    quiet = ["--no-progress"] if args[0].startswith("import") else []
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, *quiet, stdout=out, stderr=err)
        status = 0
    except CommandError as exc:
        err.write(str(exc))
        status = exc.returncode
    return status, out.getvalue(), err.getvalue()


def write_jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def subprocess_command(*args) -> tuple[list[str], dict]:
    """`manage.py *args` as its own process against this test's PostgreSQL database (the
    command line and its environment)."""
    db = connection.settings_dict
    assert connection.vendor == "postgresql", "a second process needs a database server"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    return [sys.executable, "manage.py", *args], env


def kill_9_when(rows, count: int, *args, timeout: float = 60) -> None:
    """Start `manage.py *args` in its own process, wait until the queryset `rows` counts
    `count` rows (at most `timeout` seconds, or until the process ends by itself), then
    kill -9 it and wait for it to be gone: an interruption midway, as an operator's
    machine crashing would leave it. Needs a transactional test (rows the process
    commits must be visible here)."""
    command, env = subprocess_command(*args)
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while (rows.count() < count and process.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.05)
    finally:
        # The whole process group at once (an importer's forked writer too), as a crash
        # would; then until the server has ended their sessions, so that no commit they
        # sent lands after the caller counts what is there.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        with connection.cursor() as cursor:
            for _ in range(200):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                               "current_database() AND pid <> pg_backend_pid() AND "
                               "backend_type = 'client backend'")
                if cursor.fetchone()[0] == 0:
                    break
                time.sleep(0.05)


def run_subprocess(*args) -> subprocess.CompletedProcess:
    """`manage.py *args` in its own process, run to its end; its output as text."""
    command, env = subprocess_command(*args)
    return subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True,
                          text=True)


def events_by_order(model, keys: dict) -> dict:
    """Each order's history as (action, via, from, to, note) rows, keyed by keys[pk];
    events of an order that does not exist are under None."""
    from django.contrib.contenttypes.models import ContentType

    from orders.models import OrderEvent

    events: dict = {}
    for event in OrderEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(model)).order_by("id"):
        events.setdefault(keys.get(event.object_id), []).append(
            (event.action, event.via, event.from_state, event.to_state, event.note))
    return events


def seed_demo(section: str | None = None):
    """Load the demo data (`seed_demo --force`); return its JSON summary. With a domain,
    load that domain's alone (and the admin) and return its section."""
    out = StringIO()
    call_command("seed_demo", *([section] if section else []), "--json", "--force", stdout=out)
    summary = json.loads(out.getvalue())
    return summary[section] if section else summary
