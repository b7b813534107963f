"""Running management commands in tests as an operator would see them."""

import json
from io import StringIO

from django.core.management import CommandError, call_command


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
