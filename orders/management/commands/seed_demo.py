import importlib
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orders.demo import demo_password

DEMO_ADMIN = {"username": "admin", "password": "admin"}
TOKENS_NOTE = ("The demo API tokens were issued afresh on this run; the ones an earlier run "
               "printed are revoked.")
PASSWORD_NOTE = ("A password shown as null was changed since seed_demo set it, and is kept "
                 "as it is.")
PASSWORD_KEPT = "(changed since seed_demo set it: kept, not shown)"


class Command(BaseCommand):
    help = (
        "Load every domain's examples from its seed document, a demo admin user and demo "
        "API principals. Idempotent: on an existing database passwords and revocations stay "
        "as they are, and fresh demo tokens are issued (the previous ones revoked). --json "
        "prints the credentials as one JSON document."
    )

    def add_arguments(self, parser):
        parser.add_argument("domains", nargs="*", metavar="domain",
                            help="Load only these domains' examples (default: every domain).")
        parser.add_argument("--json", action="store_true", help="Print credentials as JSON.")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates a known admin password and demo tokens; it refuses to run "
                "with DEBUG off. Pass --force if you really mean it."
            )
        unknown = sorted(set(options["domains"]) - set(settings.DOMAIN_APPS))
        if unknown:
            raise CommandError(f"unknown domain {', '.join(unknown)}: "
                               f"one of {', '.join(settings.DOMAIN_APPS)}")
        with transaction.atomic():
            result = {"admin": ensure_demo_admin()}
            for app in settings.DOMAIN_APPS:
                if options["domains"] and app not in options["domains"]:
                    continue
                try:
                    demo = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                result[app] = demo.load()
        notes = [TOKENS_NOTE]
        if None in passwords(result):
            notes.append(PASSWORD_NOTE)
        result["notes"] = notes
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(human_summary(result))


def ensure_demo_admin() -> dict:
    """The demo superuser, created with the demo password; an existing one is left as it
    is (its password above all: an operator may have changed it)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=DEMO_ADMIN["username"],
        defaults={"email": "admin@example.com", "is_staff": True, "is_superuser": True},
    )
    if created:
        user.set_password(DEMO_ADMIN["password"])
        user.save(update_fields=["password"])
    return {"username": user.get_username(),
            "password": demo_password(user, DEMO_ADMIN["password"])}


def passwords(result: dict):
    for key, value in result.items():
        if isinstance(value, dict):
            yield from passwords(value)
        elif key == "password":
            yield value


def human_summary(result: dict, indent: str = "") -> str:
    lines = []
    for key, value in result.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines.append(human_summary(value, indent + "  "))
        elif key == "password" and value is None:
            lines.append(f"{indent}{key}: {PASSWORD_KEPT}")
        elif key == "notes":
            lines.extend(f"{indent}note: {note}" for note in value)
        else:
            shown = value if isinstance(value, str) else json.dumps(value)
            lines.append(f"{indent}{key}: {shown}")
    return "\n".join(lines)
