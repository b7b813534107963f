"""The restaurant orders API: JSON:API resources, configured on these views only."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_json_api.metadata import JSONAPIMetadata
from rest_framework_json_api.views import PreloadIncludesMixin

from orders.api.parsers import JSONParser
from orders.auth import (
    READ_WRITE_ABILITIES,
    BearerTokenAuthentication,
    HasAbility,
    LoginRateThrottle,
    password_login,
)
from orders.inputs import BIGINT_MAX, InputError, short_repr, strict_int, text_problem
from orders.models import ApiToken
from orders.services import login_token_create
from restaurant import inputs, selectors, services
from restaurant.api.jsonapi import (
    InvalidQueryParameter,
    JsonApiAlways,
    OrderDocumentParser,
    OrderDocumentRenderer,
    OrderPagination,
    PlainOrderParser,
    json_api_errors,
)
from restaurant.api.schema import JsonApiAutoSchema
from restaurant.api.serializers import (
    ErrorsSerializer,
    OrderDeletedSerializer,
    OrderSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from restaurant.inputs import OrderCreateRules, OrderUpdateRules
from restaurant.models import Order

INCLUDES = list(OrderSerializer.included_serializers)
# `sort` as the seed writes it ("order_id desc") or as JSON:API does ("-order_id").
SORT_KEYS = {"order_id": "id", "created_at": "created_at"}
SORT_VALUES = [f"{key} {direction}" for key in SORT_KEYS for direction in ("asc", "desc")] + [
    f"{sign}{key}" for key in SORT_KEYS for sign in ("", "-")]
FILTERS = ["customer", "location", "status", "search"]
LIST_PARAMETERS = {"page", "pageLimit", "sort", "include", *FILTERS}


def sort_fields(raw: str | None) -> list[str]:
    if not raw:
        return ["id"]
    fields = []
    for part in raw.split(","):
        words = part.split()
        key, direction = (words + ["asc"])[:2] if len(words) in (1, 2) else ("", "")
        descending = key.startswith("-")
        key = key.lstrip("-")
        if key not in SORT_KEYS or direction not in ("asc", "desc") or (
                descending and len(words) == 2):
            raise InvalidQueryParameter(
                "sort", f"Unsupported sort {part.strip()!r}; use order_id asc, order_id "
                        "desc, created_at asc, created_at desc (or order_id, -order_id, "
                        "created_at, -created_at).")
        descending = descending or direction == "desc"
        fields.append(("-" if descending else "") + SORT_KEYS[key])
    return fields


def query_id(name: str, raw: str) -> int:
    """A filter's id: ASCII digits, 0 to the largest bigint (orders.inputs.strict_int)."""
    try:
        return strict_int(raw, field=name, minimum=0, maximum=BIGINT_MAX)
    except InputError as exc:
        raise InvalidQueryParameter(name, f"{name} must be an id: {exc.message}") from None


class OrderListFilter(BaseFilterBackend):
    """The seed's list parameters: `customer`, `location`, `status` (ids), `search`, and
    `sort` in the seed's or JSON:API's form. (djangorestframework-jsonapi's own backends
    expect `filter[...]` and `sort=-x` only.)"""

    def filter_queryset(self, request, queryset, view):
        params = request.query_params
        for name in ["customer", "location", "status"]:
            raw = params.get(name)
            if raw is None or raw == "":
                continue
            queryset = queryset.filter(**{f"{name}_id": query_id(name, raw)})
        if params.get("search"):
            if problem := text_problem(params["search"]):
                raise InvalidQueryParameter("search", f"search: {problem}")
            queryset = selectors.orders_search(queryset, params["search"].strip())
        return queryset.order_by(*sort_fields(params.get("sort")), "id")

    def get_schema_operation_parameters(self, view):
        def parameter(name, schema, description, **extra):
            # An empty value (`?status=`) is no filter: allowEmptyValue says so.
            return {"name": name, "in": "query", "required": False, "schema": schema,
                    "description": description, "allowEmptyValue": True, **extra}

        an_id = {"type": "integer", "minimum": 0, "maximum": BIGINT_MAX}
        return [
            parameter("customer", an_id, "Orders of this customer id."),
            parameter("location", an_id, "Orders at this location id."),
            parameter("status", an_id, "Orders with this status id."),
            parameter("search", {"type": "string", "pattern": "^[^\\u0000]*$"},
                      "Order id (exact), names, email or telephone (contains)."),
            parameter("sort", {"type": "array", "items": {"type": "string",
                                                          "enum": SORT_VALUES}},
                      "Comma separated, in the seed's form (`order_id desc`) or JSON:API's "
                      "(`-order_id`); default order_id asc.", style="form", explode=False),
        ]


