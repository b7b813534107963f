"""Hand-written floor views for bench_api.py: for each endpoint it times, the least work
that answers the byte-identical body (the same token check, `.values()` with one query per
table, orjson), served by the same gunicorn under /floor/<domain>/. Never in the product's
URLconf: benchmarks.api_urls adds them to it for the bench only.

Each domain's module here defines:
- `urlpatterns`: its floor views, each under "floor/<domain>/...";
- `endpoints(demo: dict) -> list[Endpoint]`: what the bench times, given `seed_demo --json`'s
  document for the bench database (its tokens); it may read the database to pick ids.
"""

from dataclasses import dataclass, field

DOMAINS = ["panels", "wholesale", "marketplace", "restaurant", "labs"]


@dataclass(frozen=True)
class Endpoint:
    name: str  # what the output calls it: "panels list", "restaurant list include"
    path: str  # the project's URL, query string included
    token: str  # the Bearer token it is called with
    floor: str | None = None  # the floor's URL; None for an endpoint timed without one (create)
    method: str = "GET"
    body: bytes | None = None  # a create's body (each call may create an order)
    headers: dict = field(default_factory=dict)  # e.g. Content-Type, Accept
