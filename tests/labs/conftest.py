
import pytest

from tests.commands import seed_demo


@pytest.fixture
def demo():
    """The seed's data through seed_demo; put it before admin_client in a test's arguments
    (seed_demo resets the admin user's password)."""
    return seed_demo("labs")