class IsRestaurantCaller(permissions.BasePermission):
    """Staff see every order; customers see and create their own, and may not change
    or delete them."""

    message = "This user is neither restaurant staff nor a restaurant customer."

    def has_permission(self, request, view):
        view.caller = selectors.caller_for_user(request.user)
        if view.caller is None:
            return False
        if not view.caller.is_staff and request.method in ("PUT", "PATCH", "DELETE"):
            self.message = "Customer tokens may not update or delete orders."
            return False
        return True


class RestaurantTokenAuthentication(BearerTokenAuthentication):
    """The Bearer token with its user's staff member and customer, in one query: the
    permission (IsRestaurantCaller) finds the caller without another lookup."""

    def token_queryset(self):
        return ApiToken.objects.select_related(
            "user", *(f"user__{name}" for name in selectors.PRINCIPAL_RELATIONS))


class JsonApiViewMixin:
    """JSON:API on this domain's views: parsers, renderer, negotiation, metadata, errors."""

    parser_classes = [OrderDocumentParser, PlainOrderParser]
    renderer_classes = [OrderDocumentRenderer]
    schema = JsonApiAutoSchema()
    error_serializer = ErrorsSerializer
    content_negotiation_class = JsonApiAlways
    metadata_class = JSONAPIMetadata

    def get_exception_handler(self):
        return json_api_errors


