"""The body parsers of every API (settings REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]; the
restaurant's JSON:API parser calls `JSONParser.parse`).

What they add to DRF's, once for every domain:
- a body larger than `settings.DATA_UPLOAD_MAX_MEMORY_SIZE` is Django's RequestDataTooBig
  (413 in the domain's error body): DRF reads the stream itself, so Django's own check of
  that setting (done when `request.body` or `request.POST` is read) never runs on this path;
- text the database cannot store (a NUL, a lone surrogate), in any key or value, is a
  validation error naming where it is (`order_menus[0].options`);
- a JSON body nested too deeply for Python's parser is a parse error (400), not a
  RecursionError (500).
The number of form fields is bounded by Django itself (DATA_UPLOAD_MAX_NUMBER_FIELDS,
TooManyFieldsSent when the QueryDict is built).
"""

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from orders.inputs import escape_unstorable, first_unstorable

TOO_DEEP = "JSON parse error - nested too deeply."


class UnstorableInput(ValidationError):
    """A key or value of the body or query holds text the database cannot store; `field`
    names where. A domain answering field errors with 422 may map this class too."""

    def __init__(self, field: str, problem: str):
        super().__init__({field: [problem]})
        self.field = field


def body_too_big_message() -> str:
    return (f"The request body is larger than the limit of "
            f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes.")


def read_body(stream, parser_context) -> bytes:
    """The whole body, refusing one beyond DATA_UPLOAD_MAX_MEMORY_SIZE before reading it
    (by its Content-Length) or while reading it."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return stream.read()
    request = (parser_context or {}).get("request")
    if request is not None and content_length(request) > limit:
        raise RequestDataTooBig(body_too_big_message())
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise RequestDataTooBig(body_too_big_message())
    return body


def content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def refuse_unstorable(data):
    """`data`, or UnstorableInput naming its first key or value that cannot be stored (a
    key's own odd characters written as escapes, so that the error body can be sent)."""
    checked = data
    if hasattr(data, "lists"):  # a QueryDict: name a parameter, not its first value
        checked = {key: values[0] if len(values) == 1 else values
                   for key, values in data.lists()}
    if found := first_unstorable(checked):
        path, problem = found
        raise UnstorableInput(escape_unstorable(path), problem)
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # (DRF's parse named, not super(): the restaurant's JSON:API parser calls this one)
        body = io.BytesIO(read_body(stream, parser_context))
        try:
            data = parsers.JSONParser.parse(self, body, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        return refuse_unstorable(data)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = io.BytesIO(read_body(stream, parser_context))
        return refuse_unstorable(super().parse(body, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # Django's multipart parser reads the stream in chunks itself (it bounds the
        # fields' size and number, not the files'): no API takes a file, so the whole
        # body is bounded by its length first.
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None and content_length(request) > limit:
            raise RequestDataTooBig(body_too_big_message())
        result = super().parse(stream, media_type, parser_context)
        refuse_unstorable(result.data)
        return result


class StorableQueryMixin:
    """For API views: the query string is checked as a body is (a `%00` in any parameter
    is a 400 naming it), after authentication, before the view reads a parameter.
    (A lone surrogate cannot come through a URL: Django decodes it as U+FFFD.)"""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        try:
            refuse_unstorable(request.query_params)
        except UnstorableInput as error:  # a bad query parameter, not a bad body field
            raise ValidationError(error.detail) from None
