"""The `parlons` command: token, run (first administrator and banner), demo (password and wiring), worker."""

from __future__ import annotations

import stat
import sys
import types
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from parlons import cli
from parlons.accounts.models import ApiToken, User
from parlons.accounts.permissions import ADMIN, READ, WRITE, has_perm
from parlons.accounts.services import authenticate_token, create_user, ensure_default_roles
from parlons.core.actors import SYSTEM
from parlons.core.management.commands import run as run_command
from parlons.core.management.commands.demo import demo_password
from parlons.core.management.commands.run import active_administrators, ensure_first_admin

pytestmark = pytest.mark.django_db


def make_user(username: str, role: str | None = "agent", **fields) -> User:
    roles = ensure_default_roles()
    return create_user(
        actor=SYSTEM, username=username, roles=[roles[role]] if role else [], check_password=False, **fields
    )


def run_cli(monkeypatch, *argv: str) -> int:
    """Run `parlons ...` in this process, against the test database; returns the exit code."""
    # run_from_argv closes every connection when it ends; the test's transaction must survive that.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    monkeypatch.setattr(sys, "argv", ["/somewhere/bin/parlons", *argv])
    try:
        cli.main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


# --- parlons token create --------------------------------------------------------------------------
def test_token_create_prints_only_a_token_that_authenticates():  # REQ ENV-9
    alice = make_user("alice")
    out, err = StringIO(), StringIO()

    call_command(
        "token", "create", "alice", "--scopes", READ, WRITE, "--name", "chatbot", stdout=out, stderr=err
    )

    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    key = lines[0]
    assert key.startswith("prl_") and " " not in key
    assert err.getvalue() == ""
    user = authenticate_token(key)
    assert user == alice
    assert sorted(user._parlons_token_scopes) == [READ, WRITE]
    assert ApiToken.objects.get(user=alice).name == "chatbot"


def test_token_create_without_scopes_gets_what_the_user_holds():  # REQ ENV-9
    make_user("reader1", role="reader")
    out = StringIO()

    call_command("token", "create", "reader1", stdout=out)

    user = authenticate_token(out.getvalue().strip())
    assert user._parlons_token_scopes == [READ]


def test_token_create_from_the_command_line_prints_the_token_on_stdout_only(monkeypatch, capsys):  # REQ ENV-9
    bob = make_user("bob")

    code = run_cli(monkeypatch, "token", "create", "bob", "--scopes", READ)

    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.count("\n") == 1
    assert authenticate_token(captured.out.strip()) == bob


def test_token_create_for_an_unknown_user_exits_1_with_the_error_on_stderr(monkeypatch, capsys):
    code = run_cli(monkeypatch, "token", "create", "nobody")

    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert "nobody" in captured.err
    assert not ApiToken.objects.exists()


def test_token_create_for_an_unknown_user_raises_command_error():
    with pytest.raises(CommandError) as caught:
        call_command("token", "create", "nobody", stdout=StringIO())
    assert caught.value.returncode == 1


def test_token_with_a_scope_the_user_lacks_is_refused_and_nothing_is_created():  # REQ ADM-4
    make_user("carol", role="agent")
    out = StringIO()

    with pytest.raises(CommandError, match="does not hold"):
        call_command("token", "create", "carol", "--scopes", READ, ADMIN, stdout=out)

    assert out.getvalue() == ""
    assert not ApiToken.objects.exists()


