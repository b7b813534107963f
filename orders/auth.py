"""Bearer-token authentication and ability checks for every domain API."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from orders.models import ApiToken, hash_token

# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>` against ApiToken (hash lookup)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None  # another scheme (Basic, ...) is for another authenticator
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: expected 'Bearer <token>'."
            )
        return self.authenticate_token(parts[1])

    def authenticate_token(self, raw_token: str):
        token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(raw_token))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.is_revoked:
            raise exceptions.AuthenticationFailed("Token has been revoked.")
        if token.is_expired:
            raise exceptions.AuthenticationFailed("Token has expired.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword  # makes DRF answer 401 (not 403) without credentials


def request_has_ability(request, ability: str) -> bool:
    """A token must carry the ability; other authentication (Basic, session) carries all."""
    token = request.auth
    if isinstance(token, ApiToken):
        return token.has_ability(ability)
    return request.user is not None and request.user.is_authenticated


class HasAbility(permissions.BasePermission):
    """Checks `view.required_abilities`: a mapping of HTTP method to ability.

    Methods not in the mapping need `view.required_abilities["*"]` if present, else none.
    """

    message = "This token lacks the ability this request needs."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        required = getattr(view, "required_abilities", {})
        ability = required.get(request.method, required.get("*"))
        if ability is None:
            return True
        if not request_has_ability(request, ability):
            self.message = f"This token lacks the '{ability}' ability."
            return False
        return True


READ_WRITE_ABILITIES = {
    "GET": "orders:read",
    "HEAD": "orders:read",
    "OPTIONS": "orders:read",
    "POST": "orders:write",
    "PUT": "orders:write",
    "PATCH": "orders:write",
    "DELETE": "orders:write",
}
