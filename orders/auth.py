"""Bearer-token authentication, ability checks, and the one way a password is checked.

Logins: django-axes counts wrong passwords per username and per client address in Django's
cache (settings: AXES_*, LOGIN_*); `password_login` is how every API log-in (and wholesale
HTTP Basic) checks a password, the admin login goes through axes' authentication backend.
`LoginRateThrottle` adds a plain request rate per address on the log-in endpoints.
"""

import math
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.contrib import admin
from django.contrib.auth.hashers import make_password
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import render
from django.utils import timezone
from rest_framework import authentication, exceptions, permissions
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from orders.models import ApiToken, hash_token

# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# What a request reads of a token and its user: the checks below, the abilities, and the
# user's pk (a change's actor). A domain's token_queryset may fetch only these: the rest of
# the user's row (its password hash among it) stays in the database.
TOKEN_COLUMNS = ("user", "abilities", "last_used_at", "expires_at", "revoked_at",
                 "user__is_active")


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

    def token_queryset(self):
        """The tokens looked up, with their user. A domain's subclass adds what its
        permissions read of the principal behind the user (select_related, or an
        annotation), so that token, user and principal cost one query."""
        return ApiToken.objects.select_related("user")

    def authenticate_token(self, raw_token: str):
        token = self.token_queryset().filter(token_hash=hash_token(raw_token)).first()
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


# --- logins ----------------------------------------------------------------------------


class LoginLockedOut(exceptions.Throttled):
    """Too many failed log-ins for the identifier or the address: 429 with Retry-After."""

    default_detail = "Too many failed log-in attempts for this account or from this address."
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."


def login_identifier(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: what failures are counted under, the username or email as
    given, lower-cased so that `Bob` and `bob` share one counter."""
    value = (credentials or {}).get("username")
    return value.strip().lower() if isinstance(value, str) else None


def client_address(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client's address by DRF's rule (REMOTE_ADDR, or
    X-Forwarded-For as far back as NUM_PROXIES trusts), so axes and throttles agree."""
    return BaseThrottle().get_ident(request)


def lockout_seconds(request) -> int:
    """How long a refusal can still last: it ends LOGIN_COOLOFF after the last counted
    failure, and a refused attempt is not counted."""
    return int(get_cool_off(request).total_seconds())


def refuse_if_locked_out(request, identifier: str) -> None:
    """Raise LoginLockedOut while axes refuses this identifier or this client address."""
    http_request = getattr(request, "_request", request)  # a DRF request wraps Django's
    if not AxesProxyHandler.is_allowed(http_request, {"username": identifier}):
        raise LoginLockedOut(wait=lockout_seconds(http_request))


def password_login(request, *, identifier: str, password: str, user, in_domain=None):
    """Check a password the one way every API log-in does: the user, or None for a failure.

    `user` is the one candidate the domain found for `identifier` (None if there is none);
    `in_domain(user)` says whether the user is a principal of the domain. Raises
    LoginLockedOut while axes refuses the identifier or the address, even for the right
    password. Otherwise the password hasher runs exactly once, for an unknown user too,
    and an inactive user or one outside the domain fails like a wrong password: counted by
    axes, and None.
    """
    http_request = getattr(request, "_request", request)
    refuse_if_locked_out(http_request, identifier)
    # Asked before the password is checked, so a right password costs no extra time.
    allowed = user is not None and user.is_active and (in_domain is None or in_domain(user))
    if user is None or not user.has_usable_password():
        make_password(password)  # the cost of a real check, as Django's ModelBackend does
        correct = False
    else:
        correct = user.check_password(password)
    if correct and allowed:
        return user
    user_login_failed.send(sender=__name__, credentials={"username": identifier},
                           request=http_request)
    return None


def admin_lockout_response(request, original_response, credentials):
    """AXES_LOCKOUT_CALLABLE, for the admin login (API log-ins answer LoginLockedOut).

    The failure that reaches the limit was counted (`axes_failures_since_start`) and keeps
    its own answer, as on the APIs; an attempt refused after it gets the lockout page.
    """
    if getattr(request, "axes_failures_since_start", None) is not None:
        return original_response
    seconds = lockout_seconds(request)
    context = {**admin.site.each_context(request), "title": "Log-in refused",
               "minutes": math.ceil(seconds / 60)}
    response = render(request, "axes/lockout.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


class LoginRateThrottle(SimpleRateThrottle):
    """Requests to a log-in endpoint per client address, failed or not (LOGIN_RATE)."""

    scope = "login"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]  # read now, not at import

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
