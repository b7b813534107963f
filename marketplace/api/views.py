from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import AuthenticationFailed, NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace import inputs, selectors, services
from marketplace.api.schema import MarketplaceAutoSchema  # (and the bodies' extensions)
from marketplace.api.serializers import (
    MarketplaceErrorSerializer,
    MarketplaceLogInResponseSerializer,
    MarketplaceLogInSerializer,
    MarketplaceMessageSerializer,
    MarketplaceOrderSerializer,
    MarketplaceRecordSerializer,
)
from marketplace.models import PUBLIC_ID_LENGTH
from orders.api.exceptions import ApiError, exception_handler_for
from orders.api.fields import query_int
from orders.api.renderers import FastContentNegotiation, FastJSONRenderer
from orders.auth import (
    READ_WRITE_ABILITIES,
    TOKEN_COLUMNS,
    BearerTokenAuthentication,
    HasAbility,
    LoginRateThrottle,
    password_login,
)
from orders.inputs import BIGINT_MAX, InputErrors, text_problem
from orders.services import login_token_create

CUSTOMER, MERCHANT, ANY_ACCOUNT = "customer", "merchant", "any"
SORT_DIRECTIONS = {"asc": "", "1": "", "desc": "-", "-1": "-"}
# page_of's bounds (orders.api.fields.query_int): a limit of at least 1, an offset of 0 up.
LIST_PARAMETERS = [
    OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX},
                     description="How many to return (default: all)."),
    OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": BIGINT_MAX,
                                "default": 0},
                     description="Index to start at (default 0)."),
    OpenApiParameter("sort", str, enum=list(SORT_DIRECTIONS),
                     description="asc/1 oldest first (default), desc/-1 newest first."),
]
# A list's answer: the bare array of the page, and the total in a header (`listed`).
TOTAL_HEADER = OpenApiParameter("X-Total-Count", {"type": "integer", "minimum": 0},
                                OpenApiParameter.HEADER, response=[200], required=True,
                                description="How many match, over all pages.")


def public_id_parameter(name: str, what: str) -> OpenApiParameter:
    """A path's public id: 24 lowercase hex characters (any other text names nothing: 404)."""
    return OpenApiParameter(name, str, OpenApiParameter.PATH, required=True,
                            pattern=rf"^[0-9a-f]{{{PUBLIC_ID_LENGTH}}}$",
                            description=f"The {what}'s id (`_id`).")


CUSTOMER_ID = public_id_parameter("customer_id", "customer")
MERCHANT_ID = public_id_parameter("merchant_id", "merchant")
ORDER_ID = public_id_parameter("order_id", "order")
RECORD_ID = public_id_parameter("record_id", "record")


def render_marketplace_error(error: ApiError) -> dict:
    """The origin's error body."""
    return {"error_message": error.message, "response_code": error.status}


marketplace_exception_handler = exception_handler_for(render_marketplace_error)


@csrf_exempt
def endpoint_not_found(request, *args, **kwargs):
    """Paths under the marketplace's prefixes that match no endpoint: 404 in its body."""
    message = f"No endpoint {request.method} {request.path}."
    return JsonResponse({"error_message": message, "response_code": 404}, status=404)


class MarketplaceTokenAuthentication(BearerTokenAuthentication):
    """The Bearer token, with the user's customer and merchant accounts (their ids) loaded
    in its one query: every request needs one of them (a single principal lookup)."""

    _tokens = None  # token_queryset(), built once (each filter() clones it)

    def token_queryset(self):
        cls = type(self)
        if cls._tokens is None:
            cls._tokens = super().token_queryset().only(*TOKEN_COLUMNS).annotate(
                **selectors.account_annotations())
        return cls._tokens

    def authenticate_token(self, raw_token: str):
        user, token = super().authenticate_token(raw_token)
        selectors.accounts_attach(user, token)
        return user, token


