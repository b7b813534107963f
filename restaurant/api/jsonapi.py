"""The JSON:API plumbing of the restaurant API, configured on its views only.

The other domains answer plain JSON; these classes are named by the restaurant views
(parser_classes, renderer_classes, pagination_class, exception handler), never in
settings.
"""

import math

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import set_rollback
from rest_framework_json_api.parsers import JSONParser as JsonApiParser

from orders.api.exceptions import NON_FIELD, describe_exception
from orders.api.parsers import JSONParser as PlainJSONParser
from orders.inputs import BIGINT_MAX, InputError, InputErrors, strict_int

ERROR_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    415: "Unsupported media type",
    422: "Invalid attribute",
    429: "Too many requests",
}
RELATIONSHIP_IDS = ["customer", "location", "address", "status", "assignee",
                    "assignee_group"]


class InvalidQueryParameter(exceptions.APIException):
    """A bad `page`, `pageLimit`, `include`, `sort` or filter: 400 naming the parameter."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, parameter: str, detail: str):
        self.parameter = parameter
        super().__init__(detail)


class OrderDocumentParser(JsonApiParser):
    """A JSON:API document (`{"data": {"type": "orders", "attributes": {...}}}`) or the
    seed's plain JSON object: either way the view gets the same flat dict of attributes
    (relationships become `<name>_id`)."""

    media_type = "application/vnd.api+json"

    def parse(self, stream, media_type=None, parser_context=None):
        result = PlainJSONParser.parse(self, stream, media_type, parser_context)
        if isinstance(result, dict) and isinstance(result.get("data"), dict):
            return self.flatten(self.parse_data(result, parser_context))
        if self.media_type == JsonApiParser.media_type:
            raise exceptions.ParseError(
                'A JSON:API document needs primary data: {"data": {"type": "orders", '
                '"attributes": {...}}}.')
        return result

    @staticmethod
    def flatten(parsed: dict) -> dict:
        flat = {k: v for k, v in parsed.items() if k not in ("type", "id", "_meta")}
        for name in RELATIONSHIP_IDS:
            related = flat.pop(name, None)
            if isinstance(related, dict) and "id" in related:
                flat[f"{name}_id"] = related["id"]
            elif related is not None:
                flat[name] = related
        return flat


class PlainOrderParser(OrderDocumentParser):
    media_type = "application/json"


class JsonApiAlways(DefaultContentNegotiation):
    """Answer `application/vnd.api+json` whatever the client's Accept says (the seed's
    clients send plain JSON and may accept only `application/json`)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def page_int(request, name: str, default: int, maximum: int = BIGINT_MAX) -> int:
    """A positive integer parameter (orders.inputs.strict_int: ASCII digits, bounded)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return strict_int(raw, field=name, minimum=1, maximum=maximum)
    except InputError as exc:
        raise InvalidQueryParameter(
            name, f"{name} must be a positive integer of at most {maximum}: "
                  f"{exc.message}") from None


class OrderPagination(BasePagination):
    """`page` and `pageLimit` (default 20, at most 100); `meta.pagination` and `links` as
    the seed shows them. A page past the last answers an empty `data`."""

    page_query_param = "page"
    page_size_query_param = "pageLimit"
    page_size = 20
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.per_page = page_int(request, self.page_size_query_param, self.page_size,
                                 self.max_page_size)
        self.current_page = page_int(request, self.page_query_param, 1)
        self.total = queryset.count()
        self.total_pages = max(1, math.ceil(self.total / self.per_page))
        offset = (self.current_page - 1) * self.per_page
        # A page past the last is not asked for: its offset may be beyond what the
        # database's LIMIT/OFFSET holds (page=10**20).
        self.rows = list(queryset[offset:offset + self.per_page]) if offset < self.total else []
        return self.rows

    def page_link(self, number: int) -> str:
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, number)

    def get_paginated_response(self, data):
        links = {"self": self.page_link(self.current_page), "first": self.page_link(1),
                 "last": self.page_link(self.total_pages)}
        if 1 < self.current_page <= self.total_pages + 1:
            links["prev"] = self.page_link(self.current_page - 1)
        if self.current_page < self.total_pages:
            links["next"] = self.page_link(self.current_page + 1)
        return Response({
            "results": data,
            "meta": {"pagination": {
                "total": self.total,
                "count": len(self.rows),
                "per_page": self.per_page,
                "current_page": self.current_page,
                "total_pages": self.total_pages,
            }},
            "links": links,
        })

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.page_query_param, "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1}, "description": "Page number."},
            {"name": self.page_size_query_param, "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
             "description": f"Orders per page (default {self.page_size})."},
        ]


def attribute_pointer(field: str) -> str:
    """`order_menus[0].qty` -> `/data/attributes/order_menus/0/qty`."""
    if field in (NON_FIELD, "data"):
        return "/data"
    path = field.replace("[", "/").replace("]", "").replace(".", "/")
    return f"/data/attributes/{path}"


def json_api_errors(exc, context):
    """The restaurant API's exception handler: JSON:API error objects.

    Body validation errors are 422 with `source.pointer`; bad query parameters 400 with
    `source.parameter`; everything else an object with status, title and detail. The
    renderer wraps the list in `{"errors": [...]}`.
    """
    if isinstance(exc, InvalidQueryParameter):
        set_rollback()
        return Response([{
            "status": "400", "title": "Invalid query parameter", "detail": str(exc.detail),
            "source": {"parameter": exc.parameter},
        }], status=400)
    error = describe_exception(exc)
    if error is None:
        return None
    set_rollback()
    if isinstance(exc, exceptions.ValidationError | DjangoValidationError | InputErrors
                  | InputError):
        objects = [
            {"status": "422", "title": ERROR_TITLES[422], "detail": message,
             "source": {"pointer": attribute_pointer(field)}}
            for field, messages in error.field_errors.items() for message in messages
        ] or [{"status": "422", "title": ERROR_TITLES[422], "detail": error.message,
               "source": {"pointer": "/data"}}]
        return Response(objects, status=422, headers=error.headers)
    return Response(
        [{"status": str(error.status), "title": ERROR_TITLES.get(error.status, "Error"),
          "detail": error.message}],
        status=error.status, headers=error.headers,
    )
