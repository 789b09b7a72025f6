"""Shared fixtures.

- Users holding each default role: ``admin_user``, ``agent_user``, ``reader_user``, ``lead_user``,
  ``analyst_user`` (plus ``other_agent`` and ``no_role_user``). ``admin_user`` replaces pytest-django's
  superuser fixture: it is an ordinary user holding the ``admin`` role, so ``admin_client`` signs in as it.
- ``channel_group`` (API platform) and ``ticket`` (made by ingesting one inbound message).
- ``committed_events``: run code as if its transaction committed and get the domain events dispatched.
- Fast password hashing, a private media folder per test, and PostgreSQL-only tests (``@pytest.mark.postgres``)
  skipped on SQLite.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest

from tests import factories


def _database_vendor() -> str:
    from django.conf import settings

    return "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"


def pytest_collection_modifyitems(config, items):
    if _database_vendor() == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _redis_private_to_this_process():
    """With ``REDIS_URL`` set, every test process (and every run) gets its own key and channel prefix, so the
    events one xdist worker publishes never reach a websocket test in the other."""
    from django.conf import settings
    from django.test.utils import override_settings

    if not getattr(settings, "REDIS_URL", ""):
        yield
        return
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    caches = {"default": {**settings.CACHES["default"], "KEY_PREFIX": prefix}}
    layer = settings.CHANNEL_LAYERS["default"]
    layers = {"default": {**layer, "CONFIG": {**layer["CONFIG"], "prefix": f"{prefix}:asgi"}}}
    with override_settings(CACHES=caches, CHANNEL_LAYERS=layers):
        yield


@pytest.fixture(autouse=True, scope="session")
def _pool_closed_before_the_test_database_is_dropped(django_db_setup, django_db_blocker):
    """PostgreSQL keeps a pool of connections per process (``PARLONS_DB_POOL``); the browser tests' live-server
    threads return theirs to it and may still hold one when the session ends. Before the test database is
    dropped (this fixture's teardown runs first), the pool is closed and any session to it still open is ended:
    without this, dropping it failed with "being accessed by other users" and left it behind."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if connection.vendor != "postgresql":
                continue
            if hasattr(connection, "close_pool"):
                connection.close_pool()
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            connection.close()


@pytest.fixture(autouse=True)
def _english_unless_a_test_says_otherwise():
    """A test (or code it runs outside a request) may activate French; the next test starts in the default
    language again, whatever order xdist gives the tests."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests hash with MD5 (tests/accounts checks production uses Argon2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Attachments are written under a folder private to the test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _worker_keeps_test_connection(monkeypatch):
    """The task worker recycles database connections between tasks. Inside a test transaction that would
    close the connection the test runs on (PostgreSQL), so ``run_pending_tasks()`` in tests keeps it."""
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


# --- users ----------------------------------------------------------------------------------------
@pytest.fixture
def roles(db):
    """The default roles by slug (created by the migration; ensured here)."""
    return factories.default_roles()


@pytest.fixture
def admin_user(roles):
    return factories.UserFactory(username="admin", first_name="Alice", last_name="Admin", roles=["admin"])


@pytest.fixture
def agent_user(roles):
    return factories.UserFactory(username="agent", first_name="Gabriel", last_name="Agent", roles=["agent"])


@pytest.fixture
def other_agent(roles):
    return factories.UserFactory(username="agent2", first_name="Noémie", last_name="Bélanger", roles=["agent"])


@pytest.fixture
def reader_user(roles):
    return factories.UserFactory(username="reader", first_name="Rémi", last_name="Reader", roles=["reader"])


@pytest.fixture
def lead_user(roles):
    return factories.UserFactory(username="lead", first_name="Léa", last_name="Lead", roles=["lead"])


@pytest.fixture
def analyst_user(roles):
    return factories.UserFactory(username="analyst", first_name="Anaïs", last_name="Analyst", roles=["analyst"])


@pytest.fixture
def no_role_user(db):
    return factories.UserFactory(username="nobody", first_name="No", last_name="Role")


# --- helpdesk data --------------------------------------------------------------------------------
@pytest.fixture
def channel_group(db):
    return factories.ChannelGroupFactory(platform="api", name="Passports API", external_id="passports-api")


@pytest.fixture
def ticket(channel_group):
    """A new ticket with one incoming message, made by the ingest service."""
    return factories.ingest(channel_group).ticket


@pytest.fixture
def committed_events():
    """``with committed_events() as events:`` runs the block's on-commit callbacks at its end, as a real
    commit would, and collects the domain events dispatched (``parlons.core.events.DomainEvent``)."""
    from django.test import TestCase

    from parlons.core.events import capture_events

    @contextmanager
    def run():
        with capture_events() as events, TestCase.captureOnCommitCallbacks(execute=True):
            yield events

    return run
