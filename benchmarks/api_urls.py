"""The bench's URLconf (benchmarks.api_settings): the product's, plus each domain's floor
views from benchmarks.api_floors."""

from django.urls import include, path

from benchmarks.api_floors import DOMAINS
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    *[path("", include(f"benchmarks.api_floors.{domain}")) for domain in DOMAINS],
    *product_urlpatterns,
]
