"""Fixtures of the e-mail tests: a private Dovecot (IMAP) and an aiosmtpd (SMTP) on loopback, and an e-mail
channel group whose credentials point at them."""

from __future__ import annotations

import imaplib
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from tests.connectors.email.servers import DOVECOT, Dovecot, free_port

SAMPLES = Path(__file__).parent / "samples"
ADDRESS = "support@passeports.example.ca"


def sample(name: str, **values: str) -> bytes:
    raw = (SAMPLES / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace(("{" + key + "}").encode(), value.encode())
    return raw


class Recorder:
    """An aiosmtpd handler that keeps every mail; ``fail_next`` makes the next DATA answer that reply."""

    def __init__(self):
        self.envelopes = []
        self.fail_next: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        if self.fail_next:
            return self.fail_next.pop(0)
        self.envelopes.append(envelope)
        return "250 2.0.0 OK queued"

    def messages(self):
        from parlons.connectors.email.mime import parse_bytes

        return [parse_bytes(e.original_content or e.content) for e in self.envelopes]

    def wait_for(self, count: int, timeout: float = 5):
        deadline = time.monotonic() + timeout
        while len(self.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages()


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    recorder = Recorder()
    logins: list[tuple[str, str]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = auth_data.login == b"support" and auth_data.password == b"smtp-secret"
        logins.append((auth_data.login.decode(), mechanism))
        return AuthResult(success=ok)

    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    recorder.port = controller.port
    recorder.logins = logins
    yield recorder
    controller.stop()


@pytest.fixture
def dovecot():
    if not DOVECOT:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    # Not under pytest's private tmp folder: dovecot's own unprivileged processes must reach the files.
    root = Path(tempfile.mkdtemp(prefix="parlons-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root / "d", {"support": "imap-secret"})
    server.root.mkdir()
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def deliver(dovecot: Dovecot, raw: bytes) -> None:
    """Put a mail in the support mailbox the way a mail server would (IMAP APPEND, unseen)."""
    conn = imaplib.IMAP4("127.0.0.1", dovecot.port)
    try:
        conn.login("support", "imap-secret")
        typ, data = conn.append("INBOX", None, None, raw)
        assert typ == "OK", data
    finally:
        conn.logout()


def unseen_count(dovecot: Dovecot) -> int:
    conn = imaplib.IMAP4("127.0.0.1", dovecot.port)
    try:
        conn.login("support", "imap-secret")
        conn.select("INBOX")
        return len(conn.search(None, "UNSEEN")[1][0].split())
    finally:
        conn.logout()


@pytest.fixture
def mailbox(db, dovecot, smtp_server, settings):
    """An e-mail channel group on the loopback servers, with a bilingual signature."""
    from parlons.connectors.email.models import MailboxSettings
    from parlons.core.crypto import encrypt_json
    from tests.factories import ChannelGroupFactory

    settings.PARLONS_EMAIL_IDLE_SECONDS = 0
    group = ChannelGroupFactory(platform="email", name="Service Passeports", external_id=ADDRESS, language="")
    group.credentials_encrypted = encrypt_json(
        {
            "address": ADDRESS,
            "imap_host": "127.0.0.1",
            "imap_port": dovecot.port,
            "imap_security": "none",
            "username": "support",
            "password": "imap-secret",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
            "smtp_username": "support",
            "smtp_password": "smtp-secret",
        }
    )
    group.save()
    MailboxSettings.objects.create(
        channel_group=group,
        signature_en="Passport Service – Government of Canada",
        signature_fr="Service des passeports – Gouvernement du Canada",
    )
    return group


def fetch_and_process() -> None:
    """One run of the periodic job, then the ingest and send tasks it queued."""
    from django.utils import timezone

    from parlons.core import scheduler
    from parlons.core.models import ScheduledJob
    from parlons.core.worker import run_pending_tasks

    ScheduledJob.objects.filter(name="email.fetch").update(next_run_at=timezone.now())
    assert scheduler.run_due_jobs(timezone.now(), only=["email.fetch"]) == ["email.fetch"]
    assert ScheduledJob.objects.get(name="email.fetch").last_error == ""
    run_pending_tasks()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: end-to-end test in a real browser (needs Chromium and Playwright)"
    )
