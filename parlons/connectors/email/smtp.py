"""Sending through the mailbox's SMTP server (TLS, STARTTLS, AUTH). Temporary failures (4xx replies, a
dropped connection, a timeout) are retryable ``SendError``; permanent ones (5xx, refused login) are not."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from django.conf import settings
from django.utils.translation import gettext as _

from parlons.connectors.base import SendError
from parlons.connectors.email.config import MailboxConfig


def tls_context() -> ssl.SSLContext:
    """Certificates are always checked; ``PARLONS_EMAIL_CA_FILE`` adds a private authority (an in-house
    Exchange server)."""
    return ssl.create_default_context(cafile=getattr(settings, "PARLONS_EMAIL_CA_FILE", "") or None)


def send_mail(cfg: MailboxConfig, msg: EmailMessage, *, context: ssl.SSLContext | None = None) -> None:
    if not cfg.smtp_host:
        raise SendError(
            _("This mailbox has no SMTP server set up."), code="smtp_not_configured", retryable=False
        )
    context = context or tls_context()
    try:
        if cfg.smtp_security == "ssl":
            server = smtplib.SMTP_SSL(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout, context=context)
        else:
            server = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout)
        with server:
            server.ehlo()
            if cfg.smtp_security == "starttls":
                server.starttls(context=context)
                server.ehlo()
            if cfg.smtp_username and cfg.smtp_password:
                server.login(cfg.smtp_username, cfg.smtp_password)
            server.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(
            _("The mail server refused the login: %(error)s") % {"error": _reply_text(exc)},
            code="smtp_auth",
            retryable=False,
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        raise SendError(
            _("The mail server refused the recipient: %(error)s")
            % {"error": "; ".join(f"{a}: {c}" for a, (c, _t) in exc.recipients.items())},
            code="smtp_recipient",
            retryable=all(400 <= c < 500 for c in codes),
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise SendError(
            _("The mail server answered %(code)s: %(error)s")
            % {"code": exc.smtp_code, "error": _reply_text(exc)},
            code=f"smtp_{exc.smtp_code}",
            retryable=400 <= exc.smtp_code < 500,
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:  # refused, dropped, timed out, TLS handshake
        raise SendError(
            _("The mail server could not be reached: %(error)s") % {"error": exc},
            code="smtp_unreachable",
            retryable=True,
        ) from exc


def _reply_text(exc: smtplib.SMTPResponseException) -> str:
    error = exc.smtp_error
    return error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
