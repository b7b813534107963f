"""Helpers for the domains' demo data (seed_demo)."""

from django.contrib.auth import get_user_model

from orders.db import reset_sequences  # noqa: F401  (demo modules insert the seeds' ids)


def demo_user(username: str, *, email: str = "", first_name: str = "", last_name: str = "",
              password: str | None = None):
    """Get or create a demo user. The password is set only when the user is created: a
    re-run keeps whatever password the user has now."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"email": email, "first_name": first_name, "last_name": last_name},
    )
    if created and password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def demo_password(user, password: str) -> str | None:
    """The demo password to print: None once it was changed (it no longer logs in)."""
    return password if user.check_password(password) else None