class CallerOrdersMixin:
    """The caller's orders; PreloadIncludesMixin (above it) adds the joins `include` asks
    for."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no caller
            return Order.objects.none()
        return selectors.orders_for_caller(self.caller)


include_parameter = OpenApiParameter(
    "include", {"type": "array", "items": {"type": "string", "enum": INCLUDES}},
    style="form", explode=False,
    description="Related resources to add under `included`, comma separated.")


@extend_schema_view(
    list=extend_schema(summary="List orders", parameters=[include_parameter]),
    retrieve=extend_schema(summary="Retrieve an order", parameters=[include_parameter]),
    create=extend_schema(summary="Create an order", request=OrderCreateRules,
                         responses={201: OrderSerializer}),
    partial_update=extend_schema(summary="Update an order", request=OrderUpdateRules,
                                 responses={200: OrderSerializer}),
    update=extend_schema(summary="Update an order", request=OrderUpdateRules,
                         responses={200: OrderSerializer}),
    destroy=extend_schema(summary="Delete an order", responses={200: OrderDeletedSerializer}),
)
class OrderViewSet(JsonApiViewMixin, PreloadIncludesMixin, CallerOrdersMixin,
                   viewsets.GenericViewSet):
    """`/api/orders` and `/api/orders/{order_id}` as the restaurant seed documents them."""

    resource_name = "orders"
    authentication_classes = [RestaurantTokenAuthentication]
    serializer_class = OrderSerializer
    pagination_class = OrderPagination
    filter_backends = [OrderListFilter]
    permission_classes = [permissions.IsAuthenticated, HasAbility, IsRestaurantCaller]
    required_abilities = READ_WRITE_ABILITIES
    lookup_url_kwarg = "pk"
    # Each include costs at most one join or one query, never one per order.
    select_for_includes = {
        "customer": ["customer"], "location": ["location"], "address": ["address"],
        "payment_method": ["payment_method"], "status": ["status"],
        "assignee": ["assignee"], "assignee_group": ["assignee_group"],
    }

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action is not None:  # (a method the path has not: its 405 comes first)
            self.query_parameters_check(request)

    def query_parameters_check(self, request):
        allowed = LIST_PARAMETERS if self.action == "list" else {"include"}
        if request.method not in ("GET", "HEAD"):
            allowed = {"include"}
        for name in request.query_params:
            if name not in allowed:
                raise InvalidQueryParameter(
                    name, f"Unsupported query parameter {name!r}; this endpoint accepts: "
                          + ", ".join(sorted(allowed)) + ".")
        raw = request.query_params.get("include")
        if raw is not None:
            names = [n.strip() for n in raw.split(",") if n.strip()]
            unknown = [n for n in names if n not in INCLUDES]
            if unknown:
                raise InvalidQueryParameter(
                    "include", f"Unsupported include {', '.join(unknown)!s}; options are: "
                               + ", ".join(INCLUDES) + ".")
            # The JSON:API renderer reads `include` itself: hand it the trimmed names
            # (the seed writes "?include= customer,location").
            query = request._request.GET.copy()
            query["include"] = ",".join(names)
            request._request.GET = query

    def get_object(self):
        try:  # a path id that is no bigint names no order
            pk = strict_int(self.kwargs["pk"], minimum=1)
        except InputError:
            raise NotFound(f"No order with id {short_repr(self.kwargs['pk'])}.") from None
        order = self.get_queryset().filter(pk=pk).first()
        if order is None:
            raise NotFound(f"No order with id {self.kwargs['pk']}.")
        return selectors.order_children_attach([order])[0]

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        selectors.order_children_attach(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        order = services.order_create(
            order=selectors.order_create_checked(
                request.data, customer=None if self.caller.is_staff else self.caller.customer),
            actor=request.user,
            via="api",
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        self.kwargs["pk"] = order.pk
        return Response(self.get_serializer(self.get_object()).data,
                        status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        order = self.get_object()
        changes = selectors.changes_resolved(inputs.order_update_input(request.data))
        services.order_update(order=order, changes=changes, actor=request.user, via="api")
        return Response(self.get_serializer(self.get_object()).data)

    def update(self, request, pk=None):
        return self.partial_update(request, pk)

    def destroy(self, request, pk=None):
        order_id = services.order_delete(order=self.get_object(), actor=request.user,
                                         via="api")
        self.resource_name = False  # the seed's plain deletion object, not a resource
        return Response({"id": order_id, "object": "order", "deleted": True})


class TokenView(JsonApiViewMixin, APIView):
    """POST email, password, device_name (and abilities): a new token for that staff
    member or customer."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [LoginRateThrottle]
    parser_classes = [JSONParser]
    resource_name = False  # answers the origin's plain {"status_code", "token"}
    serializer_class = TokenRequestSerializer

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenResponseSerializer})
    def post(self, request):
        credentials = TokenRequestSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        email = credentials.validated_data["email"]
        user = password_login(
            request, identifier=email, password=credentials.validated_data["password"],
            user=get_user_model().objects.filter(
                email__iexact=email, is_active=True).order_by("pk").first(),
            in_domain=lambda user: selectors.caller_for_user(user) is not None,
        )
        if user is None:  # a wrong password, or a user who is neither staff nor customer
            raise ValidationError({"email": ["The provided credentials are incorrect."]})
        _, raw = login_token_create(
            user=user, label=credentials.validated_data["device_name"],
            abilities=credentials.validated_data.get("abilities") or ["*"],
        )
        return Response({"status_code": 201, "token": raw}, status=status.HTTP_201_CREATED)
