"""Hooks of the OpenAPI schema (settings.SPECTACULAR_SETTINGS)."""


def one_path_per_endpoint(endpoints, **kwargs):
    """PREPROCESSING_HOOKS: every API path answers with and without its trailing slash
    (orders.api.converters.api_path); the schema lists it once, with the slash as it always
    has, so each operation has one operationId (two collide: drf_spectacular.W001, a
    warning of `check --deploy`)."""
    with_slash = {(path, method) for path, _, method, _ in endpoints if path.endswith("/")}
    return [endpoint for endpoint in endpoints
            if endpoint[0].endswith("/") or (endpoint[0] + "/", endpoint[2]) not in with_slash]
