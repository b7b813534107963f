import threading

import pytest
from django.core.cache import cache
from django.db import connection, connections
from rest_framework.test import APIClient


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need row locks and real concurrency: skip them on SQLite."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL to run)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """seed_demo sets several demo passwords per test: a full-strength hash each adds up."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Login counters, throttles and trusted credentials live in the cache (Redis when
    REDIS_URL is set): each test starts without another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


def bearer(token: str) -> dict:
    """Headers for the Django/DRF test client: Authorization: Bearer <token>."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def run_concurrently(count: int, work):
    """Run `work(i)` in `count` threads released together; return their results in order.

    Each thread uses its own database connection (closed at the end), so against
    PostgreSQL this is real concurrency between separate sessions.
    """
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # surfaced to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results
