"""Writes of the shared core: API tokens and order history events."""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from orders.models import (
    TOKEN_PREFIX_LENGTH,
    ApiToken,
    generate_raw_token,
    hash_token,
)


def api_token_create(
    *,
    user,
    label: str = "",
    abilities: Iterable[str] = ("orders:read", "orders:write"),
    expires_at: datetime | None = None,
    raw_token: str | None = None,
    issued_by_login: bool = False,
) -> tuple[ApiToken, str]:
    """Create a token; return it with its raw value, which is never stored."""
    raw = raw_token or generate_raw_token()
    token = ApiToken.objects.create(
        user=user,
        label=label,
        abilities=sorted(set(abilities)),
        expires_at=expires_at,
        prefix=raw[:TOKEN_PREFIX_LENGTH],
        token_hash=hash_token(raw),
        issued_by_login=issued_by_login,
    )
    return token, raw


def login_token_create(
    *, user, label: str, abilities: Iterable[str]
) -> tuple[ApiToken, str]:
    """The token a log-in endpoint answers: it expires after LOGIN_TOKEN_TTL, and the user's
    live log-in tokens beyond the newest LOGIN_TOKENS_PER_USER are revoked, oldest first."""
    now = timezone.now()
    with transaction.atomic():
        # One log-in of a user at a time, so two together cannot both keep the cap's last slot.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        token, raw = api_token_create(user=user, label=label, abilities=abilities,
                                      expires_at=now + settings.LOGIN_TOKEN_TTL,
                                      issued_by_login=True)
        live = ApiToken.objects.filter(
            user=user, issued_by_login=True, revoked_at__isnull=True, expires_at__gt=now)
        beyond_cap = live.order_by("-created_at", "-pk").values_list("pk", flat=True)[
            settings.LOGIN_TOKENS_PER_USER:]
        ApiToken.objects.filter(pk__in=list(beyond_cap)).update(revoked_at=now)
    return token, raw


def api_token_revoke(*, token: ApiToken) -> bool:
    """Revoke a token; False when it was revoked already."""
    return bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def demo_api_token(*, user, label: str, abilities: Iterable[str]) -> str:
    """A fresh random demo token for `seed_demo` to print (only a hash is stored, so a
    re-run cannot print the previous one). The user's still-live demo token of that label
    is revoked, so they do not pile up; revoked ones stay revoked."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, label=label, revoked_at__isnull=True).exclude(
        expires_at__lte=now).update(revoked_at=now)
    _, raw = api_token_create(user=user, label=label, abilities=abilities)
    return raw