class IsMarketplaceAccount(permissions.BasePermission):
    """`view.account_kinds` maps a method to the account it needs: customer, merchant or
    any of the two. Sets `view.customer` / `view.merchant` for the view."""

    def has_permission(self, request, view):
        kind = view.account_kinds.get(request.method)
        if kind is None:
            return True  # a method the view does not have: 405 follows
        view.customer = selectors.customer_for_user(request.user)
        view.merchant = selectors.merchant_for_user(request.user)
        allowed = {
            CUSTOMER: view.customer is not None,
            MERCHANT: view.merchant is not None,
            ANY_ACCOUNT: view.customer is not None or view.merchant is not None,
        }[kind]
        if not allowed:
            self.message = (
                "This request needs a marketplace customer or merchant account."
                if kind == ANY_ACCOUNT else f"This request is for {kind} accounts only."
            )
        return allowed


class MarketplaceAPIView(APIView):
    """Bearer token with abilities, the right kind of account, the origin's error body."""

    authentication_classes = [MarketplaceTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated, HasAbility, IsMarketplaceAccount]
    renderer_classes = [FastJSONRenderer]  # DRF's JSON bytes, by orjson
    content_negotiation_class = FastContentNegotiation
    required_abilities = READ_WRITE_ABILITIES
    account_kinds: dict[str, str] = {}
    error_serializer = MarketplaceErrorSerializer  # the schema's 4xx (orders.api.schema)
    schema = MarketplaceAutoSchema()

    def get_exception_handler(self):
        return marketplace_exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # An id in the path with a NUL character names nothing (and PostgreSQL text
        # cannot hold one): 404, as any other unknown id.
        for name, value in kwargs.items():
            if "\x00" in value:
                raise NotFound(f"No {name.removesuffix('_id')} with id {value!r}.")


def page_of(request, queryset, *, sort_fields: tuple[str, ...], rows=None):
    """Sorted by `sort`, sliced by `offset` and `limit` (default: all), and the total of
    `queryset`. `rows`: the same scope as the rows to answer (selectors' `rows_of`), whose
    joins the count does not need."""
    raw_sort = request.query_params.get("sort", "asc")
    if raw_sort not in SORT_DIRECTIONS:
        raise ValidationError({"sort": [f"Must be one of asc, 1, desc, -1; got {raw_sort!r}."]})
    limit = query_int(request, "limit", default=None, minimum=1)
    offset = query_int(request, "offset", default=0, minimum=0)
    ordering = [SORT_DIRECTIONS[raw_sort] + name for name in (*sort_fields, "id")]
    end = None if limit is None else offset + limit
    page = (queryset if rows is None else rows).order_by(*ordering)[offset:end]
    return list(page), queryset.count()


def listed(data, total: int) -> Response:
    return Response(data, headers={"X-Total-Count": str(total)})


# --- orders ---------------------------------------------------------------------------


class OrderCreateView(MarketplaceAPIView):
    """A customer turns a merchant's record into an order (the seed says PUT, its curl
    POSTs: both create)."""

    account_kinds = {"POST": CUSTOMER, "PUT": CUSTOMER}

    @extend_schema(parameters=[MERCHANT_ID, RECORD_ID], request=inputs.OrderCreateBody,
                   responses={201: MarketplaceOrderSerializer})
    def post(self, request, merchant_id, record_id):
        order = inputs.order_create_input(request.data)
        try:
            order_id = services.order_create(
                customer_id=self.customer.public_id, merchant_id=merchant_id,
                record_id=record_id, order=order, actor=request.user, via="api")
        except InputErrors as exc:  # an id in the path that names no listed record
            raise NotFound(" ".join(message for _, message in exc.pairs())) from None
        order = selectors.orders_for_customer(self.customer).get(pk=order_id)
        return Response(MarketplaceOrderSerializer(order).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[MERCHANT_ID, RECORD_ID], request=inputs.OrderCreateBody,
                   responses={201: MarketplaceOrderSerializer})
    def put(self, request, merchant_id, record_id):
        return self.post(request, merchant_id, record_id)


