"""Reading the project's OpenAPI schema as a client's validator does."""


def resolved(schema: dict, node):
    """`node` with every $ref replaced by its component and OpenAPI 3.0's `nullable` written
    as JSON Schema's null type: a JSON Schema draft 4 (OpenAPI 3.0's base: its boolean
    exclusiveMaximum) that validates a body as a client's validator does."""
    if isinstance(node, list):
        return [resolved(schema, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return resolved(schema, schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]])
    node = {key: resolved(schema, value) for key, value in node.items()}
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node
