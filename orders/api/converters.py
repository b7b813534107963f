"""What the domains' urls.py share: the integer id in a path, each path with and without
its trailing slash, and a 404 in the domain's error body for the rest of its prefix.

An id is 1 to 18 ASCII digits: a regex `\\d` also matches "٣" and "²" (which `int()`
refuses or misreads), and 5,000 digits are beyond any bigint (and beyond what `int()`
parses). Such a path matches no endpoint, and the domain's `endpoint_not_found` view
answers 404 in its body, as for any unknown id.
"""

import functools

from django.urls import path, register_converter
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView


class IdConverter:
    regex = "[0-9]{1,18}"  # below 2**63 (a bigint), whatever the digits

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")


def api_path(route: str, view, name: str | None = None) -> list:
    """`route` (e.g. "api/v1/customers/<id:pk>/") with and without a trailing slash, both
    served without a redirect (a redirect breaks POST clients). `route` is spelled as the
    domain's document spells it: that spelling is the one the OpenAPI schema lists and
    `reverse(name)` gives; the other answers the same but is left out of the schema."""
    other = route.rstrip("/") if route.endswith("/") else f"{route}/"
    return [path(route, view, name=name), path(other, schema_alias(view))]


def schema_alias(view):
    """`view` under a second spelling of its path, which the schema leaves out."""

    @functools.wraps(view)  # (keeps .cls, .initkwargs and csrf_exempt)
    def alias(*args, **kwargs):
        return view(*args, **kwargs)

    alias.is_schema_alias = True
    return alias


def is_alias(view) -> bool:
    return getattr(view, "is_schema_alias", False)


def endpoint_not_found(api_mixin):
    """A view answering 404 with the renderer and error body of `api_mixin` (a domain's
    view mixin), for paths under the domain's prefix that match no endpoint."""

    class EndpointNotFound(api_mixin, APIView):
        authentication_classes = []
        permission_classes = []
        schema = None  # not an endpoint of the OpenAPI schema

        def initial(self, request, *args, **kwargs):
            super().initial(request, *args, **kwargs)
            raise NotFound(f"No endpoint {request.method} {request.path}.")

    EndpointNotFound.__name__ = f"EndpointNotFound{api_mixin.__name__}"
    return EndpointNotFound.as_view()
