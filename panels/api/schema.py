"""The partner API's operations in the OpenAPI schema, as the server answers them."""

from drf_spectacular.extensions import OpenApiSerializerExtension

from orders.api.schema import DomainAutoSchema
from orders.inputs import BIGINT_MAX
from panels import inputs
from panels.api.serializers import TokenAuthSerializer

# A paging number beyond a bigint is a 400 (orders.api.fields.query_int).
PAGING_MAXIMUM = {"limit": BIGINT_MAX, "offset": BIGINT_MAX}


class PartnerAutoSchema(DomainAutoSchema):
    """DomainAutoSchema, plus what the partner API's query parameters accept: each may be
    sent empty (`?status=`: read as absent, as django-filter and the paging read it), and
    `limit`/`offset` go up to a bigint."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        for parameter in (operation or {}).get("parameters", []):
            if parameter["in"] != "query":
                continue
            parameter["allowEmptyValue"] = True
            if parameter["name"] in PAGING_MAXIMUM:
                parameter["schema"]["maximum"] = PAGING_MAXIMUM[parameter["name"]]
        return operation


# A text DRF trims and then refuses blank: more than whitespace (Python's, which has
# \x1c-\x1f and \x85 besides a regex's \s).
NOT_BLANK = {"pattern": r"[^\s\x1c-\x1f\x85]"}


def declare_fields(serializer_class, **declared: dict):
    """In the schema, each field named gets what `declared` gives it, rules of the input
    serializer that drf-spectacular does not see: allow_blank=False (NOT_BLANK), a
    `validate_<field>` refusing duplicates (uniqueItems). (An extension, not a validator:
    a validator would take the field off the compiled checks of orders.inputs.BodyRules,
    which an import runs millions of times.)"""

    class DeclaredFields(OpenApiSerializerExtension):
        target_class = serializer_class

        def map_serializer(self, auto_schema, direction):
            schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
            for name, extra in declared.items():
                schema["properties"][name].update(extra)
            return schema

    DeclaredFields.__name__ = f"{serializer_class.__name__}Declared"
    return DeclaredFields


declare_fields(inputs.OrderItemSerializer, panel_sku=NOT_BLANK)
# (each panel at most once: OrderCreateSerializer.validate_order_items)
declare_fields(inputs.OrderCreateSerializer, order_items={"uniqueItems": True})
declare_fields(inputs.CustomerCreateSerializer, first_name=NOT_BLANK, last_name=NOT_BLANK)
declare_fields(TokenAuthSerializer, username=NOT_BLANK)
