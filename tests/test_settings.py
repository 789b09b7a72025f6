"""Configuration comes from the environment, with secure defaults unless PARLONS_DEBUG is set."""

import json
import os
import subprocess
import sys

import pytest

PROBE = (
    "import json, django; from django.conf import settings as s; django.setup(); "
    "print(json.dumps({k: str(getattr(s, k, None)) for k in ["
    "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', "
    "'CONTENT_SECURITY_POLICY', 'ALLOWED_HOSTS', 'CHANNEL_LAYERS', 'CACHES', 'PASSWORD_HASHERS']} | "
    "{'ENGINE': s.DATABASES['default']['ENGINE'], 'DBNAME': str(s.DATABASES['default']['NAME']), "
    "'INIT': s.DATABASES['default'].get('OPTIONS', {}).get('init_command', '')}))"
)


def settings_with(tmp_path, **env) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PARLONS_") and k not in ("DATABASE_URL", "REDIS_URL")
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "parlons.settings", "PARLONS_DATA_DIR": str(tmp_path), **env})
    out = subprocess.run([sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_secure_by_default_req_adm1(tmp_path):
    s = settings_with(tmp_path)
    assert s["DEBUG"] == "False"
    assert s["SESSION_COOKIE_SECURE"] == "True" and s["CSRF_COOKIE_SECURE"] == "True"
    assert int(s["SECURE_HSTS_SECONDS"]) >= 31536000
    assert "frame-ancestors 'none'" in s["CONTENT_SECURITY_POLICY"]
    assert "Argon2PasswordHasher" in s["PASSWORD_HASHERS"].split(",")[0]


def test_debug_turns_off_tls_only_cookies(tmp_path):
    s = settings_with(tmp_path, PARLONS_DEBUG="1")
    assert s["DEBUG"] == "True"
    assert s["SESSION_COOKIE_SECURE"] == "False"


def test_embedded_default_is_sqlite_in_wal_mode_under_the_data_dir_req_env1(tmp_path):
    s = settings_with(tmp_path)
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DBNAME"].startswith(str(tmp_path))
    assert "journal_mode=WAL" in s["INIT"]
    assert "InMemoryChannelLayer" in s["CHANNEL_LAYERS"]
    assert (tmp_path / "secret_key").exists()
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("hosts", ["parlons.example.gc.ca", "a.example,b.example"])
def test_environment_sets_database_redis_and_hosts(tmp_path, hosts):
    s = settings_with(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.example:5432/parlons",
        REDIS_URL="redis://cache.example:6379/0",
        PARLONS_ALLOWED_HOSTS=hosts,
        PARLONS_SECRET_KEY="k" * 50,
    )
    assert s["ENGINE"] == "django.db.backends.postgresql" and s["DBNAME"] == "parlons"
    assert "RedisChannelLayer" in s["CHANNEL_LAYERS"] and "RedisCache" in s["CACHES"]
    assert s["ALLOWED_HOSTS"] == str(hosts.split(","))
    assert not (tmp_path / "secret_key").exists()
