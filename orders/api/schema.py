"""The OpenAPI schema as the API answers (settings.SPECTACULAR_SETTINGS, REST_FRAMEWORK's
DEFAULT_SCHEMA_CLASS): each path in the form its document spells it, every error status an
operation can answer with the domain's error body, and the paging headers of a list; each
operation tagged with its domain, summarized, and with its security stated (none included)."""

import copy
import re

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from orders.api.converters import is_alias


def documented_paths_only(endpoints, **kwargs):
    """PREPROCESSING_HOOKS: every API path answers with and without its trailing slash
    (orders.api.converters.api_path); the schema lists the spelling of its document only,
    so each operation has one operationId."""
    return [endpoint for endpoint in endpoints if not is_alias(endpoint[3])]


# What each error status means, whichever domain answers it (the body is the domain's).
ERROR_DESCRIPTIONS = {
    "400": "Invalid input: the body names each field or parameter at fault and why.",
    "401": "No token, or a token that is unknown, revoked or expired.",
    "403": "The token lacks the ability this operation needs.",
    "404": "No such resource, or not the caller's.",
    "413": "The body is larger than the server accepts.",
    "415": "The body's media type is not one this operation parses.",
    "429": "Too many attempts: wait the seconds in `Retry-After`.",
}


# Operation summaries: the verb of a method, and of a list read.
SUMMARY_VERBS = {"GET": "Read", "POST": "Create", "PUT": "Replace", "PATCH": "Update",
                 "DELETE": "Delete"}
API_PREFIX = re.compile(r"^/apis?/(v?\d+/)?")


class DomainAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus what it does not see by itself.

    Errors: a view whose class names `error_serializer` (its domain's error body) has each
    status it can answer documented with that body: 400 where it takes a body or query
    parameters, 401 and 403 where it authenticates, 404 where its path names a resource,
    413 and 415 where it takes a body, 429 where it throttles. A view adds others (409,
    422, ...) with `error_statuses = {"409": "description"}`, or by `extend_schema`.

    Paging headers: a paginator with `schema_response_headers()` (an OpenAPI `headers`
    object) gets them on its list's 200.
    """

    def error_statuses(self, operation: dict) -> dict[str, str]:
        takes_body = "requestBody" in operation
        parameters = operation.get("parameters", [])
        codes = set()
        if takes_body or any(p["in"] == "query" for p in parameters):
            codes.add("400")
        if any(scheme for scheme in operation.get("security", [])):
            codes |= {"401", "403"}
        if any(p["in"] == "path" for p in parameters):
            codes.add("404")
        if takes_body:
            codes |= {"413", "415"}
        if getattr(self.view, "throttle_classes", None):
            codes.add("429")
        statuses = {code: ERROR_DESCRIPTIONS[code] for code in sorted(codes)}
        statuses.update(getattr(self.view, "error_statuses", {}))
        return statuses

    def get_tags(self) -> list[str]:
        app = type(self.view).__module__.split(".", 1)[0]
        return [app] if app in settings.DOMAIN_APPS else super().get_tags()  # its domain

    def get_summary(self) -> str:
        """extend_schema(summary=...) wins; otherwise the verb and the path after the API
        prefix, e.g. "List customer-panel-orders", "Cancel customer-panel-orders/{id}"."""
        summary = super().get_summary()
        if summary:
            return summary
        resource = API_PREFIX.sub("", self.path).strip("/")
        *rest, last = resource.split("/")
        if self.method == "POST" and rest and rest[-1].startswith("{") and \
                not last.startswith("{"):
            return f"{last.capitalize()} {'/'.join(rest)}"  # an action: /{id}/cancel
        verb = "List" if self.method == "GET" and self._is_list_view() else \
            SUMMARY_VERBS.get(self.method, self.method.capitalize())
        return f"{verb} {resource}"

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        if "security" not in operation:
            # An operation without authenticators (a log-in) says it takes no credentials,
            # rather than leaving a client to guess.
            operation["security"] = []
        responses = operation["responses"]
        error_serializer = getattr(self.view, "error_serializer", None)
        if error_serializer is not None:
            for code, description in self.error_statuses(operation).items():
                if code not in responses:
                    responses[code] = self._get_response_for_code(
                        OpenApiResponse(error_serializer, description), code)
        paginator = self._get_paginator()
        headers = getattr(paginator, "schema_response_headers", None)
        if headers and self._is_list_view() and "200" in responses:
            responses["200"].setdefault("headers", {}).update(headers())
        return operation


def nullable_with_type(result, generator, request, public):
    """POSTPROCESSING_HOOKS, after drf-spectacular's enum hook: OpenAPI 3.0 reads `nullable`
    only beside a `type` (3.0.3), and drf-spectacular writes a nullable nested serializer as
    `{allOf: [$ref], nullable}` and a nullable choice as `{oneOf: [$ref, NullEnum], nullable}`.
    Where every branch has the same type, that type is stated beside `nullable`; otherwise an
    `anyOf` of inline typed branches gets `nullable` on each branch instead (the same set of
    values: null is one more value of any branch)."""
    schemas = result.get("components", {}).get("schemas", {})

    def resolved(schema: dict) -> dict:
        ref = schema.get("$ref", "")
        return schemas.get(ref.rsplit("/", 1)[-1], {}) if ref.startswith("#/") else schema

    def branch_types(schema: dict) -> set:
        branches = [resolved(branch) for key in ("allOf", "oneOf", "anyOf")
                    for branch in schema.get(key, [])]
        # NullEnum (`enum: [null]`) is the null branch: it has no type of its own.
        return {branch.get("type") for branch in branches if branch.get("enum") != [None]}

    for node in schema_objects(result):
        if node.get("nullable") is True and "type" not in node:
            types = branch_types(node)
            branches = node.get("anyOf", [])
            if len(types) == 1 and None not in types:
                node["type"] = types.pop()
            elif branches and all("type" in branch for branch in branches):
                del node["nullable"]
                for branch in branches:
                    branch["nullable"] = True
    return result


def schema_objects(node):
    """Every object in a schema document, each before what it holds (so a change made to
    an object as it is given is what is walked next)."""
    if isinstance(node, dict):
        yield node
        for value in list(node.values()):
            yield from schema_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_objects(value)


# The component name suffix of a body's copy per form media type (distinct_form_bodies).
FORM_BODY_SUFFIXES = {"application/x-www-form-urlencoded": "Form",
                      "multipart/form-data": "Multipart"}


def distinct_form_bodies(result, generator, request, public):
    """POSTPROCESSING_HOOKS: a body offered as JSON and as forms gets one component per
    media type (`XForm`, `XMultipart`, copies of `X`). A client generated from the schema
    (openapi-python-client) picks the media type by the body model's class: with one
    model for all three it would send the body three ways at once."""
    schemas = result.get("components", {}).get("schemas", {})
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            content = operation.get("requestBody", {}).get("content", {}) \
                if isinstance(operation, dict) else {}
            if len(content) < 2:
                continue
            for media_type, suffix in FORM_BODY_SUFFIXES.items():
                ref = content.get(media_type, {}).get("schema", {}).get("$ref", "")
                if not ref.startswith("#/components/schemas/"):
                    continue
                name = ref.rsplit("/", 1)[1]
                schemas.setdefault(f"{name}{suffix}", copy.deepcopy(schemas[name]))
                content[media_type]["schema"] = {"$ref": f"#/components/schemas/{name}{suffix}"}
    return result


BLANK = {"type": "string", "maxLength": 0}


def blank_as_any_of(result, generator, request, public):
    """POSTPROCESSING_HOOKS: drf-spectacular writes a blank-allowed string with a pattern as
    `oneOf: [{pattern...}, {maxLength: 0}]`; where the pattern also matches "" (an optional
    text), "" matches both and `oneOf` refuses it, though the server takes it. "This or
    blank" is `anyOf`."""

    for node in schema_objects(result):
        branches = node.get("oneOf")
        if isinstance(branches, list) and BLANK in branches:
            node["anyOf"] = node.pop("oneOf")
    return result
