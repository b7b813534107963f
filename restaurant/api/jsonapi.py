"""The JSON:API plumbing of the restaurant API, configured on its views only.

The other domains answer plain JSON; these classes are named by the restaurant views
(parser_classes, renderer_classes, pagination_class, exception handler), never in
settings.
"""

import json
import math
from collections.abc import Iterable

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import BasePagination
from rest_framework.relations import ManyRelatedField
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import set_rollback
from rest_framework_json_api.parsers import JSONParser as JsonApiParser
from rest_framework_json_api.relations import ResourceRelatedField
from rest_framework_json_api.renderers import JSONRenderer as JsonApiRenderer
from rest_framework_json_api.serializers import PolymorphicModelSerializer
from rest_framework_json_api.utils import (
    format_field_name,
    format_field_names,
    get_included_resources,
    get_resource_type_from_serializer,
    get_serializer_fields,
    is_relationship_field,
)

from orders.api.exceptions import NON_FIELD, describe_exception
from orders.api.parsers import JSONParser as PlainJSONParser
from orders.inputs import BIGINT_MAX, InputError, InputErrors, strict_int
from restaurant.api.schema import list_document

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
            self.members_check(result["data"])
            return self.flatten(self.parse_data(result, parser_context))
        if self.media_type == JsonApiParser.media_type:
            raise exceptions.ParseError(
                'A JSON:API document needs primary data: {"data": {"type": "orders", '
                '"attributes": {...}}}.')
        return result

    @staticmethod
    def members_check(data: dict) -> None:
        """What djangorestframework-jsonapi's parse_data takes for granted (it fails with
        a TypeError otherwise): `attributes` an object, `relationships` an object of
        objects."""
        if not isinstance(data.get("attributes") or {}, dict):
            raise exceptions.ParseError("The document's data.attributes must be an object.")
        relationships = data.get("relationships") or {}
        if not isinstance(relationships, dict) or not all(
                isinstance(value, dict) for value in relationships.values()):
            raise exceptions.ParseError(
                'The document\'s data.relationships must be an object of {"data": ...} '
                "objects.")

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

    def get_paginated_response_schema(self, schema):
        return list_document(schema)

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.page_query_param, "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX,
                        "default": 1},
             "description": "Page number (past the last: an empty `data`)."},
            {"name": self.page_size_query_param, "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size,
                        "default": self.page_size},
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


# --- speed: resource types resolved once per serializer class, a planned render ----------
#
# Profiled on a page of 50 orders (cProfile, test client): 45% of the time went to
# ResourceRelatedField.get_resource_type_from_included_serializer, which singularizes and
# pluralizes the field name with `inflection`'s regexes on every call (use_pk_only_optimization
# and to_representation: 27,550 calls, 2.3 million re.search per 50 pages); most of the rest to
# the stock renderer re-deriving, per resource, which fields are attributes and which are
# relationships (get_related_resource_type, isinstance checks) and to a serializer per
# included resource. The answers depend only on the serializer class, so they are computed
# once per class here; the document built is the stock renderer's, byte for byte.


class ResourceRelation(ResourceRelatedField):
    """ResourceRelatedField whose resource type (from the parent's `included_serializers`)
    is resolved once per parent serializer class and field name, not on every call."""

    _types: dict = {}

    def get_resource_type_from_included_serializer(self):
        parent = self.get_parent_serializer()
        key = (type(parent), self.field_name or self.parent.field_name)
        try:
            return self._types[key]
        except KeyError:
            resolved = self._types[key] = super().get_resource_type_from_included_serializer()
            return resolved


