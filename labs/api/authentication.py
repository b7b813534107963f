"""The lab API's Bearer tokens: the token, its user and the user's company in one query."""

from django.db.models import OuterRef

from labs import selectors
from orders.auth import TOKEN_COLUMNS, BearerTokenAuthentication

# Built once: each query resolves its own copy (building it cost as much as the rest of
# the token's lookup).
COMPANY_ID = selectors.company_id_of_user(OuterRef("user_id"))


class CompanyTokenAuthentication(BearerTokenAuthentication):
    """orders.auth's Bearer token, whose lookup also brings the id of the user's company
    (`lab_company_id`), so IsCompany looks nothing up again."""

    def token_queryset(self):
        return super().token_queryset().only(*TOKEN_COLUMNS).annotate(
            lab_company_id=COMPANY_ID)
