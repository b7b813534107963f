
import pytest

from marketplace.models import MarketplaceOrder, Record
from orders.models import OrderEvent
from tests.commands import seed_demo


@pytest.fixture
def demo():
    """seed_demo's marketplace section (the seed's customer, merchant, record, orders)."""
    return seed_demo("marketplace")


def write_counts():
    """Rows an API call may write: orders (and their versions), records, history events."""
    return (
        list(MarketplaceOrder.objects.order_by("pk").values_list("pk", "version", "status")),
        list(Record.objects.order_by("pk").values_list("pk", "removed_at")),
        OrderEvent.objects.count(),
    )

