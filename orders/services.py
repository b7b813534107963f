"""Writes of the shared core: API tokens and order history events."""

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from orders.models import (
    TOKEN_PREFIX_LENGTH,
    ApiToken,
    OrderEvent,
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
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> bool:
    """Revoke a token; False when it was revoked already."""
    return bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def demo_api_token(*, user, label: str, abilities: Iterable[str]) -> str:
    """A demo token that stays the same across `seed_demo` runs.

    Its raw value is derived from SECRET_KEY and the label, so re-running the idempotent
    seed prints the same working token; used by demo data only.
    """
    digest = hmac.new(settings.SECRET_KEY.encode(), label.encode(), hashlib.sha256).hexdigest()
    raw = f"demo-{digest[:40]}"
    token = ApiToken.objects.filter(token_hash=hash_token(raw)).first()
    if token is None:
        api_token_create(user=user, label=label, abilities=abilities, raw_token=raw)
    else:
        ApiToken.objects.filter(pk=token.pk).update(
            user=user, abilities=sorted(set(abilities)), revoked_at=None, expires_at=None
        )
    return raw


def order_event_record(
    *,
    order: models.Model,
    action: str,
    via: str,
    actor=None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
) -> OrderEvent:
    """Record one change of an order in its history (call inside the change's transaction)."""
    return OrderEvent.objects.create(
        content_type=ContentType.objects.get_for_model(order, for_concrete_model=True),
        object_id=order.pk,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        via=via,
        note=note,
    )
