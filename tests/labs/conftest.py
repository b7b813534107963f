import json
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def demo():
    """The seed's data through seed_demo; put it before admin_client in a test's arguments
    (seed_demo resets the admin user's password)."""
    out = StringIO()
    call_command("seed_demo", "--json", "--force", stdout=out)
    return json.loads(out.getvalue())["labs"]