class ResourceLayout:
    """What the JSON:API renderer needs to know of a serializer class, found once: its
    resource type, the (formatted) attribute names, the relationships and whether each is
    to-many. `supported` is False where the stock renderer does more than this plan (links,
    meta fields, root meta, polymorphism): those classes keep the stock path."""

    _layouts: dict = {}

    @classmethod
    def of(cls, serializer) -> "ResourceLayout":
        key = type(serializer)
        layout = cls._layouts.get(key)
        if layout is None:
            layout = cls._layouts[key] = cls(serializer)
        return layout

    def __init__(self, serializer):
        fields = get_serializer_fields(serializer)
        meta = getattr(serializer, "Meta", None)
        self.supported = not (
            getattr(meta, "meta_fields", None) or hasattr(serializer, "get_root_meta")
            or isinstance(serializer, PolymorphicModelSerializer)
            or api_settings.URL_FIELD_NAME in fields)
        try:
            self.type = get_resource_type_from_serializer(serializer)
        except AttributeError:
            self.type, self.supported = None, False
        self.sources = {}  # relationship -> (source, to-many)
        self.attributes = []  # (name in the resource, name in the document)
        self.relationships = []  # (name in the resource, name in the document, to-many)
        for name, field in fields.items():
            if not is_relationship_field(field):
                if name != "id":
                    self.attributes.append((name, format_field_name(name)))
                continue
            if field.write_only:
                continue
            child = getattr(field, "child_relation", None)
            plain = type(field) in (ResourceRelation, ResourceRelatedField)
            plain_many = (isinstance(field, ManyRelatedField) and type(child) in (
                ResourceRelation, ResourceRelatedField))
            if not (plain or plain_many):
                self.supported = False  # hyperlinked or other relations: the stock path
            self.relationships.append((name, format_field_name(name), plain_many))
            self.sources[name] = (field.source, isinstance(field, ManyRelatedField))
        self.included = getattr(serializer, "included_serializers", {})
        self.plain_names = all(name == key for name, key in self.attributes) and all(
            name == key for name, key, _ in self.relationships)
        self.width = len(fields)
        self.dropped = ["id", *(name for name, _, _ in self.relationships)]

    def resource(self, data: dict, instance, resource_type: str | None = None) -> dict:
        """The stock renderer's build_json_resource_obj for this layout (primary data
        has the view's `resource_name` as its type)."""
        if "id" in data:
            pk = data["id"]
            pk = None if pk is None else str(pk)
        else:
            pk = getattr(instance, "pk", None)
            pk = None if pk is None else str(pk)
        document = {"type": resource_type or self.type, "id": pk}
        if self.plain_names and len(data) == self.width:
            # Every field printed, names unformatted: the row less id and relationships.
            attributes = dict(data)
            for name in self.dropped:
                attributes.pop(name, None)
        else:
            attributes = {key: data[name] for name, key in self.attributes if name in data}
        if attributes:
            document["attributes"] = attributes
        relationships = {}
        for name, key, many in self.relationships:
            value = data.get(name)
            relationships[key] = ({"meta": {"count": len(value)}, "data": value} if many
                                  and isinstance(value, Iterable) else {"data": value})
        if relationships:
            document["relationships"] = relationships
        return document