class CustomerOrderListView(MarketplaceAPIView):
    account_kinds = {"GET": CUSTOMER}

    @extend_schema(parameters=[CUSTOMER_ID, *LIST_PARAMETERS, TOTAL_HEADER],
                   responses=MarketplaceOrderSerializer(many=True))
    def get(self, request, customer_id):
        if customer_id != self.customer.public_id:
            raise NotFound(f"No customer with id {customer_id}.")
        rows = selectors.order_scope_for_customer(self.customer, rows_of=MarketplaceOrderSerializer)
        orders, total = page_of(request, selectors.order_scope_for_customer(self.customer),
                                sort_fields=("created_at",), rows=rows)
        return listed(MarketplaceOrderSerializer.represent_rows(orders), total)


class MerchantOrderListView(MarketplaceAPIView):
    account_kinds = {"GET": MERCHANT}

    @extend_schema(parameters=[MERCHANT_ID, *LIST_PARAMETERS, TOTAL_HEADER],
                   responses=MarketplaceOrderSerializer(many=True))
    def get(self, request, merchant_id):
        if merchant_id != self.merchant.public_id:
            raise NotFound(f"No merchant with id {merchant_id}.")
        rows = selectors.order_scope_for_merchant(self.merchant, rows_of=MarketplaceOrderSerializer)
        orders, total = page_of(request, selectors.order_scope_for_merchant(self.merchant),
                                sort_fields=("created_at",), rows=rows)
        return listed(MarketplaceOrderSerializer.represent_rows(orders), total)


class OrderUpdateView(MarketplaceAPIView):
    account_kinds = {"PUT": MERCHANT}
    error_statuses = {"409": "The order changed since the `__v` given, or its status "
                             "cannot move to the one given."}

    @extend_schema(parameters=[ORDER_ID], request=inputs.OrderUpdateBody,
                   responses=MarketplaceOrderSerializer)
    def put(self, request, order_id):
        order = selectors.orders_for_merchant(self.merchant).filter(public_id=order_id).first()
        if order is None:
            raise NotFound(f"No order with id {order_id}.")
        update = inputs.order_update_input(request.data)
        services.order_update(order=order, changes=update.changes,
                              expected_version=update.expected_version, actor=request.user,
                              via="api")
        order = selectors.orders_for_merchant(self.merchant).get(pk=order.pk)
        return Response(MarketplaceOrderSerializer(order).data)


class OrderCancelView(MarketplaceAPIView):
    account_kinds = {"DELETE": CUSTOMER}
    error_statuses = {"409": "The order is no longer in progress."}

    @extend_schema(parameters=[ORDER_ID, CUSTOMER_ID],
                   responses={200: MarketplaceMessageSerializer})
    def delete(self, request, order_id, customer_id):
        if customer_id != self.customer.public_id:
            raise NotFound(f"No customer with id {customer_id}.")
        order = selectors.orders_for_customer(self.customer).filter(public_id=order_id).first()
        if order is None:
            raise NotFound(f"No order with id {order_id}.")
        services.order_cancel(order=order, actor=request.user, via="api")
        return Response({"success_message": "Order cancelled", "response_code": 200})


# --- records --------------------------------------------------------------------------


