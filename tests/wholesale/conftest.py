import base64

import pytest

from tests.commands import seed_demo


@pytest.fixture
def demo():
    return seed_demo("wholesale")


def basic(email: str, password: str) -> dict:
    """Headers for the test client: Authorization: Basic base64(email:password)."""
    raw = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}"}
