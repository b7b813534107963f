import simplejson
from rest_framework.renderers import JSONRenderer


class DecimalJSONRenderer(JSONRenderer):
    """JSON whose Decimals are numbers printed as they are: `23.4500`, `10.00`, `0.2`.

    The standard json module cannot print a Decimal's trailing zeros; the seed shows them.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return simplejson.dumps(data, use_decimal=True, ensure_ascii=False,
                                separators=(",", ":")).encode()
