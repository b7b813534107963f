from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.api.exceptions import ApiError, exception_handler_for
from orders.api.fields import BoundedDateTimeFilter, NamedFiltersBackend, StrictIntegerFilter
from orders.api.pagination import HeaderLimitOffsetPagination
from orders.api.parsers import JSONParser, StorableQueryMixin
from orders.api.renderers import FastContentNegotiation, FastJSONRenderer
from orders.auth import (
    READ_WRITE_ABILITIES,
    TOKEN_COLUMNS,
    BearerTokenAuthentication,
    HasAbility,
    LoginRateThrottle,
    password_login,
)
from orders.inputs import BIGINT_MAX
from orders.models import ApiToken
from orders.services import login_token_create
from panels import inputs, selectors, services
from panels.api.schema import PartnerAutoSchema
from panels.api.serializers import (
    CustomerSerializer,
    OrderSerializer,
    PanelSerializer,
    PartnerErrorSerializer,
    TokenAuthSerializer,
    TokenSerializer,
)
from panels.models import Customer, CustomerPanelOrder, Panel


def render_partner_error(error: ApiError) -> dict:
    """The partner API's documented error body."""
    non_field = error.non_field_errors or ([] if error.fields_only else [error.message])
    return {"errors": error.fields_only, "non-field-errors": non_field}




class PartnerTokenAuthentication(BearerTokenAuthentication):
    """The Bearer token, its user and the id of the user's partner in one query (the
    token's `panels_partner_id`), so IsPartner looks nothing up again."""

    _token_queryset = None  # built once (never evaluated: each lookup filters a clone)

    def token_queryset(self):
        if PartnerTokenAuthentication._token_queryset is None:
            PartnerTokenAuthentication._token_queryset = selectors.with_partner_id(
                ApiToken.objects.select_related("user").only(*TOKEN_COLUMNS), "user")
        return PartnerTokenAuthentication._token_queryset


class IsPartner(permissions.BasePermission):
    message = "This user does not belong to a partner."

    def has_permission(self, request, view):
        partner_id = getattr(request.auth, "panels_partner_id", LOOKED_UP_LATER)
        if partner_id is LOOKED_UP_LATER:  # (another authentication: look the partner up)
            view.partner = selectors.partner_for_user(request.user)
        else:
            view.partner = None if partner_id is None else selectors.partner_of_id(partner_id)
        return view.partner is not None


LOOKED_UP_LATER = object()


class PartnerAPIMixin(StorableQueryMixin):
    """Bearer token with abilities, a partner behind it, and the partner's error body."""

    authentication_classes = [PartnerTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated, HasAbility, IsPartner]
    required_abilities = READ_WRITE_ABILITIES
    pagination_class = HeaderLimitOffsetPagination
    error_serializer = PartnerErrorSerializer  # (every 4xx in the schema: its body)
    schema = PartnerAutoSchema()
    renderer_classes = [FastJSONRenderer]
    content_negotiation_class = FastContentNegotiation

    def get_exception_handler(self):
        return exception_handler_for(render_partner_error)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1,
                      "maximum": BIGINT_MAX})
