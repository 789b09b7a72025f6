"""``parlons demo``: load the realistic bilingual demo data set (deterministic with ``--seed``).

The demo users share one password: ``PARLONS_DEMO_PASSWORD`` when set, else the one kept in
``PARLONS_DATA_DIR/demo_password``, else a new one written there (owner-only). ``parlons run`` reads that file
to print how to sign in. The database must be migrated first (``parlons migrate``).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from parlons.core.management.commands.run import (
    DEMO_PASSWORD_FILE,
    DEMO_USERNAMES,
    generate_password,
    read_secret_file,
    write_secret_file,
)


def demo_password(data_dir: Path | None = None) -> str:
    """The demo password: the setting, else the stored one, else a new one that is stored."""
    path = Path(data_dir or settings.DATA_DIR) / DEMO_PASSWORD_FILE
    configured = getattr(settings, "PARLONS_DEMO_PASSWORD", "") or ""
    if configured:
        return configured
    stored = read_secret_file(path)
    if stored:
        return stored
    password = generate_password()
    write_secret_file(path, password)
    return password


class Command(BaseCommand):
    help = "Load demo data: bilingual tickets, contacts, channels, tags, 25 agents and the demo users."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tickets", type=int, default=500, help="How many tickets to create (default 500)."
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="Random seed; the same seed gives the same data."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already holds tickets."
        )

    def handle(self, *args, tickets: int, seed: int, if_empty: bool, **options):
        from parlons.tickets.models import Ticket

        if tickets < 0:
            raise CommandError("--tickets must be zero or more.")
        if if_empty and Ticket.objects.exists():
            self.stdout.write("Demo data not loaded: the database already holds tickets.")
            return
        password = demo_password()
        from parlons.demo import load_demo

        self.stdout.write(f"Loading demo data ({tickets} tickets, seed {seed})...")
        result = load_demo(tickets=tickets, seed=seed, password=password, stdout=self.stdout)
        # The loader publishes no events, so the search index is rebuilt from the tickets (issue 4).
        from django.core.management import call_command

        call_command("reindex", stdout=self.stdout)
        # Likewise the report figures, which the services keep current on a live system (issue 8).
        call_command("reports", "rebuild", stdout=self.stdout)

        new_users = set(getattr(result, "new_users", result.usernames))
        demo_users = [name for name in result.usernames if name in DEMO_USERNAMES] or result.usernames[:5]
        if new_users & set(demo_users):
            # Kept beside the data so `parlons run` can say how to sign in (also when the password came from
            # PARLONS_DEMO_PASSWORD), whatever the environment of later runs.
            path = Path(settings.DATA_DIR) / DEMO_PASSWORD_FILE
            if read_secret_file(path) != password:
                write_secret_file(path, password)
        others = len(result.usernames) - len(demo_users)
        lines = [
            f"Created {result.tickets} tickets in {result.seconds:.1f} s.",
            f"Demo users: {', '.join(demo_users)}" + (f" (and {others} more agents)" if others > 0 else ""),
        ]
        if new_users & set(demo_users):
            lines.append(f"Demo password: {password}")
        elif new_users:
            lines.append(f"The demo users already existed and keep their passwords; new users: {password}")
        else:
            lines.append("The demo users already existed and keep their passwords.")
        self.stdout.write("\n".join(lines))
