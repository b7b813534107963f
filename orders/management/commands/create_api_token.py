from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from orders.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print the raw token (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--abilities",
            default="orders:read,orders:write",
            help="Comma separated abilities (default: orders:read,orders:write).",
        )
        parser.add_argument("--label", default="", help="What the token is for.")

    def handle(self, *args, username, abilities, label, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user with username {username!r}.") from None
        ability_list = [a.strip() for a in abilities.split(",") if a.strip()]
        if not ability_list:
            raise CommandError("--abilities needs at least one ability.")
        _, raw = api_token_create(user=user, label=label, abilities=ability_list)
        self.stdout.write(raw)
