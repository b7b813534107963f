"""The lab API's paging: `page`/`per_page` and a `pagination` object beside the list."""

from django.core.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from orders.api.fields import query_int

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class PagePagination(BasePagination):
    """{"<root>": [...], "pagination": {per_page, current_page, prev_page, next_page}}.

    The root is the view's `list_root`. A page past the end answers an empty list whose
    prev_page is the last page that has rows (1 when there are none), so a client can
    step back.
    """

    def paginate_queryset(self, queryset, request, view=None):
        self.root = view.list_root
        self.page = query_int(request, "page", default=1, minimum=1)
        self.per_page = query_int(request, "per_page", default=DEFAULT_PER_PAGE, minimum=1)
        if self.per_page > MAX_PER_PAGE:
            raise ValidationError(
                {"per_page": [f"must be at most {MAX_PER_PAGE}, got {self.per_page}."]}
            )
        count = queryset.count()
        self.last_page = max(1, -(-count // self.per_page))
        start = (self.page - 1) * self.per_page
        return list(queryset[start:start + self.per_page]) if start < count else []

    def get_paginated_response(self, data):
        return Response({self.root: data, "pagination": {
            "per_page": self.per_page,
            "current_page": self.page,
            "prev_page": min(self.page - 1, self.last_page) if self.page > 1 else None,
            "next_page": self.page + 1 if self.page < self.last_page else None,
        }})

    def get_paginated_response_schema(self, schema):
        # The schema is built without a view: "items" stands for the view's list_root.
        page_number = {"type": "integer", "nullable": True}
        return {
            "type": "object",
            "properties": {
                "items": schema,
                "pagination": {"type": "object", "properties": {
                    "per_page": {"type": "integer"}, "current_page": {"type": "integer"},
                    "prev_page": page_number, "next_page": page_number,
                }},
            },
        }
