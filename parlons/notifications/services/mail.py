"""E-mail rendering shared by every area that sends mail: each message is rendered from ``<base>_subject.txt``,
``<base>.txt`` and ``<base>.html`` in the recipient's language."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def render_email(template_base: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Render ``<base>_subject.txt``, ``<base>.txt`` and ``<base>.html`` in ``language``.
    Returns (subject on one line, plain text, HTML)."""
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    ctx = {"site_url": site_url(), "language": language, **context}
    with translation.override(language):
        subject = render_to_string(f"{template_base}_subject.txt", ctx)
        text = render_to_string(f"{template_base}.txt", ctx)
        html = render_to_string(f"{template_base}.html", ctx)
    subject = " ".join(subject.split())
    return subject, text, html


def send_templated_email(
    to: str | Iterable[str],
    template_base: str,
    context: dict[str, Any],
    language: str,
    *,
    headers: dict[str, str] | None = None,
    attachments: Iterable[tuple[str, bytes, str]] | None = None,
    from_email: str | None = None,
) -> int:
    """Render a bilingual template in ``language`` and send it through Django's e-mail backend.
    ``attachments`` are (filename, content, mimetype). Returns how many messages were sent (0 or 1)."""
    recipients = [to] if isinstance(to, str) else [addr for addr in to if addr]
    if not recipients:
        return 0
    subject, text, html = render_email(template_base, context, language)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Auto-Submitted": "auto-generated", **(headers or {})},
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or ():
        message.attach(filename, content, mimetype)
    return message.send()


def site_url() -> str:
    """The address people open Parlons at, for links in e-mails."""
    return (getattr(settings, "PARLONS_BASE_URL", "") or os.environ.get("PARLONS_BASE_URL", "")).rstrip(
        "/"
    ) or "http://localhost:8000"
