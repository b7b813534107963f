"""The marketplace's request bodies in the OpenAPI schema as `marketplace.inputs` reads them
(drf-spectacular extensions, registered by importing this module: views.py does).

The body serializers parse by their own rules (`clean()`, not DRF's validators), which
drf-spectacular cannot see; these say what those rules accept: texts without NUL, a
required text not blank once stripped, null read as blank, `comments` as one string or a
list, a price in whole cents, no key beyond the declared ones, an update naming at least
one field."""

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension

from marketplace import inputs
from orders.api.schema import DomainAutoSchema

# What str.strip() removes (str.isspace), spelled out: `\s` differs between regex engines.
WHITESPACE = "\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a" \
             "\\u2028\\u2029\\u202f\\u205f\\u3000"
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK = f"^[^\\u0000]*[^\\u0000{WHITESPACE}][^\\u0000]*$"
# Django's validate_email for a dot-atom address at an ASCII domain (inputs.email_valid):
# its top-level label is 2 to 63 letters or "-", not at either end ("a@b.c", "a@b.00" are
# refused).
ATOM = "[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+"
LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = f"^{ATOM}(\\.{ATOM})*@({LABEL}\\.)+[A-Za-z][A-Za-z-]{{0,61}}[A-Za-z]$"


def text_schema(*, max_length: int | None = None, non_blank: bool = False,
                email: bool = False) -> dict:
    schema = {"type": "string",
              "pattern": EMAIL if email else NOT_BLANK if non_blank else NO_NUL}
    if max_length is not None:
        schema["maxLength"] = max_length
    if email:
        schema["format"] = "email"
    if not (non_blank or email):
        schema["nullable"] = True  # null is read as blank
    return schema


class OrderTextSchema(OpenApiSerializerFieldExtension):
    target_class = inputs.OrderText

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = text_schema(max_length=field.max_length, non_blank=field.non_blank,
                             email=field.email)
        if field.help_text:
            schema["description"] = str(field.help_text)
        return schema


class CommentsSchema(OpenApiSerializerFieldExtension):
    target_class = inputs.CommentsField

    def map_serializer_field(self, auto_schema, direction):
        items = text_schema(max_length=inputs.MAX_COMMENT_LENGTH)
        del items["nullable"]
        return {
            "anyOf": [{"type": "string", "pattern": NO_NUL},
                      {"type": "array", "items": items, "maxItems": inputs.MAX_COMMENTS}],
            "nullable": True,
            "description": f"One string or a list of at most {inputs.MAX_COMMENTS} strings "
                           f"(each at most {inputs.MAX_COMMENT_LENGTH} characters); null or "
                           "absent is none.",
        }


class PriceSchema(OpenApiSerializerFieldExtension):
    target_class = inputs.PriceField

    def map_serializer_field(self, auto_schema, direction):
        return {
            "anyOf": [{"type": "number", "minimum": 0, "maximum": 99999999.99,
                       "multipleOf": 0.01},
                      {"type": "string", "pattern": r"^\s*[0-9]{1,8}(\.[0-9]{1,2})?\s*$"}],
            "description": "USD: zero or more, whole cents, below 100,000,000 (a number, "
                           "or its digits as a string).",
        }


class MarketplaceAutoSchema(DomainAutoSchema):
    """Every marketplace operation that takes a body needs one (an update names at least
    one field): drf-spectacular leaves a partial body optional."""

    def _get_request_body(self, *args, **kwargs):
        request_body = super()._get_request_body(*args, **kwargs)
        if request_body:
            request_body["required"] = True
        return request_body


class BodySchema(OpenApiSerializerExtension):
    """A body object: only its declared keys; an update names at least one field."""

    target_class = inputs.Body
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        changes = None
        if isinstance(self.target, inputs.OrderUpdateBody):
            changes = [*inputs.ADDRESS_FIELDS, "comments", "status"]
        elif isinstance(self.target, inputs.RecordBody) and self.target.partial:
            changes = list(inputs.RECORD_FIELDS)
        if changes:
            schema["anyOf"] = [{"required": [name]} for name in changes]
        return schema

    def get_name(self, auto_schema, direction):
        return None  # the serializer's own component name (Meta.ref_name)
