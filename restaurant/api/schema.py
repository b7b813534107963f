"""The restaurant API's OpenAPI schema as it answers: JSON:API documents, not flat objects.

drf-spectacular describes a serializer as one flat object; the restaurant API sends each
order as a JSON:API resource object (`type`, `id`, `attributes`, `relationships`), a list as
a document with `links`, `data`, `included` and `meta.pagination`, a single order as
`{"data": ..., "included": [...]}`, and takes `{"data": {"type": "orders", "attributes":
...}}` (or, as `application/json`, the seed's plain attributes object). ResourceSchema maps
each JSON:API serializer to its resource object; JsonApiAutoSchema wraps bodies in their
documents and adds the statuses the JSON:API parser and the input rules answer.
"""

from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from rest_framework.relations import ManyRelatedField
from rest_framework_json_api.utils import (
    get_resource_type_from_serializer,
    is_relationship_field,
)

from orders.api.schema import DomainAutoSchema

JSON_API = "application/vnd.api+json"


def identifier(resource_type: str) -> dict:
    return {"type": "object", "required": ["type", "id"], "properties": {
        "type": {"type": "string", "enum": [resource_type]},
        "id": {"type": "string"}}}


class ResourceSchema(OpenApiSerializerExtension):
    """A JSON:API serializer (restaurant.api.serializers.ResourceSerializer) as its resource
    object: the declared fields but `id` and the relations under `attributes`, each relation
    under `relationships` as its resource identifier (`data`, null where the relation is
    empty; a to-many relation's `meta.count` and array)."""

    target_class = "restaurant.api.serializers.ResourceSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        serializer = force_instance(self.target)
        flat = auto_schema._map_basic_serializer(serializer, direction)
        required = set(flat.get("required", []))
        fields = serializer.fields
        attributes, relationships = {}, {}
        for name, schema in flat["properties"].items():
            field = fields[name]
            if name == "id":
                continue
            if not is_relationship_field(field):
                attributes[name] = schema
                continue
            included = serializer.included_serializers[name]
            kind = identifier(get_resource_type_from_serializer(included))
            if isinstance(field, ManyRelatedField):
                relationships[name] = {
                    "type": "object", "required": ["meta", "data"], "properties": {
                        "meta": {"type": "object", "required": ["count"], "properties": {
                            "count": {"type": "integer", "minimum": 0}}},
                        "data": {"type": "array", "items": kind}}}
            else:
                relationships[name] = {
                    "type": "object", "required": ["data"],
                    "properties": {"data": {**kind, "nullable": True}}}
        properties = {
            "type": type_component(auto_schema, get_resource_type_from_serializer(serializer)),
            "id": {"type": "string", "description": "The resource's id (its primary key)."},
            # A response prints every attribute (null where there is none).
            "attributes": {"type": "object", "properties": attributes,
                           "required": sorted(attributes if direction == "response"
                                              else required & set(attributes))},
        }
        if relationships:
            properties["relationships"] = {"type": "object", "properties": relationships,
                                           "required": sorted(relationships)}
        resource = {"type": "object", "properties": properties,
                    "required": ["type", "id", "attributes", *(
                        ["relationships"] if relationships else [])]}
        if type(serializer).__dict__.get("__doc__"):
            resource["description"] = flat.get("description", "")
        return resource


def type_component(auto_schema, resource_type: str) -> dict:
    """A resource's `type` as a named one-value enum: drf-spectacular's enum hook names a
    component's top-level enums by property name, and "type" would collide across
    resources (and with RestaurantOrderTypeEnum, order_type's)."""
    name = "Restaurant" + "".join(part.capitalize() for part in resource_type.split("_")) \
        + "ResourceType"
    component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name,
                                  schema={"type": "string", "enum": [resource_type]})
    auto_schema.registry.register_on_missing(component)
    return component.ref


PAGINATION = {
    "type": "object", "required": ["total", "count", "per_page", "current_page", "total_pages"],
    "properties": {
        "total": {"type": "integer", "minimum": 0, "description": "Orders over all pages."},
        "count": {"type": "integer", "minimum": 0, "description": "Orders on this page."},
        "per_page": {"type": "integer", "minimum": 1},
        "current_page": {"type": "integer", "minimum": 1},
        "total_pages": {"type": "integer", "minimum": 1},
    },
}
LINKS = {
    "type": "object", "required": ["self", "first", "last"],
    "description": "This page and its neighbours (prev and next only where there is one).",
    "properties": {name: {"type": "string", "format": "uri"}
                   for name in ["self", "first", "last", "prev", "next"]},
}
INCLUDED = "RestaurantIncludedResource"


