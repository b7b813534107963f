"""The Bearer token of orders.auth, with the caller's trade account in the same query."""

from django.db.models import OuterRef

from orders.auth import BearerTokenAuthentication
from orders.models import ApiToken
from wholesale import selectors

NOT_LOOKED_UP = object()  # request.auth of another authentication: no trade_account_id


class TradeAccountTokenAuthentication(BearerTokenAuthentication):
    """BearerTokenAuthentication whose token lookup also reads the id of the user's trade
    account (`token.trade_account_id`, None for none), so a request looks its principal
    up once: the token, the user and the account in one query."""

    # Built once: a request only adds its filter (building the join and the subquery
    # again is a fifth of the lookup's time).
    tokens = (ApiToken.objects.select_related("user")
              .annotate(trade_account_id=selectors.first_account_id_of(OuterRef("user_id"))))

    def token_queryset(self):
        return self.tokens.all()
