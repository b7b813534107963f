"""What drf-spectacular does not see by itself: the core's authentication, and the limits of
nested lists (tests/contract/ holds the schema to what the APIs accept)."""

from drf_spectacular.drainage import set_override
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)

from orders.auth import BearerTokenAuthentication

# Each domain's subclass (its principal loaded with the token) is the same `bearerAuth`
# scheme: one component, not a collision of names.
set_override(BearerTokenAuthentication, "suppress_collision_warning", True)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "orders.auth.BearerTokenAuthentication"
    match_subclasses = True  # each domain's subclass loads its own principal with the token
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer <token>` "
                           "(create_api_token, admin, or a domain's log-in endpoint).",
        }


class NestedListLimits(OpenApiSerializerFieldExtension):
    """A nested list (`Child(many=True, max_length=...)`): drf-spectacular leaves out the
    limits the ListSerializer enforces; the schema states them as minItems/maxItems."""

    target_class = "rest_framework.serializers.ListSerializer"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if schema is None or schema.get("type") != "array":
            return schema
        min_items = self.target.min_length or (0 if self.target.allow_empty else 1)
        if min_items:
            schema["minItems"] = min_items
        if self.target.max_length is not None:
            schema["maxItems"] = self.target.max_length
        return schema
