from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from orders.api.fields import query_int
from orders.inputs import BIGINT_MAX


class HeaderLimitOffsetPagination(LimitOffsetPagination):
    """`limit`/`offset` paging whose body stays a plain JSON array.

    The total goes in `X-Total-Count`, the neighbouring pages in a `Link` header
    (rel="next", rel="prev"), so clients that expect the origin's bare array still work.
    A `limit` above `max_limit` is capped; a malformed `limit` or `offset` is a 400.
    """

    default_limit = 100
    max_limit = 1000

    def get_limit(self, request):
        limit = query_int(request, self.limit_query_param, default=self.default_limit, minimum=1)
        if limit is None:
            return None
        return min(limit, self.max_limit) if self.max_limit else limit

    def get_offset(self, request):
        return query_int(request, self.offset_query_param, default=0)

    def get_paginated_response(self, data):
        links = []
        if (url := self.get_next_link()) is not None:
            links.append(f'<{url}>; rel="next"')
        if (url := self.get_previous_link()) is not None:
            links.append(f'<{url}>; rel="prev"')
        headers = {"X-Total-Count": str(self.count)}
        if links:
            headers["Link"] = ", ".join(links)
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema):
        return schema  # the page is the bare array; the paging is in the headers

    def schema_response_headers(self) -> dict:
        """The headers of a page (orders.api.schema.DomainAutoSchema)."""
        return {
            "X-Total-Count": {"schema": {"type": "integer", "minimum": 0},
                              "description": "How many rows match, over all pages."},
            "Link": {"schema": {"type": "string"},
                     "description": 'The neighbouring pages: `<url>; rel="next"`, '
                                    '`<url>; rel="prev"` (each only where there is one).'},
        }

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        # query_int reads up to a bigint; beyond is a 400 naming the parameter.
        bounds = {self.limit_query_param: {"minimum": 1, "maximum": BIGINT_MAX,
                                           "default": self.default_limit},
                  self.offset_query_param: {"minimum": 0, "maximum": BIGINT_MAX,
                                            "default": 0}}
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        if self.max_limit:
            parameters[0]["description"] = (f"Rows per page (default {self.default_limit}; "
                                            f"above {self.max_limit} is read as {self.max_limit}).")
        return parameters

    def get_previous_link(self):
        if self.offset <= 0:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        if self.offset - self.limit <= 0:
            return remove_query_param(url, self.offset_query_param)
        return replace_query_param(url, self.offset_query_param, self.offset - self.limit)
