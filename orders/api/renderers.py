"""How the plain-JSON APIs answer: DRF's JSONRenderer's bytes, written by orjson, and DRF's
content negotiation answered at once for the usual Accept headers. Both were a tenth to a
fifth of a page of 50 orders in the profile (json.dumps through DRF's encoder; negotiation
parsing media types on every request); the bytes and the 406s stay DRF's."""

import orjson
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer

# Datetimes and dataclasses go to DRF's encoder (`default`), as with DRF's renderer (orjson
# would write its own formats); str, int, dict and list subclasses (ErrorDetail,
# ReturnDict...) are written as their base type, as json.dumps does.
ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
LINE_SEPARATORS = (b"\xe2\x80\xa8", b"\xe2\x80\xa9")  # U+2028, U+2029 in UTF-8


class FastJSONRenderer(JSONRenderer):
    """JSONRenderer's bytes (compact, UTF-8, U+2028/U+2029 escaped), by orjson. A Decimal
    goes to DRF's encoder (a float: below 10**15 with a few decimals orjson and json.dumps
    print such floats alike); a subclass may give its own `default`. Anything orjson would
    not write as json.dumps does (an indented answer, ASCII-only or spaced settings, an
    integer beyond 64 bits) goes DRF's way."""

    def orjson_default(self):
        return self.encoder_class().default

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if (self.ensure_ascii or not self.compact  # (settings UNICODE_JSON, COMPACT_JSON)
                or self.get_indent(accepted_media_type or "", renderer_context or {})
                is not None):
            return self.render_slowly(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=self.orjson_default(), option=ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            return self.render_slowly(data, accepted_media_type, renderer_context)
        if b"\xe2\x80" in content:  # (DRF escapes them: they end a line in JavaScript)
            content = content.replace(LINE_SEPARATORS[0], b"\\u2028").replace(
                LINE_SEPARATORS[1], b"\\u2029")
        return content

    def render_slowly(self, data, accepted_media_type, renderer_context):
        return super().render(data, accepted_media_type, renderer_context)


ANY = {"", "*/*", "application/json", "application/*"}


class FastContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, answered at once for a client that accepts anything or JSON (no
    Accept header, `*/*`, `application/json`) of a view with one renderer. Any other Accept
    (a format suffix, a media type with parameters, a list) goes through DRF's, which
    answers it as before (406 for what the API does not render)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "")
        if (len(renderers) == 1 and format_suffix is None and accept.strip() in ANY
                and self.settings.URL_FORMAT_OVERRIDE not in request.query_params):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