def included_array() -> dict:
    return {"type": "array", "items": {"$ref": f"#/components/schemas/{INCLUDED}"},
            "description": "The resources `include` names, each once, by type then id."}


def list_document(resource_array: dict) -> dict:
    """OrderPagination.get_paginated_response_schema: the page's JSON:API document."""
    return {"type": "object", "required": ["links", "data", "meta"], "properties": {
        "links": LINKS,
        "data": resource_array,
        "included": included_array(),
        "meta": {"type": "object", "required": ["pagination"],
                 "properties": {"pagination": PAGINATION}},
    }}


class JsonApiAutoSchema(DomainAutoSchema):
    """DomainAutoSchema for the JSON:API views: a single resource's body is its document,
    the request body a JSON:API document (as `application/json` the seed's plain object is
    also taken), and a write answers 422 (a rule of the body), 409 (a document of another
    type or id, or a change the order's state refuses)."""

    def error_statuses(self, operation: dict) -> dict[str, str]:
        statuses = super().error_statuses(operation)
        if "requestBody" in operation and self.resource_serializer() is not None:
            statuses["409"] = ("The document's type is not `orders`, its id is not the "
                               "path's, or the order's state refuses the change.")
        if "requestBody" in operation:
            statuses["422"] = ("A body the rules refuse: each error's `source.pointer` "
                               "names the attribute.")
        return dict(sorted(statuses.items()))

    def component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name,
                                      schema=schema)
        self.registry.register_on_missing(component)
        return component.ref

    def resource_serializer(self):
        """The view's JSON:API resource serializer (one with included serializers), if any."""
        serializer = getattr(self.view, "serializer_class", None)
        return serializer if hasattr(serializer, "included_serializers") else None

    def included_component(self):
        serializer = self.resource_serializer()
        refs = [self.resolve_serializer(included, "response").ref
                for included in serializer.included_serializers.values()]
        self.component(INCLUDED, {"oneOf": refs, "description": "An included resource."})

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None or self.resource_serializer() is None:
            return operation
        self.included_component()
        resource = self.resolve_serializer(self.resource_serializer(), "response")
        for response in operation["responses"].values():
            content = response.get("content", {}).get(JSON_API)
            if content and content["schema"] == resource.ref:
                content["schema"] = self.component(
                    f"{resource.name}Document",
                    {"type": "object", "required": ["data"], "properties": {
                        "data": resource.ref, "included": included_array()}})
        return operation

    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        if body is None or self.resource_serializer() is None:
            return body
        resource_type = self.view.resource_name
        for media_type, content in body["content"].items():
            attributes = content["schema"]
            data = {"type": "object", "required": ["type", "attributes"], "properties": {
                "type": {"type": "string", "enum": [resource_type]},
                "attributes": attributes}}
            if self.method in ("PUT", "PATCH"):
                data["required"] = ["type", "id", "attributes"]
                data["properties"]["id"] = {
                    "type": "string", "pattern": "^[0-9]{1,18}$",
                    "description": "The path's order id (another answers 409)."}
            document = {"type": "object", "required": ["data"],
                        "properties": {"data": data}}
            content["schema"] = document if media_type == JSON_API else {
                "anyOf": [document, attributes],
                "description": "A JSON:API document, or the seed's plain attributes."}
        return body


