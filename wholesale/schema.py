from drf_spectacular.extensions import OpenApiAuthenticationExtension


class EmailBasicScheme(OpenApiAuthenticationExtension):
    """Documents the origin's HTTP Basic (email and password) in the OpenAPI schema."""

    target_class = "wholesale.auth.EmailBasicAuthentication"
    name = "wholesaleBasicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic",
                "description": "The user's email and password."}
