import hashlib
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

TOKEN_PREFIX_LENGTH = 8
# Every ability a token can carry: "*" grants everything, "orders:*" every "orders:" one.
ABILITIES = ["*", "orders:*", "orders:read", "orders:write"]


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def generate_raw_token() -> str:
    return secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """A bearer token of a user. Only its hash is stored; the raw value is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=TOKEN_PREFIX_LENGTH, db_index=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    abilities = models.JSONField(
        default=list, blank=True, help_text='For example ["orders:read", "orders:write"].'
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Issued by a log-in endpoint: expires after LOGIN_TOKEN_TTL, and a user keeps at most
    # LOGIN_TOKENS_PER_USER live ones (orders.services.login_token_create).
    issued_by_login = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.label or 'no label'}) of {self.user}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def abilities_are_known(self) -> bool:
        abilities = self.abilities
        return isinstance(abilities, list) and all(
            isinstance(a, str) and a in ABILITIES for a in abilities)

    @property
    def abilities_shown(self) -> str:
        """For pages: the abilities, or what is stored and that it grants nothing."""
        if self.abilities_are_known:
            return ", ".join(self.abilities)
        return f"{self.abilities!r} (not a list of known abilities: grants nothing)"

    def has_ability(self, ability: str) -> bool:
        """`*` grants everything, `orders:*` every ability of `orders:`.

        A stored value that is not a list of known abilities (edited by hand, say `5` or
        `"x*"`) grants nothing rather than being guessed at.
        """
        if not self.abilities_are_known:
            return False
        abilities = self.abilities
        if "*" in abilities or ability in abilities:
            return True
        scope = ability.split(":", 1)[0]
        return f"{scope}:*" in abilities


class OrderEvent(models.Model):
    """One change of one order of any domain: the order's history."""

    class Via(models.TextChoices):
        API = "api", "API"
        ADMIN = "admin", "Admin"
        IMPORT = "import", "Import"
        SYSTEM = "system", "System"

    # (indexed by Meta.indexes: content_type alone is the start of that index)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, db_index=False)
    object_id = models.PositiveBigIntegerField()
    order = GenericForeignKey("content_type", "object_id")
    action = models.CharField(max_length=50, help_text="What happened: create, cancel, place…")
    from_state = models.CharField(max_length=50, blank=True)
    to_state = models.CharField(max_length=50, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_events",
        db_index=False,  # a partial index below: imports write no actor, and skip it
    )
    via = models.CharField(max_length=10, choices=Via.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["actor"], condition=models.Q(actor__isnull=False),
                         name="orderevent_actor"),
        ]

    def __str__(self):
        change = f"{self.from_state or '∅'} → {self.to_state}" if self.to_state else ""
        return f"{self.action} {change}".strip()
