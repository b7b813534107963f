"""The lab API's paging: `page`/`per_page` and a `pagination` object beside the list."""

from django.core.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from orders.api.fields import query_int
from orders.inputs import BIGINT_MAX

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class PagePagination(BasePagination):
    """{"<root>": [...], "pagination": {per_page, current_page, prev_page, next_page}}.

    The root is the class's `root` (`PagePagination.of("orders")`). A page past the end
    answers an empty list whose prev_page is the last page that has rows (1 when there are
    none), so a client can step back.
    """

    root = None

    @classmethod
    def of(cls, root: str) -> type["PagePagination"]:
        """The paging of a list sent under `root` (the schema is built from the class)."""
        return type(f"{root.title()}PagePagination", (cls,), {"root": root})

    def paginate_queryset(self, queryset, request, view=None):
        self.page = query_int(request, "page", default=1, minimum=1)
        self.per_page = query_int(request, "per_page", default=DEFAULT_PER_PAGE, minimum=1)
        if self.per_page > MAX_PER_PAGE:
            raise ValidationError(
                {"per_page": [f"must be at most {MAX_PER_PAGE}, got {self.per_page}."]}
            )
        count = getattr(view, "matching", queryset).count()  # (without its columns)
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
        def page_number(description, minimum=1):
            return {"type": "integer", "minimum": minimum, "maximum": BIGINT_MAX,
                    "description": description}

        return {
            "type": "object",
            "properties": {
                self.root: schema,
                "pagination": {
                    "type": "object",
                    "properties": {
                        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                        "current_page": page_number("The page asked for."),
                        "prev_page": {**page_number(
                            "The page before, or the last page with rows when this one is "
                            "past the end; null on page 1."), "nullable": True},
                        "next_page": {**page_number("The page after; null on the last.", 2),
                                      "nullable": True},
                    },
                    "required": ["per_page", "current_page", "prev_page", "next_page"],
                },
            },
            "required": [self.root, "pagination"],
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "page", "in": "query", "required": False,
             "description": "Page number, from 1. A page past the end answers an empty list.",
             "schema": {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX, "default": 1}},
            {"name": "per_page", "in": "query", "required": False,
             "description": f"Rows per page, 1 to {MAX_PER_PAGE}.",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                        "default": DEFAULT_PER_PAGE}},
        ]
