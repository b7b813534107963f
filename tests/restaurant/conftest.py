import pytest

from tests.commands import seed_demo


@pytest.fixture
def demo():
    """seed_demo's restaurant section: the seed's order, staff and customer tokens."""
    return seed_demo("restaurant")


@pytest.fixture
def writer(demo):
    return demo["writer"]["token"]
