from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.exceptions import NotFound

from labs import selectors
from labs.api.pagination import PagePagination
from labs.api.serializers import (
    LabOrderDetailSerializer,
    LabOrderSerializer,
    LabProductSerializer,
    LabSkuSerializer,
    LabTestSerializer,
)
from labs.models import LabOrder, Test
from orders.api.exceptions import ApiError, exception_handler_for
from orders.api.fields import query_datetime
from orders.api.parsers import StorableQueryMixin
from orders.auth import READ_WRITE_ABILITIES, HasAbility


def render_lab_error(error: ApiError) -> dict:
    """The lab API's documented error body."""
    return {"error": error.message}


class IsCompany(permissions.BasePermission):
    message = "This user does not belong to a company."

    def has_permission(self, request, view):
        view.company = selectors.company_for_user(request.user)
        return view.company is not None


def query_choice(request, name: str, choices) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices.values:
        raise ValidationError(
            {name: [f"must be one of {', '.join(choices.values)}, got {raw!r}."]}
        )
    return raw


PAGING_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1 (default 1)."),
    OpenApiParameter("per_page", int, description="Rows per page (default 20, at most 100)."),
]
UPDATED_SINCE = OpenApiParameter(
    "updated_since", str, description="ISO 8601 time; rows updated at or after it."
)


def list_schema(*filters):
    return extend_schema(parameters=[*PAGING_PARAMETERS, *filters])


class LabAPIMixin(StorableQueryMixin):
    """Bearer token with abilities, a company behind it, and the lab's error body."""

    permission_classes = [permissions.IsAuthenticated, HasAbility, IsCompany]
    required_abilities = READ_WRITE_ABILITIES
    pagination_class = PagePagination
    not_found_label = "object"

    def get_exception_handler(self):
        return exception_handler_for(render_lab_error)

    def get_object(self):
        pk = self.kwargs["pk"]  # an int of at most 18 digits (orders.api.converters)
        found = self.get_queryset().filter(pk=pk).first()
        if found is None:  # another company's row answers exactly like a missing one
            raise NotFound(f"No {self.not_found_label} with id {pk}.")
        self.check_object_permissions(self.request, found)
        return found


@list_schema(
    OpenApiParameter("status", str, enum=LabOrder.Status.values),
    OpenApiParameter("payment_status", str, enum=LabOrder.PaymentStatus.values),
    UPDATED_SINCE,
)
class OrderListView(LabAPIMixin, generics.ListAPIView):
    """The company's orders, newest first; filters status, payment_status, updated_since."""

    serializer_class = LabOrderSerializer
    list_root = "orders"

    def get_queryset(self):
        return selectors.orders_for_company(
            self.company,
            status=query_choice(self.request, "status", LabOrder.Status),
            payment_status=query_choice(self.request, "payment_status", LabOrder.PaymentStatus),
            updated_since=query_datetime(self.request, "updated_since"),
        )


class OrderDetailView(LabAPIMixin, generics.RetrieveAPIView):
    serializer_class = LabOrderDetailSerializer
    not_found_label = "order"

    def get_queryset(self):
        return selectors.order_details_for_company(self.company)


@list_schema()
class ProductListView(LabAPIMixin, generics.ListAPIView):
    serializer_class = LabProductSerializer
    list_root = "products"

    def get_queryset(self):
        return selectors.products_for_company(self.company)


class ProductDetailView(LabAPIMixin, generics.RetrieveAPIView):
    serializer_class = LabProductSerializer
    not_found_label = "product"

    def get_queryset(self):
        return selectors.products_for_company(self.company)


@list_schema()
class SkuListView(LabAPIMixin, generics.ListAPIView):
    serializer_class = LabSkuSerializer
    list_root = "skus"

    def get_queryset(self):
        return selectors.skus_for_company(self.company)


class SkuDetailView(LabAPIMixin, generics.RetrieveAPIView):
    serializer_class = LabSkuSerializer
    not_found_label = "sku"

    def get_queryset(self):
        return selectors.skus_for_company(self.company)


@list_schema(OpenApiParameter("status", str, enum=Test.Status.values), UPDATED_SINCE)
class TestListView(LabAPIMixin, generics.ListAPIView):
    """The company's tests, newest first; filters status, updated_since."""

    serializer_class = LabTestSerializer
    list_root = "tests"

    def get_queryset(self):
        return selectors.tests_for_company(
            self.company,
            status=query_choice(self.request, "status", Test.Status),
            updated_since=query_datetime(self.request, "updated_since"),
        )


class TestDetailView(LabAPIMixin, generics.RetrieveAPIView):
    serializer_class = LabTestSerializer
    not_found_label = "test"

    def get_queryset(self):
        return selectors.tests_for_company(self.company)
