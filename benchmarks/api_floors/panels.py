"""Floor views of panels (see benchmarks/api_floors/__init__.py)."""

urlpatterns = []


def endpoints(demo: dict) -> list:
    return []
