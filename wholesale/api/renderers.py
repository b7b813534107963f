from decimal import Decimal

import orjson
import simplejson
from rest_framework.renderers import JSONRenderer

# A number's JSON text as the wire format prints it (`23.4500`, `0.2`), sent as it is:
# the wire functions (wholesale.api.serializers) build these.
JSONNumber = orjson.Fragment


def decimal_as_printed(value):
    """orjson's `default`: a Decimal goes out as its own digits, a JSON number."""
    if isinstance(value, Decimal):
        return JSONNumber(str(value))
    raise TypeError


def raw_for_simplejson(value):
    if isinstance(value, JSONNumber):
        return simplejson.RawJSON(value.contents.decode())
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class DecimalJSONRenderer(JSONRenderer):
    """JSON whose numbers are printed as the seed prints them: `23.4500`, `10.00`, `0.2`
    (JSONNumbers, or Decimals with their own digits).

    The standard json module cannot print a Decimal's trailing zeros; the seed shows them.
    orjson (compact, UTF-8: the bytes simplejson printed here before) is several times
    quicker on a page of orders; what it refuses (a key that is not a string, say) goes
    through simplejson.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        try:
            return orjson.dumps(data, default=decimal_as_printed)
        except orjson.JSONEncodeError:
            return simplejson.dumps(data, use_decimal=True, ensure_ascii=False,
                                    separators=(",", ":"), default=raw_for_simplejson).encode()
