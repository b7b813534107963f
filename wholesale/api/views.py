from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.api.exceptions import ApiError, exception_handler_for
from orders.api.fields import BoundedDateTimeFilter, NamedFiltersBackend
from orders.api.pagination import HeaderLimitOffsetPagination
from orders.api.parsers import JSONParser, StorableQueryMixin, UnstorableInput
from orders.api.renderers import FastContentNegotiation
from orders.auth import READ_WRITE_ABILITIES, HasAbility
from wholesale import inputs, selectors, services
from wholesale.api.authentication import NOT_LOOKED_UP, TradeAccountTokenAuthentication
from wholesale.api.renderers import DecimalJSONRenderer
from wholesale.api.serializers import (
    WholesaleErrorSerializer,
    WholesaleOrderSerializer,
    WholesaleProductSerializer,
    order_wire,
)
from wholesale.auth import EmailBasicAuthentication
from wholesale.inputs import WholesaleOrderBodySerializer
from wholesale.models import WholesaleOrder


def render_wholesale_error(error: ApiError) -> dict:
    """The origin's documented error body: {"message": ..., "errors": {field: [...]}}."""
    body = {"message": error.message}
    if error.fields_only:
        body["errors"] = error.fields_only
    return body

render_error_response = exception_handler_for(render_wholesale_error)

def wholesale_exception_handler(exc, context):
    response = render_error_response(exc, context)
    # A body with a field missing or invalid is 422; a malformed one (and bad query
    # parameters) stays 400.
    if response is not None and isinstance(exc, inputs.OrderBodyInvalid | UnstorableInput):
        response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    return response

class IsTradeCustomer(permissions.BasePermission):
    """Sets `view.account`, the caller's trade account: the token's lookup found its id
    (TradeAccountTokenAuthentication), a Basic log-in looks it up."""

    message = "This user does not belong to a trade account."

    def has_permission(self, request, view):
        account_id = getattr(request.auth, "trade_account_id", NOT_LOOKED_UP)
        if account_id is NOT_LOOKED_UP:
            account = selectors.account_for_user(request.user)
            account_id = account.pk if account is not None else None
        view.account = selectors.account_reference(account_id) if account_id else None
        return view.account is not None

class WholesaleAPIMixin(StorableQueryMixin):
    """Basic (email, password) or Bearer token, a trade account behind the user, and the
    origin's error body and number format."""

    authentication_classes = [EmailBasicAuthentication, TradeAccountTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated, HasAbility, IsTradeCustomer]
    required_abilities = READ_WRITE_ABILITIES
    renderer_classes = [DecimalJSONRenderer]
    content_negotiation_class = FastContentNegotiation
    pagination_class = HeaderLimitOffsetPagination
    # The schema's 4xx (orders.api.schema.DomainAutoSchema): this body, and 429 where
    # Basic credentials are refused after too many failed log-ins.
    error_serializer = WholesaleErrorSerializer
    error_statuses = {"429": "Too many failed log-ins (Basic): wait the seconds in "
                             "`Retry-After`."}

    def get_exception_handler(self):
        return wholesale_exception_handler

    def orders(self):
        return selectors.orders_for_account(self.account)

    def order_rows(self):
        return selectors.order_rows_for_account(self.account)

class OrderFilter(filters.FilterSet):
    order_state = filters.ChoiceFilter(choices=WholesaleOrder.State.choices)
    customer_order_no = filters.CharFilter()
    created_at_after = BoundedDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_at_before = BoundedDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = WholesaleOrder
        fields = ["order_state", "customer_order_no", "created_at_after", "created_at_before"]



class OrderListCreateView(WholesaleAPIMixin, generics.ListAPIView):
    """GET: the account's orders, newest first. POST: create or update by customer_order_no."""

    queryset = WholesaleOrder.objects.none()  # the model, for the schema
    serializer_class = WholesaleOrderSerializer
    filter_backends = [NamedFiltersBackend]
    filterset_class = OrderFilter
    parser_classes = [JSONParser]  # the body is nested (products): a form cannot carry it

    def get_queryset(self):
        return self.order_rows()

    def paginate_queryset(self, queryset):
        # The page's lines in one query (a values() queryset has no prefetching).
        page = super().paginate_queryset(queryset)
        return page if page is None else selectors.order_rows_completed(page)

    @extend_schema(
        request=WholesaleOrderBodySerializer,
        responses={
            200: OpenApiResponse(WholesaleOrderSerializer,
                                 "The OPEN order with this customer_order_no, replaced."),
            201: OpenApiResponse(WholesaleOrderSerializer, "A new order."),
            409: OpenApiResponse(WholesaleErrorSerializer,
                                 "The order with this customer_order_no is no longer OPEN."),
            422: OpenApiResponse(WholesaleErrorSerializer,
                                 "A field is missing or invalid: `errors` names each."),
        },
    )
    def post(self, request):
        products = selectors.products_by_code(inputs.order_body_product_codes(request.data))
        body = inputs.order_body_input(request.data, products)
        order, created = services.order_save(account=self.account, body=body,
                                             actor=request.user, via="api")
        row = selectors.order_rows_completed([self.order_rows().get(pk=order.pk)])[0]
        return Response(order_wire(row),
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

class OrderDetailView(WholesaleAPIMixin, generics.RetrieveAPIView):
    """GET: one order. DELETE: cancel an OPEN order (204; the order is kept as CANCELLED)."""

    queryset = WholesaleOrder.objects.none()  # the model, for the schema
    serializer_class = WholesaleOrderSerializer

    def get_queryset(self):
        return self.order_rows()

    def get_object(self):
        return selectors.order_rows_completed([super().get_object()])[0]

    @extend_schema(responses={
        204: OpenApiResponse(description="Cancelled."),
        409: OpenApiResponse(WholesaleErrorSerializer, "The order is not OPEN.")})
    def delete(self, request, pk):
        order = get_object_or_404(self.orders(), pk=pk)
        services.order_cancel(order=order, actor=request.user, via="api")
        return Response(status=status.HTTP_204_NO_CONTENT)

class OrderPlaceView(WholesaleAPIMixin, APIView):
    """Place an OPEN order (204, no body)."""

    @extend_schema(request=None, responses={
        204: OpenApiResponse(description="Placed."),
        409: OpenApiResponse(WholesaleErrorSerializer, "The order is not OPEN, or a DELIVER "
                                                       "order has no delivery address.")})
    def put(self, request, pk):
        order = get_object_or_404(self.orders(), pk=pk)
        services.order_place(order=order, actor=request.user, via="api")
        return Response(status=status.HTTP_204_NO_CONTENT)

class ProductListView(WholesaleAPIMixin, generics.ListAPIView):
    """The active catalog."""

    serializer_class = WholesaleProductSerializer

    def get_queryset(self):
        return selectors.product_rows_available()

