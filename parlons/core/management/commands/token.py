"""``parlons token create USERNAME``: print a new API token on stdout, and nothing else.

Meant for scripts (``TOKEN=$(parlons token create chatbot --scopes tickets.read tickets.write)``): errors go
to stderr with exit code 1. The token is created through ``create_token`` as the system.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Manage API tokens. `parlons token create USERNAME [--scopes ...] [--name N]` prints a new token."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create a token for a user and print it (shown once).")
        create.add_argument("username", help="The user the token acts as (a person or a bot account).")
        create.add_argument(
            "--scopes",
            nargs="+",
            metavar="PERMISSION",
            help="Permissions the token may use, e.g. tickets.read tickets.write (default: all held).",
        )
        create.add_argument("--name", default="", help="A label to recognise the token by.")

    def handle(self, *args, action: str, **options):
        if action == "create":
            self.stdout.write(
                self._create(options["username"], options.get("scopes"), options.get("name") or "")
            )

    def _create(self, username: str, scopes: list[str] | None, name: str) -> str:
        from parlons.accounts.models import User
        from parlons.accounts.services import create_token
        from parlons.core.actors import SYSTEM
        from parlons.core.errors import ParlonsError

        user = (
            User.objects.filter(username=username).first()
            or User.objects.filter(username__iexact=username).first()
        )
        if user is None:
            raise CommandError(f"No user named “{username}”.")
        if not user.is_active:
            raise CommandError(f"The user “{user.username}” is locked or inactive.")
        try:
            _token, key = create_token(user, actor=SYSTEM, scopes=scopes, name=name[:120])
        except ParlonsError as exc:
            raise CommandError(str(exc.message))
        return key
