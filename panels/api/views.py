from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.api.exceptions import ApiError, exception_handler_for
from orders.api.fields import BoundedDateTimeFilter, StrictIntegerFilter
from orders.api.pagination import HeaderLimitOffsetPagination
from orders.api.parsers import StorableQueryMixin
from orders.auth import READ_WRITE_ABILITIES, HasAbility, LoginRateThrottle, password_login
from orders.services import login_token_create
from panels import inputs, selectors, services
from panels.api.serializers import (
    CustomerSerializer,
    OrderSerializer,
    PanelSerializer,
    TokenAuthSerializer,
)
from panels.models import CustomerPanelOrder


def render_partner_error(error: ApiError) -> dict:
    """The partner API's documented error body."""
    non_field = error.non_field_errors or ([] if error.fields_only else [error.message])
    return {"errors": error.fields_only, "non-field-errors": non_field}


class IsPartner(permissions.BasePermission):
    message = "This user does not belong to a partner."

    def has_permission(self, request, view):
        view.partner = selectors.partner_for_user(request.user)
        return view.partner is not None


class PartnerAPIMixin(StorableQueryMixin):
    """Bearer token with abilities, a partner behind it, and the partner's error body."""

    permission_classes = [permissions.IsAuthenticated, HasAbility, IsPartner]
    required_abilities = READ_WRITE_ABILITIES
    pagination_class = HeaderLimitOffsetPagination

    def get_exception_handler(self):
        return exception_handler_for(render_partner_error)


class OrderFilter(filters.FilterSet):
    customer_id = StrictIntegerFilter(field_name="customer_id")
    status = filters.ChoiceFilter(choices=CustomerPanelOrder.Status.choices)
    created_at_after = BoundedDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_at_before = BoundedDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = CustomerPanelOrder
        fields = ["customer_id", "status", "created_at_after", "created_at_before"]


class OrderListCreateView(PartnerAPIMixin, generics.ListAPIView):
    """GET: the partner's orders (filters customer_id, status, created_at_after/_before).
    POST: create an order for one of the partner's customers."""

    serializer_class = OrderSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = OrderFilter
    queryset = CustomerPanelOrder.objects.none()  # (what the OpenAPI schema describes)

    def get_queryset(self):
        return selectors.orders_for_partner(self.partner)

    @extend_schema(request=inputs.OrderCreateSerializer, responses={201: OrderSerializer})
    def post(self, request):
        # (InputErrors answer 400 in the partner API's body: orders.api.exceptions)
        [resolved] = selectors.references_resolve([inputs.order_create_input(request.data)],
                                                  partner=self.partner)
        if isinstance(resolved, inputs.InputErrors):
            raise resolved
        order = services.order_create(order=resolved, actor=request.user, via="api")
        order = selectors.orders_for_partner(self.partner).get(pk=order.pk)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailView(PartnerAPIMixin, generics.RetrieveAPIView):
    serializer_class = OrderSerializer

    def get_queryset(self):
        return selectors.orders_for_partner(self.partner)


class OrderCancelView(PartnerAPIMixin, APIView):
    @extend_schema(request=None, responses={200: OrderSerializer})
    def post(self, request, pk):
        order = get_object_or_404(selectors.orders_for_partner(self.partner), pk=pk)
        services.order_cancel(order=order, actor=request.user, via="api")
        order = selectors.orders_for_partner(self.partner).get(pk=pk)
        return Response(OrderSerializer(order).data)


class CustomerListCreateView(PartnerAPIMixin, generics.ListCreateAPIView):
    serializer_class = CustomerSerializer

    def get_queryset(self):
        return selectors.customers_for_partner(self.partner)

    @extend_schema(request=inputs.CustomerCreateSerializer, responses={201: CustomerSerializer})
    def post(self, request):
        customer = services.customer_create(
            partner=self.partner, **inputs.customer_create_input(request.data)._asdict())
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)


class CustomerDetailView(PartnerAPIMixin, generics.RetrieveAPIView):
    serializer_class = CustomerSerializer

    def get_queryset(self):
        return selectors.customers_for_partner(self.partner)


class PanelListView(PartnerAPIMixin, generics.ListAPIView):
    serializer_class = PanelSerializer

    def get_queryset(self):
        return selectors.panels_available()


class TokenAuthView(APIView):
    """POST username and password; answer a new API token for that user."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [LoginRateThrottle]
    serializer_class = TokenAuthSerializer

    def get_exception_handler(self):
        return exception_handler_for(render_partner_error)

    def post(self, request):
        credentials = TokenAuthSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        username = credentials.validated_data["username"]
        user = password_login(
            request, identifier=username, password=credentials.validated_data["password"],
            user=get_user_model()._default_manager.filter(
                **{get_user_model().USERNAME_FIELD: username}).first(),
            in_domain=lambda user: selectors.partner_for_user(user) is not None,
        )
        if user is None:  # a wrong password, or a user who is not a partner's
            raise ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        _, raw = login_token_create(
            user=user, label="api-token-auth", abilities=["orders:read", "orders:write"]
        )
        return Response({"token": raw})