class IdFilter(StrictIntegerFilter):
    """An id: 1 to a bigint (a smaller or larger one is a 400 naming the parameter)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, **kwargs)


@extend_schema_field({
    "type": "string", "format": "date-time",
    # What the server takes of RFC 3339: years 1901 to 9998 (within 1900-01-01 and
    # 9999-12-30 in UTC whatever the offset), offsets up to 15:59, an upper-case Z.
    "pattern": r"^(190[1-9]|19[1-9]\d|[2-8]\d{3}|9[0-8]\d{2}|99[0-8]\d|999[0-8])-\d{2}-\d{2}"
               r"[Tt]\d{2}:\d{2}:[0-5]\d(\.\d+)?(Z|[+-](0\d|1[0-5]):[0-5]\d)$"})
class TimeFilter(BoundedDateTimeFilter):
    """An ISO 8601 time (a bare date is its midnight UTC) between 1900 and 9999 in UTC."""


class OrderFilter(filters.FilterSet):
    customer_id = IdFilter(field_name="customer_id")
    status = filters.ChoiceFilter(choices=CustomerPanelOrder.Status.choices)
    created_at_after = TimeFilter(field_name="created_at", lookup_expr="gte",
                                  help_text="Created at or after this time.")
    created_at_before = TimeFilter(field_name="created_at", lookup_expr="lte",
                                   help_text="Created at or before this time.")

    class Meta:
        model = CustomerPanelOrder
        fields = ["customer_id", "status", "created_at_after", "created_at_before"]


class OrderListCreateView(PartnerAPIMixin, generics.ListAPIView):
    """GET: the partner's orders (filters customer_id, status, created_at_after/_before).
    POST: create an order for one of the partner's customers."""

    serializer_class = OrderSerializer
    filter_backends = [NamedFiltersBackend]
    filterset_class = OrderFilter
    queryset = CustomerPanelOrder.objects.none()  # (what the OpenAPI schema describes)
    parser_classes = [JSONParser]  # (order_items is a list of objects: no form carries it)

    def get_queryset(self):
        return selectors.order_rows_for_partner(self.partner)

    def paginate_queryset(self, queryset):
        return selectors.with_order_items(super().paginate_queryset(queryset))

    @extend_schema(request=inputs.OrderCreateSerializer, responses={201: OrderSerializer})
    def post(self, request):
        # (InputErrors answer 400 in the partner API's body: orders.api.exceptions)
        [resolved] = selectors.references_resolve([inputs.order_create_input(request.data)],
                                                  partner=self.partner)
        if isinstance(resolved, inputs.InputErrors):
            raise resolved
        order = services.order_create(order=resolved, actor=request.user, via="api")
        order = selectors.order_row(self.partner, order.pk)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailView(PartnerAPIMixin, generics.RetrieveAPIView):
    serializer_class = OrderSerializer
    queryset = CustomerPanelOrder.objects.none()  # (what the OpenAPI schema describes)

    def get_queryset(self):
        return selectors.order_rows_for_partner(self.partner)

    def get_object(self):
        return selectors.with_order_items([super().get_object()])[0]


class OrderCancelView(PartnerAPIMixin, APIView):
    error_statuses = {"409": "The order's state does not allow it (already canceled)."}

    @extend_schema(request=None, responses={200: OrderSerializer})
    def post(self, request, pk):
        order = get_object_or_404(selectors.orders_for_partner(self.partner), pk=pk)
        services.order_cancel(order=order, actor=request.user, via="api")
        return Response(OrderSerializer(selectors.order_row(self.partner, pk)).data)


class CustomerListCreateView(PartnerAPIMixin, generics.ListCreateAPIView):
    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()  # (what the OpenAPI schema describes)
    parser_classes = [JSONParser]  # (a form cannot carry a null date_of_birth)

    def get_queryset(self):
        return selectors.customers_for_partner(self.partner)

    @extend_schema(request=inputs.CustomerCreateSerializer, responses={201: CustomerSerializer})
    def post(self, request):
        customer = services.customer_create(
            partner=self.partner, **inputs.customer_create_input(request.data)._asdict())
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)


class CustomerDetailView(PartnerAPIMixin, generics.RetrieveAPIView):
    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()  # (what the OpenAPI schema describes)

    def get_queryset(self):
        return selectors.customers_for_partner(self.partner)


class PanelListView(PartnerAPIMixin, generics.ListAPIView):
    serializer_class = PanelSerializer
    queryset = Panel.objects.none()  # (what the OpenAPI schema describes)

    def get_queryset(self):
        return selectors.panels_available()


class TokenAuthView(APIView):
    """POST username and password; answer a new API token for that user."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [LoginRateThrottle]
    serializer_class = TokenAuthSerializer
    error_serializer = PartnerErrorSerializer
    schema = PartnerAutoSchema()
    renderer_classes = [FastJSONRenderer]
    content_negotiation_class = FastContentNegotiation

    def get_exception_handler(self):
        return exception_handler_for(render_partner_error)

    @extend_schema(request=TokenAuthSerializer, responses={200: TokenSerializer})
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
