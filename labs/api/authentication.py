"""The lab API's Bearer tokens: the token, its user and the user's company in one query."""

from django.db.models import OuterRef

from labs import selectors
from orders.auth import BearerTokenAuthentication

# Built once: each query resolves its own copy (building it cost as much as the rest of
# the token's lookup).
COMPANY_ID = selectors.company_id_of_user(OuterRef("user_id"))
# What the token's checks read (orders.auth, HasAbility): the lab API is read-only and
# reads nothing else of the user, so the rest of both rows (a password hash among them)
# is not fetched.
TOKEN_COLUMNS = ["user", "abilities", "expires_at", "revoked_at", "last_used_at",
                 "user__is_active"]


class CompanyTokenAuthentication(BearerTokenAuthentication):
    """orders.auth's Bearer token, whose lookup also brings the id of the user's company
    (`lab_company_id`), so IsCompany looks nothing up again."""

    def token_queryset(self):
        return super().token_queryset().only(*TOKEN_COLUMNS).annotate(
            lab_company_id=COMPANY_ID)
