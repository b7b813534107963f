"""The schema states the list limits the APIs enforce (the fuzzer generates from it)."""

import json

from panels.services import MAX_ORDER_ITEMS
from wholesale.services import MAX_ORDER_LINES


def test_schema_states_the_length_limits_of_body_lists(client):
    schemas = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/json").content)[
        "components"]["schemas"]

    order_items = schemas["OrderCreate"]["properties"]["order_items"]
    assert (order_items["minItems"], order_items["maxItems"]) == (1, MAX_ORDER_ITEMS)
    assert schemas["WholesaleOrderBody"]["properties"]["products"]["maxItems"] == MAX_ORDER_LINES
