"""TLS to the mail servers: IMAP over implicit TLS and SMTP with STARTTLS and AUTH, certificates checked
(a private CA through ``PARLONS_EMAIL_CA_FILE``), and an untrusted certificate refused (ENV-5)."""

from __future__ import annotations

import shutil
import ssl
import tempfile
from pathlib import Path

import pytest

from parlons.connectors.models import OutboundMessage
from parlons.core.worker import run_pending_tasks
from parlons.tickets.models import Ticket
from parlons.tickets.services import reply
from tests.connectors.email.conftest import ADDRESS, Recorder, deliver, fetch_and_process, unseen_count
from tests.connectors.email.servers import DOVECOT, Dovecot, free_port, self_signed_certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def tls_servers():
    if not DOVECOT:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    root = Path(tempfile.mkdtemp(prefix="parlons-dovecot-"))
    root.chmod(0o755)
    cert, key = self_signed_certificate(root)
    imap = Dovecot(root / "d", {"support": "imap-secret"}, tls=(cert, key))
    imap.root.mkdir()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder()
    sessions = []

    class TLSRecorder(Recorder):
        async def handle_DATA(self, server, session, envelope):
            sessions.append(bool(session.ssl))
            return await recorder.handle_DATA(server, session, envelope)

    controller = Controller(
        TLSRecorder(),
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=lambda *args: AuthResult(success=args[-1].password == b"smtp-secret"),
    )
    controller.start()
    try:
        yield imap.start(), controller.port, recorder, sessions, cert
    finally:
        controller.stop()
        imap.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def tls_mailbox(db, tls_servers, settings):
    from parlons.core.crypto import encrypt_json
    from tests.factories import ChannelGroupFactory

    imap, smtp_port, _recorder, _sessions, cert = tls_servers
    settings.PARLONS_EMAIL_IDLE_SECONDS = 0
    settings.PARLONS_EMAIL_CA_FILE = str(cert)
    group = ChannelGroupFactory(platform="email", name="Service TLS", external_id=ADDRESS, language="fr")
    group.credentials_encrypted = encrypt_json(
        {
            "address": ADDRESS,
            "imap_host": "127.0.0.1",
            "imap_port": imap.imaps_port,
            "imap_security": "ssl",
            "username": "support",
            "password": "imap-secret",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_security": "starttls",
            "smtp_username": "support",
            "smtp_password": "smtp-secret",
        }
    )
    group.save()
    return group


def mail(message_id: str) -> bytes:
    return (
        f"From: Client <client@example.org>\r\nTo: {ADDRESS}\r\nSubject: Bonjour\r\n"
        f"Message-ID: <{message_id}>\r\n\r\nUne question.\r\n"
    ).encode()


def test_imaps_and_smtp_starttls_with_auth_req_env5(tls_mailbox, tls_servers, agent_user):
    imap, _port, recorder, sessions, _cert = tls_servers
    deliver(imap, mail("tls.1@example.org"))
    fetch_and_process()
    ticket = Ticket.objects.get()
    reply(ticket, "Réponse chiffrée", actor=agent_user)
    run_pending_tasks()
    (out,) = recorder.wait_for(1)
    assert sessions == [True]  # the mail went over STARTTLS
    assert out["In-Reply-To"] == "<tls.1@example.org>"
    assert ticket.messages.get(direction="out").delivery_status == "sent"


def test_untrusted_certificate_is_refused_req_env5(tls_mailbox, tls_servers, agent_user, settings):
    imap, _port, recorder, _sessions, _cert = tls_servers
    deliver(imap, mail("tls.2@example.org"))
    settings.PARLONS_EMAIL_CA_FILE = ""
    fetch_and_process()  # the job logs the mailbox's failure and carries on
    assert not Ticket.objects.exists() and unseen_count(imap) == 1
    settings.PARLONS_EMAIL_CA_FILE = str(_cert)
    fetch_and_process()
    settings.PARLONS_EMAIL_CA_FILE = ""
    reply(Ticket.objects.get(), "Réponse", actor=agent_user)
    run_pending_tasks()
    outbound = OutboundMessage.objects.get()
    assert outbound.state == "queued" and outbound.error_code == "smtp_unreachable"  # retried later
    assert recorder.envelopes == []
