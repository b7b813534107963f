"""Floor views of wholesale (see benchmarks/api_floors/__init__.py)."""

urlpatterns = []


def endpoints(demo: dict) -> list:
    return []
