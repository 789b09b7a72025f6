"""``parlons run``: the embedded install in one process.

Migrates the database, makes sure there is someone who can sign in and administer (printing how), starts a
task worker in a thread (unless ``--no-worker``) and serves the UI, the API and the websockets with uvicorn.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections
from django.db.models import Q

DEMO_USERNAMES = ["reader", "agent", "lead", "analyst", "admin"]
ADMIN_PASSWORD_FILE = "admin_password"
DEMO_PASSWORD_FILE = "demo_password"


def generate_password() -> str:
    """A strong random password that passes the password rules (about 120 bits)."""
    return secrets.token_urlsafe(15)


def write_secret_file(path: Path, value: str) -> None:
    """Write ``value`` to ``path``, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(value + "\n")


def read_secret_file(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


def active_administrators():
    """Active, human users who hold ``system.admin``: superusers, or through a role granted to them or
    to one of their teams."""
    from parlons.accounts.models import Role, User
    from parlons.accounts.permissions import ADMIN

    # Few roles; JSON containment is not portable to SQLite, so pick the admin roles in Python.
    admin_roles = [role.pk for role in Role.objects.all() if ADMIN in (role.permissions or [])]
    return (
        User.objects.filter(is_active=True, is_bot=False)
        .filter(
            Q(is_superuser=True)
            | Q(role_grants__role__in=admin_roles)
            | Q(teams__role_grants__role__in=admin_roles)
        )
        .distinct()
    )


def first_admin_username() -> str:
    from parlons.accounts.models import User

    for candidate in ["admin", "administrator", *(f"administrator{n}" for n in range(2, 100))]:
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate
    return f"administrator-{secrets.token_hex(4)}"


def ensure_first_admin(data_dir: Path | None = None):
    """Create a first administrator when no active user holds ``system.admin``.

    Returns ``(user, password)`` when one was created, else ``None``. The generated password is also kept in
    ``PARLONS_DATA_DIR/admin_password`` (owner-only) so that a later ``parlons run`` can print it again for
    as long as it has not been changed. Goes through ``create_user`` like every other account (ADM-6)."""
    from parlons.accounts.services import create_user, ensure_default_roles
    from parlons.core.actors import SYSTEM

    if active_administrators().exists():
        return None
    roles = ensure_default_roles()
    password = generate_password()
    user = create_user(
        actor=SYSTEM,
        username=first_admin_username(),
        first_name="Administrator",
        password=password,
        roles=[roles["admin"]],
    )
    write_secret_file(Path(data_dir or settings.DATA_DIR) / ADMIN_PASSWORD_FILE, password)
    return user, password


def demo_sign_in(data_dir: Path) -> tuple[list[str], str] | None:
    """The demo users present in this database and the demo password, when the demo was loaded."""
    from parlons.accounts.models import User

    password = read_secret_file(data_dir / DEMO_PASSWORD_FILE)
    if not password:
        return None
    present = set(
        User.objects.filter(username__in=DEMO_USERNAMES, is_active=True).values_list("username", flat=True)
    )
    users = [name for name in DEMO_USERNAMES if name in present]
    return (users, password) if users else None


def stored_admin_sign_in(data_dir: Path) -> tuple[str, str] | None:
    """The first administrator and its generated password, if that password still works."""
    password = read_secret_file(data_dir / ADMIN_PASSWORD_FILE)
    if not password:
        return None
    for user in active_administrators().order_by("pk")[:5]:
        if user.check_password(password):
            return user.username, password
    return None


class Command(BaseCommand):
    help = "Migrate, create a first administrator if needed, and serve Parlons (UI, API, websockets)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not run a task worker in this process (run `parlons worker` separately).",
        )
        parser.add_argument(
            "--simulate",
            action="store_true",
            help="Play Facebook, Messenger and WhatsApp on this machine: the Graph API simulator answers "
            "Parlons' calls and a simulated client writes every --simulate-interval seconds (demo, training).",
        )
        parser.add_argument("--simulate-interval", type=float, default=30.0, help="Seconds between messages.")

    def handle(
        self, *args, host: str, port: int, no_worker: bool, simulate=False, simulate_interval=30.0, **options
    ):
        from parlons.accounts.services import ensure_default_roles

        self.stdout.write("Parlons: preparing the database...")
        call_command("migrate", interactive=False, verbosity=0)
        ensure_default_roles()
        created = ensure_first_admin()

        display_host = f"[{host}]" if ":" in host else host
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else display_host}:{port}/"  # noqa: S104
        self._print_banner(url, created)
        if simulate:
            from parlons.simulator import live

            info = live.start(url.rstrip("/"), interval=max(1.0, simulate_interval))
            self.stdout.write(
                f"  Simulated Meta platforms: the Graph API simulator at {info['graph_url']};\n"
                f"  a simulated client writes every {info['interval']:g} s to: {', '.join(info['groups'])}.\n"
                '  Replies to them "go out" to the simulator. (Leave out --simulate for real platforms.)'
            )
            self.stdout.flush()

        if not no_worker:
            from parlons.core.worker import start_worker_thread

            start_worker_thread()
        # The server's threads open their own connections; do not hand them this one.
        connections.close_all()
        self._serve(host, port)

    def _print_banner(self, url: str, created) -> None:
        data_dir = Path(settings.DATA_DIR)
        line = "=" * 64
        out = [line, f"  Parlons is starting at {url}", ""]
        demo = demo_sign_in(data_dir)
        if demo:
            users, password = demo
            out += [
                f"  Sign in at {url}accounts/login/ with a demo user:",
                f"    users:    {', '.join(users)}",
                f"    password: {password}",
            ]
        elif created:
            user, password = created
            out += [
                f"  Sign in at {url}accounts/login/ as the first administrator:",
                f"    username: {user.username}",
                f"    password: {password}",
                f"  (kept in {data_dir / ADMIN_PASSWORD_FILE} until you change it)",
            ]
        else:
            stored = stored_admin_sign_in(data_dir)
            if stored:
                out += [
                    f"  Sign in at {url}accounts/login/ as the first administrator:",
                    f"    username: {stored[0]}",
                    f"    password: {stored[1]}",
                ]
            else:
                out += [f"  Sign in at {url}accounts/login/ with your account."]
        if getattr(settings, "SESSION_COOKIE_SECURE", False) and url.startswith("http://"):
            out += [
                "",
                "  Note: cookies are TLS-only (PARLONS_TLS). Serve behind HTTPS, or set",
                "  PARLONS_TLS=0 for a local trial over plain http, or sign-in will not work.",
            ]
        out += ["", f"  API docs: {url}api/docs    Health: {url}healthz", "  Stop with Ctrl+C.", line]
        self.stdout.write("\n".join(out))
        self.stdout.flush()

    def _serve(self, host: str, port: int) -> None:
        import uvicorn

        uvicorn.run(
            "parlons.asgi:application",
            host=host,
            port=port,
            ws="websockets-sansio",
            lifespan="off",
            log_level="warning",
            proxy_headers=True,
        )
