import base64
import json
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def demo():
    out = StringIO()
    call_command("seed_demo", "--json", "--force", stdout=out)
    return json.loads(out.getvalue())["wholesale"]


def basic(email: str, password: str) -> dict:
    """Headers for the test client: Authorization: Basic base64(email:password)."""
    raw = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}"}