class RecordListCreateView(MarketplaceAPIView):
    account_kinds = {"GET": ANY_ACCOUNT, "POST": MERCHANT}

    @extend_schema(
        parameters=[OpenApiParameter("artist", str, pattern="^[^\\u0000]*$",
                                     description="Artist contains (any case)."),
                    *LIST_PARAMETERS[:2],
                    OpenApiParameter("sort", str, enum=list(SORT_DIRECTIONS),
                                     description="asc/1 by artist and title, desc/-1 reverse."),
                    TOTAL_HEADER],
        responses=MarketplaceRecordSerializer(many=True),
    )
    def get(self, request):
        records = selectors.records_listed_scope()
        rows = selectors.records_listed_scope(rows_of=MarketplaceRecordSerializer)
        if artist := request.query_params.get("artist", "").strip():
            if problem := text_problem(artist):
                raise ValidationError({"artist": [problem]})
            records = records.filter(artist__icontains=artist)
            rows = rows.filter(artist__icontains=artist)
        page, total = page_of(request, records, sort_fields=("artist", "title"), rows=rows)
        return listed(MarketplaceRecordSerializer.represent_rows(page), total)

    @extend_schema(request=inputs.RecordBody, responses={201: MarketplaceRecordSerializer})
    def post(self, request):
        fields = inputs.record_input(request.data)
        record = services.record_create(merchant=self.merchant, fields=fields)
        return Response(MarketplaceRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class RecordDetailView(MarketplaceAPIView):
    account_kinds = {"GET": ANY_ACCOUNT, "PUT": MERCHANT}

    @extend_schema(parameters=[RECORD_ID], responses=MarketplaceRecordSerializer)
    def get(self, request, record_id):
        row = self.record(selectors.records_listed_scope(rows_of=MarketplaceRecordSerializer))
        return Response(MarketplaceRecordSerializer.represent_rows([row])[0])

    @extend_schema(parameters=[RECORD_ID], request=inputs.RecordBody(partial=True),
                   responses=MarketplaceRecordSerializer)
    def put(self, request, record_id):
        record = self.record(selectors.records_for_merchant(self.merchant))
        fields = inputs.record_input(request.data, partial=True)
        record = services.record_update(record=record, fields=fields)
        return Response(MarketplaceRecordSerializer(record).data)

    def record(self, records):
        """The record of the path's id (unique: no ORDER BY, as `.first()` would add)."""
        record_id = self.kwargs["record_id"]
        found = list(records.filter(public_id=record_id).order_by()[:1])
        if not found:
            raise NotFound(f"No record with id {record_id}.")
        return found[0]


class RecordRemoveView(MarketplaceAPIView):
    account_kinds = {"DELETE": MERCHANT}
    error_statuses = {"409": "The record has orders in progress."}

    @extend_schema(parameters=[RECORD_ID, MERCHANT_ID],
                   responses={200: MarketplaceMessageSerializer})
    def delete(self, request, record_id, merchant_id):
        if merchant_id != self.merchant.public_id:
            raise NotFound(f"No merchant with id {merchant_id}.")
        record = selectors.records_for_merchant(self.merchant).filter(public_id=record_id).first()
        if record is None:
            raise NotFound(f"No record with id {record_id}.")
        services.record_remove(record=record)
        return Response({"success_message": "Record deleted", "response_code": 200})


# --- log-in ---------------------------------------------------------------------------


class LogInView(APIView):
    """`email` and `password` of a customer (or merchant) account -> a new API token."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [LoginRateThrottle]
    kind = CUSTOMER
    error_serializer = MarketplaceErrorSerializer
    error_statuses = {"401": "Wrong email or password (or not an account of this kind)."}
    schema = MarketplaceAutoSchema()

    def get_exception_handler(self):
        return marketplace_exception_handler

    def get_authenticate_header(self, request):
        return "Bearer"  # wrong credentials answer 401 (DRF makes it 403 without a scheme)

    @extend_schema(request=MarketplaceLogInSerializer, responses=MarketplaceLogInResponseSerializer)
    def post(self, request):
        credentials = MarketplaceLogInSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        email = credentials.validated_data["email"]
        find = selectors.customer_by_email if self.kind == CUSTOMER else selectors.merchant_by_email
        account = find(email)  # the account is the principal: its user is in the domain
        user = password_login(request, identifier=email,
                              password=credentials.validated_data["password"],
                              user=account.user if account else None)
        if user is None:
            raise AuthenticationFailed(f"Wrong email or password for a {self.kind} account.")
        _, raw = login_token_create(user=user, label=f"marketplace {self.kind} log-in",
                                    abilities=["orders:read", "orders:write"])
        return Response({"secret token": raw})
