import math
import re

from django.core.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from orders.inputs import BIGINT_MAX, InputError, short_repr, strict_int

# The largest integer a database column or a LIMIT/OFFSET can hold (a PostgreSQL bigint).
MAX_QUERY_INT = BIGINT_MAX
ASCII_DIGITS = re.compile(r"\s*([+-]?)[0-9]+\s*\Z", re.ASCII)


def query_int(request, name: str, *, default: int | None, minimum: int = 0,
              maximum: int = MAX_QUERY_INT) -> int | None:
    """An integer query parameter, parsed by orders.inputs.strict_int (ASCII digits: `²`
    and `1e3` are not integers); one that is not an integer or is out of bounds (5,000
    digits are beyond any) is a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = strict_int(raw, field=name, minimum=None, maximum=None)
        shown = value
    except InputError:
        digits = ASCII_DIGITS.match(raw)
        if digits is None:
            raise ValidationError(
                {name: [f"must be an integer, got {short_repr(raw)}."]}) from None
        # More digits than strict_int reads: beyond the bound on its side.
        value, shown = (-math.inf if digits.group(1) == "-" else math.inf), short_repr(raw)
    if value < minimum:
        raise ValidationError({name: [f"must be at least {minimum}, got {shown}."]})
    if value > maximum:
        raise ValidationError({name: [f"must be at most {maximum}, got {shown}."]})
    return value


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
