from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from orders.api.fields import query_int


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

    def get_previous_link(self):
        if self.offset <= 0:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        if self.offset - self.limit <= 0:
            return remove_query_param(url, self.offset_query_param)
        return replace_query_param(url, self.offset_query_param, self.offset - self.limit)
