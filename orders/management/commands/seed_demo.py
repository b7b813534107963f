import importlib
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_ADMIN = {"username": "admin", "password": "admin"}


class Command(BaseCommand):
    help = (
        "Load every domain's examples from its seed document, a demo admin user and demo "
        "API principals. Idempotent. --json prints the credentials as one JSON document."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print credentials as JSON.")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates a known admin password and demo tokens; it refuses to run "
                "with DEBUG off. Pass --force if you really mean it."
            )
        with transaction.atomic():
            result = {"admin": ensure_demo_admin()}
            for app in settings.DOMAIN_APPS:
                try:
                    demo = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                result[app] = demo.load()
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(human_summary(result))


def ensure_demo_admin() -> dict:
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username=DEMO_ADMIN["username"], defaults={"email": "admin@example.com"}
    )
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(DEMO_ADMIN["password"])
    user.save()
    return dict(DEMO_ADMIN)


def human_summary(result: dict, indent: str = "") -> str:
    lines = []
    for key, value in result.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines.append(human_summary(value, indent + "  "))
        else:
            shown = value if isinstance(value, str) else json.dumps(value)
            lines.append(f"{indent}{key}: {shown}")
    return "\n".join(lines)
