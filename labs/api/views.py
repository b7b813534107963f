from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.exceptions import NotFound

from labs import selectors
from labs.api.authentication import CompanyTokenAuthentication
from labs.api.pagination import PagePagination
from labs.api.schema import ISO_8601_PATTERN, LabAutoSchema
from labs.api.serializers import (
    LabErrorSerializer,
    LabOrderDetailSerializer,
    LabOrderSerializer,
    LabProductSerializer,
    LabSampleSerializer,
    LabSampleTestSerializer,
    LabSkuSerializer,
    LabSkuSummarySerializer,
    LabTestSerializer,
)
from labs.models import LabOrder, Test
from orders.api.exceptions import ApiError, exception_handler_for
from orders.api.fields import query_datetime
from orders.api.parsers import StorableQueryMixin
from orders.api.renderers import FastJSONRenderer
from orders.auth import READ_WRITE_ABILITIES, HasAbility


def render_lab_error(error: ApiError) -> dict:
    """The lab API's documented error body."""
    return {"error": error.message}


class IsCompany(permissions.BasePermission):
    """Sets `view.company_id`: the one the token's lookup brought, else looked up."""

    message = "This user does not belong to a company."

    def has_permission(self, request, view):
        company_id = getattr(request.auth, "lab_company_id", LOOKED_UP_LATER)
        if company_id is LOOKED_UP_LATER:  # (authenticated otherwise: look it up)
            company = selectors.company_for_user(request.user)
            company_id = None if company is None else company.pk
        view.company_id = company_id
        return company_id is not None


LOOKED_UP_LATER = object()


def query_choice(request, name: str, choices) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices.values:
        raise ValidationError(
            {name: [f"must be one of {', '.join(choices.values)}, got {raw!r}."]}
        )
    return raw


UPDATED_SINCE = OpenApiParameter(
    "updated_since", str, pattern=ISO_8601_PATTERN,
    description="An ISO 8601 date or time (`2025-11-13`, `2025-11-13T19:00:00Z`; without an "
                "offset, UTC): the rows updated at or after it.",
)


class LabAPIMixin(StorableQueryMixin):
    """Bearer token with abilities, a company behind it, and the lab's error body.

    The views print `.values()` rows (labs.api.serializers.RowSerializer): a list's page is
    one query, each nested list one more for the whole page."""

    authentication_classes = [CompanyTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated, HasAbility, IsCompany]
    required_abilities = READ_WRITE_ABILITIES
    not_found_label = "object"
    error_serializer = LabErrorSerializer  # (every 4xx in the schema: its body)
    schema = LabAutoSchema()
    renderer_classes = [FastJSONRenderer]

    def get_exception_handler(self):
        return exception_handler_for(render_lab_error)

    def get_queryset(self):
        # The rows the query matches, kept for the paginator's count: the printed columns'
        # joins (a test's assay, sample, sku, product) would only slow a count down.
        self.matching = self.rows()
        return self.matching.values(*self.serializer_class.columns())

    def get_object(self):
        pk = self.kwargs["pk"]  # an int of at most 18 digits (orders.api.converters)
        found = self.get_queryset().filter(pk=pk).first()
        if found is None:  # another company's row answers exactly like a missing one
            raise NotFound(f"No {self.not_found_label} with id {pk}.")
        self.check_object_permissions(self.request, found)
        return self.with_children([found])[0]

    def paginate_queryset(self, queryset):
        return self.with_children(super().paginate_queryset(queryset))

    def with_children(self, rows: list[dict]) -> list[dict]:
        return rows  # (a view whose rows have nested lists attaches them)


def with_skus(products: list[dict]) -> list[dict]:
    skus = selectors.skus_of_products([p["id"] for p in products]).values(
        *LabSkuSummarySerializer.columns(), "product_id")
    return selectors.rows_with_children(products, "skus", skus, "product_id")


@extend_schema(parameters=[
    OpenApiParameter("status", str, enum=LabOrder.Status.values),
    OpenApiParameter("payment_status", str, enum=LabOrder.PaymentStatus.values),
    UPDATED_SINCE,
])
class OrderListView(LabAPIMixin, generics.ListAPIView):
    """The company's orders, newest first; filters status, payment_status, updated_since."""

    serializer_class = LabOrderSerializer
    pagination_class = PagePagination.of("orders")

    def rows(self):
        return selectors.orders_for_company(
            self.company_id,
            status=query_choice(self.request, "status", LabOrder.Status),
            payment_status=query_choice(self.request, "payment_status", LabOrder.PaymentStatus),
            updated_since=query_datetime(self.request, "updated_since"),
        )


class OrderDetailView(LabAPIMixin, generics.RetrieveAPIView):
    """The order with its samples (each with its sku and tests)."""

    serializer_class = LabOrderDetailSerializer
    not_found_label = "order"

    def rows(self):
        return selectors.orders_for_company(self.company_id)

    def with_children(self, orders):
        samples = list(selectors.samples_of_orders([o["id"] for o in orders]).values(
            *LabSampleSerializer.columns(), "order_id"))
        tests = selectors.tests_of_samples([s["id"] for s in samples]).values(
            *LabSampleTestSerializer.columns(), "sample_id")
        selectors.rows_with_children(samples, "tests", tests, "sample_id")
        return selectors.rows_with_children(orders, "samples", samples, "order_id")


class ProductListView(LabAPIMixin, generics.ListAPIView):
    """The company's products with their skus, in id order."""

    serializer_class = LabProductSerializer
    pagination_class = PagePagination.of("products")

    def rows(self):
        return selectors.products_for_company(self.company_id)

    def with_children(self, rows):
        return with_skus(rows)


class ProductDetailView(LabAPIMixin, generics.RetrieveAPIView):
    serializer_class = LabProductSerializer
    not_found_label = "product"

    def rows(self):
        return selectors.products_for_company(self.company_id)

    def with_children(self, rows):
        return with_skus(rows)


class SkuListView(LabAPIMixin, generics.ListAPIView):
    """The company's skus with their product, in id order."""

    serializer_class = LabSkuSerializer
    pagination_class = PagePagination.of("skus")

    def rows(self):
        return selectors.skus_for_company(self.company_id)


class SkuDetailView(LabAPIMixin, generics.RetrieveAPIView):
    serializer_class = LabSkuSerializer
    not_found_label = "sku"

    def rows(self):
        return selectors.skus_for_company(self.company_id)


@extend_schema(parameters=[OpenApiParameter("status", str, enum=Test.Status.values),
                           UPDATED_SINCE])
class TestListView(LabAPIMixin, generics.ListAPIView):
    """The company's tests, newest first; filters status, updated_since."""

    serializer_class = LabTestSerializer
    pagination_class = PagePagination.of("tests")

    def rows(self):
        return selectors.tests_for_company(
            self.company_id,
            status=query_choice(self.request, "status", Test.Status),
            updated_since=query_datetime(self.request, "updated_since"),
        )


class TestDetailView(LabAPIMixin, generics.RetrieveAPIView):
    """The test with its sample (and sku) and a summary of its order."""

    serializer_class = LabTestSerializer
    not_found_label = "test"

    def rows(self):
        return selectors.tests_for_company(self.company_id)