class OrderDocumentRenderer(JsonApiRenderer):
    """djangorestframework-jsonapi's renderer with the resource layout of each serializer
    class planned once (ResourceLayout), one included serializer per relationship and
    request, and orjson. Errors, deletions (plain objects), sparse fieldsets and anything
    the layout does not cover go through the stock `render`."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        document = self.document(data, accepted_media_type, context)
        if document is None:
            return super().render(data, accepted_media_type, renderer_context)
        return json_bytes(document)

    def document(self, data, accepted_media_type, context) -> dict | None:
        view, request = context.get("view"), context.get("request")
        response = context.get("response")
        if (view is None or request is None or response is None
                or response.status_code >= 300 or not data
                or getattr(view, "resource_name", None) in (None, False, "errors")
                or any(name.startswith("fields[") for name in request.query_params)):
            return None
        if self.get_indent(accepted_media_type, context) is not None:
            return None
        paginated = isinstance(data, dict) and "results" in data
        rows = data["results"] if paginated else data
        serializer = getattr(rows, "serializer", None)
        if serializer is None:
            return None
        many = getattr(serializer, "many", False)
        child = serializer.child if many else serializer
        layout = ResourceLayout.of(child)
        if not layout.supported:
            return None
        include = get_included_resources(request, serializer)
        if any("." in name for name in include):
            return None  # nested includes: the stock path walks them
        instances = serializer.instance if many else [serializer.instance]
        rows = rows if many else [rows]
        primary = [layout.resource(row, instance, view.resource_name)
                   for row, instance in zip(rows, instances, strict=True)]
        document = {}
        if paginated and data.get("links"):
            document["links"] = data["links"]
        document["data"] = primary if many else primary[0]
        if include:
            document["included"] = self.included(layout, include, rows, instances, child,
                                                 {(r["type"], r["id"]) for r in primary})
        meta = data.get("meta", {}) if paginated else {}
        if meta:
            document["meta"] = format_field_names(meta)
        return document

    @staticmethod
    def included(layout, include, rows, instances, serializer, primary) -> list:
        """The `included` array as the stock renderer orders it: by type, then by id (as
        strings), each resource once, none of the primary data."""
        found: dict = {}
        for name, _key, _many in layout.relationships:
            if name not in include or name not in layout.included:
                continue
            source, to_many = layout.sources[name]
            included_serializer = layout.included[name](context=serializer.context)
            included_layout = ResourceLayout.of(included_serializer)
            for row, instance in zip(rows, instances, strict=True):
                if not row.get(name):
                    continue
                related = (related_rows(serializer, instance, source) if to_many
                           else getattr(instance, source))
                if related is None:
                    continue
                for item in related if to_many else [related]:
                    key = (included_layout.type, str(item.pk))
                    if key in found and not to_many:
                        continue
                    resource = included_layout.resource(
                        included_serializer.to_representation(item), item)
                    found[(resource["type"], resource["id"])] = resource
        return [found[key] for key in sorted(found) if key not in primary]


def related_rows(serializer, instance, source: str):
    """The rows of a to-many relation: the list its selector prefetched into an attribute
    of its own (the serializer's `Meta.prefetched_rows`: relation -> attribute), else the
    related manager's."""
    attribute = getattr(getattr(serializer, "Meta", None), "prefetched_rows", {}).get(source)
    if attribute is not None:
        rows = instance.__dict__.get(attribute)
        if rows is not None:
            return rows
    related = getattr(instance, source)
    return related.all() if hasattr(related, "all") else related


SEPARATORS = (",", ":")


def python_json(value) -> bytes:
    """What DRF's JSONRenderer writes (compact, UTF-8, \\u2028/\\u2029 escaped)."""
    text = json.dumps(value, cls=JSONEncoder, ensure_ascii=False, allow_nan=False,
                      separators=SEPARATORS, default=fragment_value)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def fragment_value(value):
    if isinstance(value, orjson.Fragment):
        return json.loads(value.contents)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_bytes(document) -> bytes:
    """`document` as DRF's JSONRenderer writes it, by orjson: the same bytes, since every
    value is already a str, int, bool, None or the JSON of a JSONField (JsonValue
    below); where orjson refuses a value (an int beyond 64 bits), Python's json writes it."""
    try:
        out = orjson.dumps(document)
    except TypeError:
        return python_json(document)
    if b"\xe2\x80\xa8" in out or b"\xe2\x80\xa9" in out:
        out = out.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return out


def has_float_or_big_int(value) -> bool:
    """Whether a JSON value holds a float (orjson writes 1e-05 as 0.00001, Python as
    1e-05) or an int beyond 64 bits (orjson refuses it)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) or (isinstance(item, int) and not isinstance(item, bool)
                                       and not -2**63 <= item < 2**64):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def json_value(value):
    """A JSONField's value for the planned render: itself, or (holding floats or big
    ints) its JSON as Python writes it, embedded verbatim by orjson."""
    if isinstance(value, list | dict) and value and has_float_or_big_int(value):
        return orjson.Fragment(python_json(value))
    return value
