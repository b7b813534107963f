import json
from io import StringIO

import pytest
from django.core.management import call_command

from marketplace.models import MarketplaceOrder, Record
from orders.models import OrderEvent


@pytest.fixture
def demo():
    """seed_demo's marketplace section (the seed's customer, merchant, record, orders)."""
    out = StringIO()
    call_command("seed_demo", "--json", "--force", stdout=out)
    return json.loads(out.getvalue())["marketplace"]


def write_counts():
    """Rows an API call may write: orders (and their versions), records, history events."""
    return (
        list(MarketplaceOrder.objects.order_by("pk").values_list("pk", "version", "status")),
        list(Record.objects.order_by("pk").values_list("pk", "removed_at")),
        OrderEvent.objects.count(),
    )

