"""The bench's URLconf (benchmarks.api_settings): the product's, plus each domain's floor
views from benchmarks.api_floors."""

from django.urls import include, path, re_path

from benchmarks.api_floors import DOMAINS
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    # Every floor path starts with "floor/": a product path leaves them after this one
    # failed match (the lookahead consumes nothing: the floors' own patterns see it whole).
    re_path(r"^(?=floor/)", include(
        [path("", include(f"benchmarks.api_floors.{domain}")) for domain in DOMAINS])),
    *product_urlpatterns,
]
