"""Floor views of marketplace (see benchmarks/api_floors/__init__.py)."""

urlpatterns = []


def endpoints(demo: dict) -> list:
    return []
