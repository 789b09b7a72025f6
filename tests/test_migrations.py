"""Migrations are complete and apply cleanly to a brand-new database, which then holds the default roles
(ADM-2, ADM-5). Runs on SQLite and, with DATABASE_URL set, on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from parlons.accounts.models import Role
from parlons.accounts.permissions import DEFAULT_ROLES

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_ROLES = {slug: sorted(perms) for slug, (_en, _fr, perms) in DEFAULT_ROLES.items()}


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration_req_adm2():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # --check exits 1 when a migration is missing
        pytest.fail(f"makemigrations found changes without a migration:\n{out.getvalue()}\n(exit {exc.code})")


@pytest.mark.django_db
def test_default_roles_exist_after_migrate_req_adm5():
    roles = {r.slug: sorted(r.permissions) for r in Role.objects.filter(slug__in=EXPECTED_ROLES)}
    assert roles == EXPECTED_ROLES
    names = {r.slug: (r.name_en, r.name_fr) for r in Role.objects.filter(slug__in=EXPECTED_ROLES)}
    assert names == {slug: (en, fr) for slug, (en, fr, _p) in DEFAULT_ROLES.items()}


MIGRATE_AND_REPORT = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
call_command("migrate", "--check", verbosity=0)  # exits non-zero if anything is left unapplied
from parlons.accounts.models import Role
print(json.dumps({r.slug: sorted(r.permissions) for r in Role.objects.all()}))
"""


def _run_migrations(database_url: str, data_dir: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "parlons.settings",
        "DATABASE_URL": database_url,
        "PARLONS_DATA_DIR": str(data_dir),
        "PARLONS_SECRET_KEY": "migration-test-key",
    }
    done = subprocess.run(
        [sys.executable, "-c", MIGRATE_AND_REPORT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _is_postgres() -> bool:
    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


def test_migrations_apply_to_a_brand_new_database_req_adm2(tmp_path):
    """Every migration, data steps included, from an empty database of the kind the suite runs on."""
    if not _is_postgres():
        assert _run_migrations(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", tmp_path) == EXPECTED_ROLES
        return

    import psycopg

    db = settings.DATABASES["default"]
    name = f"parlons_migrations_{uuid.uuid4().hex[:12]}"
    conninfo = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**conninfo) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = conninfo["user"] + (f":{conninfo['password']}" if conninfo["password"] else "")
        url = f"postgres://{auth}@{conninfo['host']}:{conninfo['port']}/{name}"
        assert _run_migrations(url, tmp_path) == EXPECTED_ROLES
    finally:
        with psycopg.connect(**conninfo) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