class RuleFieldSchema(OpenApiSerializerFieldExtension):
    """A field of restaurant.inputs' body rules as the rule takes it: null and "" are
    "absent" (the field's default, or "The <name> field is required." when required), so
    an optional field also takes "", and a required text field needs one character; an
    amount is a JSON number or a numeric string (money_of)."""

    target_class = "restaurant.inputs.Rule"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        from restaurant.inputs import (
            MAX_LIST_LENGTH,
            MONEY_MAX,
            Flag,
            Money,
            Name,
            Options,
            TimeRule,
        )

        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        if isinstance(field, Money):
            bounds = {"maximum": float(MONEY_MAX),
                      "minimum": -float(MONEY_MAX) if field.signed else 0}
            schema = {"anyOf": [
                {"type": "number", **bounds},
                {"type": "string", "pattern": MONEY_PATTERN if field.signed
                 else UNSIGNED_MONEY_PATTERN}],
                "description": f"An amount (rounded half up to 4 places), at most {MONEY_MAX}"
                               + ("" if field.signed else ", not negative") + "."}
        elif isinstance(field, Flag):
            # Flag.parse: a boolean, 0 or 1, or their words in any case.
            schema = {"anyOf": [{"type": "boolean"}, {"type": "integer", "enum": [0, 1]},
                                {"type": "string", "pattern": FLAG_PATTERN}],
                      "description": 'true or false (also 1 or 0, "true", "0", ...).'}
        elif isinstance(field, TimeRule):
            # Django's parse_time takes these (and more); an offset is ignored: the time is
            # the restaurant's clock. RFC 3339's `time` format would also allow a leap second.
            schema = {"type": "string", "pattern": TIME_PATTERN,
                      **({"description": field.help_text} if field.help_text else {})}
        elif isinstance(field, Options):
            # A JSONField has no type: the rule takes a list or an object.
            schema = {"anyOf": [
                {"type": "array", "items": {}, "maxItems": MAX_LIST_LENGTH},
                {"type": "object", "maxProperties": MAX_LIST_LENGTH}]}
        if field.needed:
            if schema.get("type") == "string" and not schema.get("minLength"):
                schema["minLength"] = 1
            if isinstance(field, Name):
                schema["pattern"] = r"\S"  # not blank
            return schema
        plain_text = (schema.get("type") == "string" and not schema.get("minLength") and
                      not {"format", "pattern", "enum"} & set(schema))
        if plain_text:
            return schema
        return optional(schema)


def optional(schema: dict) -> dict:
    """`schema`, null or "" (absent to the rules). OpenAPI 3.0 reads `nullable` only beside a
    `type`: one type for every branch is stated beside it, otherwise each branch (one level:
    a nested anyOf is flattened) is nullable itself."""
    branches = schema["anyOf"] if "anyOf" in schema and "type" not in schema else [schema]
    branches = [{key: value for key, value in branch.items() if key != "description"}
                for branch in branches] + [{"type": "string", "enum": [""]}]
    described = {"description": " ".join(
        [*filter(None, [schema.get("description")]), 'null or "" leave it out.'])}
    types = {branch.get("type") for branch in branches}
    if len(types) == 1 and None not in types:
        return {"anyOf": branches, "nullable": True, "type": types.pop(), **described}
    return {"anyOf": [{**branch, "nullable": True} for branch in branches], **described}


FLAG_PATTERN = r"^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|0|1)$"
TIME_PATTERN = (r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
                r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$")
MONEY_PATTERN = r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)\s*$"
UNSIGNED_MONEY_PATTERN = r"^\s*\+?([0-9]+\.?[0-9]*|\.[0-9]+)\s*$"


class CreateRulesSchema(OpenApiSerializerExtension):
    """A create body (restaurant.inputs.OrderCreateRules and its customer and import
    variants) with its cross-field rule: a delivery order gives an `address_id` or an
    `address` (OrderCreateRules.validate refuses it otherwise)."""

    target_class = "restaurant.inputs.OrderCreateRules"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        address = schema["properties"].get("address")
        if address and "allOf" in address:
            # AddressRules: null, "" and {} are no address (each branch typed, for 3.0).
            schema["properties"]["address"] = {
                "anyOf": [{"allOf": address["allOf"], "type": "object", "nullable": True},
                          {"type": "object", "maxProperties": 0, "nullable": True},
                          {"type": "string", "enum": [""], "nullable": True}],
                "description": address.get("description", "") + ' null, "" or {} leave it out.'}
        if direction == "request" and address and "allOf" in address:
            schema["anyOf"] = [
                {"properties": {"order_type": {"type": "string", "pattern": "^collection$"}},
                 "required": ["order_type"]},
                {"properties": {"address_id": {"type": "integer"}}, "required": ["address_id"]},
                # (the address's component: a client generator makes no model of its own)
                {"properties": {"address": address["allOf"][0]}, "required": ["address"]},
            ]
            schema["description"] = (schema.get("description", "") + "\n\nA delivery order "
                                     "gives an address_id or an address.").strip()
        return schema
