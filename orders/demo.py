"""Helpers for the domains' demo data (seed_demo)."""

from django.contrib.auth import get_user_model

from orders.db import reset_sequences  # noqa: F401  (demo modules insert the seeds' ids)


def demo_user(username: str, *, email: str = "", first_name: str = "", last_name: str = "",
              password: str | None = None):
    """Get or create a demo user; set its password when given."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"email": email, "first_name": first_name, "last_name": last_name},
    )
    if password is not None and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user