def test_token_with_an_unknown_scope_is_refused():
    make_user("dave")
    with pytest.raises(CommandError):
        call_command("token", "create", "dave", "--scopes", "tickets.everything", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_token_for_a_locked_user_is_refused():  # REQ ENV-3
    erin = make_user("erin")
    User.objects.filter(pk=erin.pk).update(is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        call_command("token", "create", "erin", stdout=StringIO())


# --- parlons run: the first administrator -----------------------------------------------------------
def test_first_admin_is_created_once_and_holds_system_admin(tmp_path):  # REQ ADM-6
    assert not active_administrators().exists()

    created = ensure_first_admin(tmp_path)

    assert created is not None
    user, password = created
    assert user.username == "admin"
    assert user.check_password(password)
    assert len(password) >= 16
    assert has_perm(User.objects.get(pk=user.pk), ADMIN)
    assert list(active_administrators()) == [user]
    stored = tmp_path / "admin_password"
    assert stored.read_text().strip() == password
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600

    assert ensure_first_admin(tmp_path) is None
    assert ensure_first_admin(tmp_path) is None
    assert User.objects.count() == 1


def test_first_admin_is_named_administrator_when_admin_is_taken(tmp_path):  # REQ ADM-6
    make_user("admin", role="agent")

    user, _password = ensure_first_admin(tmp_path)

    assert user.username == "administrator"
    assert [u.username for u in active_administrators()] == ["administrator"]


def test_no_first_admin_when_an_active_administrator_exists(tmp_path):  # REQ ADM-6
    make_user("boss", role="admin")

    assert ensure_first_admin(tmp_path) is None
    assert User.objects.count() == 1
    assert not (tmp_path / "admin_password").exists()


def test_an_admin_role_granted_through_a_team_counts(tmp_path):  # REQ ADM-3
    from parlons.accounts.services import create_team, grant_role

    roles = ensure_default_roles()
    team = create_team(actor=SYSTEM, name="Administration")
    member = make_user("member", role=None)
    member.teams.add(team)
    grant_role(roles["admin"], actor=SYSTEM, team=team)

    assert ensure_first_admin(tmp_path) is None


def test_a_locked_administrator_does_not_count(tmp_path):  # REQ ADM-6
    boss = make_user("boss", role="admin")
    User.objects.filter(pk=boss.pk).update(is_active=False)

    user, _password = ensure_first_admin(tmp_path)

    assert user.username == "admin"
    assert [u.username for u in active_administrators()] == ["admin"]


def test_run_prepares_and_prints_how_to_sign_in_without_serving(monkeypatch, settings, tmp_path):  # REQ ADM-6
    settings.DATA_DIR = tmp_path
    served = []
    monkeypatch.setattr(run_command.Command, "_serve", lambda self, host, port: served.append((host, port)))
    monkeypatch.setattr(connections, "close_all", lambda: None)
    out = StringIO()

    call_command("run", "--no-worker", "--port", "8123", stdout=out)

    text = out.getvalue()
    password = (tmp_path / "admin_password").read_text().strip()
    assert "Sign in at http://127.0.0.1:8123/accounts/login/" in text
    assert "username: admin" in text
    assert f"password: {password}" in text
    assert served == [("127.0.0.1", 8123)]

    # A second start creates nobody and still prints the generated password while it works.
    out = StringIO()
    call_command("run", "--no-worker", "--port", "8123", stdout=out)
    assert f"password: {password}" in out.getvalue()
    assert User.objects.count() == 1


def test_run_prints_the_demo_users_when_the_demo_was_loaded(monkeypatch, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    for name, role in [("reader", "reader"), ("agent", "agent"), ("admin", "admin")]:
        make_user(name, role=role)
    (tmp_path / "demo_password").write_text("a demo password\n")
    monkeypatch.setattr(run_command.Command, "_serve", lambda self, host, port: None)
    monkeypatch.setattr(connections, "close_all", lambda: None)
    out = StringIO()

    call_command("run", "--no-worker", stdout=out)

    text = out.getvalue()
    assert "users:    reader, agent, admin" in text
    assert "password: a demo password" in text
    assert User.objects.count() == 3  # the demo admin is an administrator: no first admin


# --- parlons demo ---------------------------------------------------------------------------------
def test_demo_password_is_generated_once_and_kept_owner_only(settings, tmp_path):
    settings.PARLONS_DEMO_PASSWORD = ""

    first = demo_password(tmp_path)

    assert len(first) >= 16
    path = tmp_path / "demo_password"
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert demo_password(tmp_path) == first


def test_demo_password_comes_from_the_setting_when_set(settings, tmp_path):
    (tmp_path / "demo_password").write_text("stored one\n")
    settings.PARLONS_DEMO_PASSWORD = "Configured-Demo-Password-1"

    assert demo_password(tmp_path) == "Configured-Demo-Password-1"


@pytest.fixture
def fake_loader(monkeypatch):
    """Stand in for parlons.demo so the command's own behaviour is tested apart from the data set."""
    calls = []
    demo_users = ["reader", "agent", "lead", "analyst", "admin"]

    def load_demo(*, tickets, seed, password, stdout=None):
        calls.append({"tickets": tickets, "seed": seed, "password": password})
        new_users = [] if calls[0].get("existing") else [*demo_users, "agent01", "agent02"]
        return types.SimpleNamespace(
            usernames=[*demo_users, "agent01", "agent02"], tickets=tickets, seconds=0.25, new_users=new_users
        )

    monkeypatch.setitem(sys.modules, "parlons.demo", types.SimpleNamespace(load_demo=load_demo))
    return calls


def test_demo_command_loads_with_the_demo_password_and_prints_it(fake_loader, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.PARLONS_DEMO_PASSWORD = "Configured-Demo-Password-1"
    out = StringIO()

    call_command("demo", "--tickets", "7", "--seed", "3", stdout=out)

    assert fake_loader == [{"tickets": 7, "seed": 3, "password": "Configured-Demo-Password-1"}]
    text = out.getvalue()
    assert "Demo users: reader, agent, lead, analyst, admin (and 2 more agents)" in text
    assert "Demo password: Configured-Demo-Password-1" in text
    assert "Created 7 tickets" in text
    # Kept beside the data so that `parlons run` prints how to sign in.
    assert (tmp_path / "demo_password").read_text().strip() == "Configured-Demo-Password-1"


def test_demo_into_existing_users_does_not_claim_a_new_password(fake_loader, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.PARLONS_DEMO_PASSWORD = "Another-Demo-Password-2"
    (tmp_path / "demo_password").write_text("The-First-Password-1\n")
    fake_loader.append({"existing": True})
    out = StringIO()

    call_command("demo", "--tickets", "5", stdout=out)

    assert "Another-Demo-Password-2" not in out.getvalue()
    assert "already existed" in out.getvalue()
    assert (tmp_path / "demo_password").read_text().strip() == "The-First-Password-1"


def test_demo_if_empty_does_nothing_when_tickets_exist(fake_loader, settings, tmp_path):
    from parlons.tickets.services import InboundMessage, Sender, create_channel_group, ingest_inbound_message

    settings.DATA_DIR = tmp_path
    group = create_channel_group(actor=SYSTEM, platform="email", name="Inbox")
    ingest_inbound_message(
        InboundMessage(channel_group=group, sender=Sender(external_id="a@example.org"), body="Hi")
    )
    out = StringIO()

    call_command("demo", "--if-empty", stdout=out)

    assert fake_loader == []
    assert "already holds tickets" in out.getvalue()


def test_demo_if_empty_loads_into_an_empty_database(fake_loader, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.PARLONS_DEMO_PASSWORD = ""

    call_command("demo", "--if-empty", stdout=StringIO())

    assert len(fake_loader) == 1
    assert fake_loader[0]["tickets"] == 500
    assert fake_loader[0]["seed"] == 42
    assert fake_loader[0]["password"] == (tmp_path / "demo_password").read_text().strip()


# --- parlons worker --------------------------------------------------------------------------------
def test_worker_batch_runs_ready_tasks_and_says_how_many(monkeypatch):
    from parlons.core import worker

    monkeypatch.setattr(worker, "run_pending_tasks", lambda: 3)
    out = StringIO()

    call_command("worker", "--batch", stdout=out)

    assert out.getvalue().strip().endswith("and 3 task(s).")


def test_demo_then_run_prints_a_sign_in_that_works(monkeypatch, settings, tmp_path):
    """The path of `make run`: demo data, then the banner of `parlons run` names users that sign in."""
    settings.DATA_DIR = tmp_path
    settings.PARLONS_DEMO_PASSWORD = ""
    monkeypatch.setattr(run_command.Command, "_serve", lambda self, host, port: None)
    monkeypatch.setattr(connections, "close_all", lambda: None)

    call_command("demo", "--tickets", "3", "--seed", "1", stdout=StringIO())
    out = StringIO()
    call_command("run", "--no-worker", stdout=out)

    password = (tmp_path / "demo_password").read_text().strip()
    assert "users:    reader, agent, lead, analyst, admin" in out.getvalue()
    assert f"password: {password}" in out.getvalue()
    assert User.objects.get(username="admin").check_password(password)
    assert not (tmp_path / "admin_password").exists()


def test_the_demo_comes_with_its_search_index_and_report_figures(settings, tmp_path):
    # REQ RPT-1: reports over the demo data work at once (the loader writes rows without domain events, so the
    # demo command rebuilds the search index and the report figures from the tickets).
    from parlons.accounts.models import User
    from parlons.reports.models import TicketMetrics
    from parlons.search.selectors import search_tickets
    from parlons.tickets.models import Ticket

    settings.DATA_DIR = tmp_path
    call_command("demo", "--tickets", "12", "--seed", "5", stdout=StringIO())
    tickets = Ticket.objects.count()
    assert tickets == 12
    assert TicketMetrics.objects.count() == tickets
    subject_word = Ticket.objects.exclude(subject="").values_list("subject", flat=True).first().split()[0]
    found = search_tickets(User.objects.get(username="admin"), f"{subject_word}*", with_facets=False)
    assert found.items  # the index follows the loaded tickets
