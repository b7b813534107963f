"""The JSON parser of every API: DRF's, with a body nested too deeply for Python's parser
(thousands of brackets) answered as a parse error (400), not a RecursionError (500)."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

TOO_DEEP = "JSON parse error - nested too deeply."


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # (DRF's parse named, not super(): the restaurant's JSON:API parser calls this one)
        try:
            return parsers.JSONParser.parse(self, stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
