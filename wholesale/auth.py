"""The wholesale origin's HTTP Basic authentication: the user's email and password.

A password is hashed once (through `orders.auth.password_login`, so failures count towards
the login lockout like every log-in); then, for BASIC_AUTH_CACHE_TTL seconds, the same email
and password are trusted from a cache entry keyed by a keyed hash of them. The entry keeps
the user's id and a keyed hash of the user's stored password hash, so a password change
ends it at once.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework import authentication, exceptions

from orders.auth import password_login, refuse_if_locked_out
from orders.inputs import text_problem
from wholesale import selectors

INVALID = "Invalid email or password."


def keyed_hash(*parts: str) -> str:
    message = json.dumps(parts).encode()  # an unambiguous joining of the parts
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def credentials_cache_key(email: str, password: str) -> str:
    return "wholesale-basic:" + keyed_hash("credentials", email.lower(), password)


def password_fingerprint(user) -> str:
    return keyed_hash("password", user.password)


def has_trade_account(user) -> bool:
    return selectors.account_for_user(user) is not None


def trusted_user(email: str, password: str):
    """The user these credentials were verified for recently, if still valid, or None."""
    entry = cache.get(credentials_cache_key(email, password))
    if not isinstance(entry, dict):
        return None
    user = get_user_model().objects.filter(pk=entry.get("user"), is_active=True).first()
    if user is None or not hmac.compare_digest(password_fingerprint(user),
                                               str(entry.get("password"))):
        return None  # gone, deactivated, or the password changed since
    return user if has_trade_account(user) else None


class EmailBasicAuthentication(authentication.BasicAuthentication):
    """`Authorization: Basic base64(email:password)`; the email is matched case-insensitively.

    The first active user of that email with a trade account is the one candidate (Django
    does not make emails unique), so a wrong password and the right password of a user
    without a trade account answer the same 401.
    """

    www_authenticate_realm = "wholesale"

    def authenticate_credentials(self, userid, password, request=None):
        user = trusted_user(userid, password)
        if user is not None:
            refuse_if_locked_out(request, userid)  # a trusted entry does not pass a lockout
            return user, None
        candidate = None
        if not text_problem(userid):  # the database cannot even look up a NUL
            candidate = get_user_model().objects.filter(
                email__iexact=userid, is_active=True, trade_accounts__isnull=False,
            ).order_by("pk").first()
        # No candidate (no such email, or its users have no trade account) costs one hash
        # and fails, like a wrong password.
        user = password_login(request, identifier=userid, password=password, user=candidate)
        if user is None:
            raise exceptions.AuthenticationFailed(INVALID)
        cache.set(credentials_cache_key(userid, password),
                  {"user": user.pk, "password": password_fingerprint(user)},
                  settings.BASIC_AUTH_CACHE_TTL)
        return user, None
