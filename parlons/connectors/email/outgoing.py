"""Building the mails Parlons sends: agents' replies on e-mail tickets with proper threading headers, the
ticket tag in the subject and the mailbox's bilingual signature, as text with an HTML alternative."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.utils import timezone
from django.utils.html import escape, linebreaks

from parlons.connectors.email.config import MailboxConfig
from parlons.connectors.email.mime import TICKET_REF_RE, clean_subject
from parlons.tickets.models import ChannelGroup, Message, Platform, Ticket

MAX_REFERENCES = 20


def signature_for(group: ChannelGroup, language: str) -> str:
    """The mailbox's signature in the ticket's language, or both (English, then French) when unknown."""
    from parlons.connectors.email.models import MailboxSettings

    settings = MailboxSettings.objects.filter(channel_group=group).first()
    if settings is None:
        return ""
    en, fr = settings.signature_en.strip(), settings.signature_fr.strip()
    if language == "fr":
        return fr or en
    if language == "en":
        return en or fr
    return "\n\n".join(s for s in (en, fr) if s)


def ticket_subject(ticket: Ticket, *, prefix: str = "Re: ") -> str:
    subject = clean_subject(ticket.subject) or f"Ticket {ticket.pk}"
    return f"{prefix}{subject} [#{ticket.pk}]" if not TICKET_REF_RE.search(subject) else prefix + subject


def add_bodies(msg: EmailMessage, text: str, signature: str = "") -> None:
    """Text part plus an HTML alternative (escaped: the agent's text is never markup)."""
    plain = text if not signature else f"{text}\n\n-- \n{signature}"
    msg.set_content(plain)
    markup = linebreaks(escape(text))
    if signature:
        markup += '<hr><div class="signature">' + linebreaks(escape(signature)) + "</div>"
    msg.add_alternative(f"<!DOCTYPE html><html><body>{markup}</body></html>", subtype="html")


def attach_files(msg: EmailMessage, attachments) -> None:
    for attachment in attachments:
        if not attachment.file:
            continue
        with attachment.file.open("rb") as fh:
            data = fh.read()
        maintype, _slash, subtype = attachment.content_type.partition("/")
        msg.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.filename
        )


def recipient_of(ticket: Ticket) -> tuple[str, str]:
    identity = ticket.contact.identities.filter(platform=Platform.EMAIL).first()
    address = identity.external_id if identity else ticket.contact.email
    return ticket.contact.name, address


def references_for(ticket: Ticket, parent: Message | None) -> tuple[str, list[str]]:
    ids = list(
        ticket.messages.filter(platform=Platform.EMAIL)
        .exclude(external_id="")
        .order_by("created_at", "id")
        .values_list("external_id", flat=True)
    )
    in_reply_to = (
        parent.external_id if parent is not None and parent.external_id else (ids[-1] if ids else "")
    )
    if len(ids) > MAX_REFERENCES:  # RFC 5322: keep the first and the last ones
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]
    return in_reply_to, ids


def build_reply(cfg: MailboxConfig, message: Message, message_id: str) -> EmailMessage:
    ticket = message.ticket
    group = ticket.channel_group
    name, address = recipient_of(ticket)
    msg = EmailMessage()
    msg["From"] = formataddr((group.name, cfg.address))
    msg["To"] = formataddr((name, address)) if address else ""
    msg["Subject"] = ticket_subject(ticket)
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = f"<{message_id}>"
    msg["Reply-To"] = cfg.plus_address(str(ticket.pk))
    in_reply_to, refs = references_for(ticket, message.parent)
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs)
    if ticket.language in ("en", "fr"):
        msg["Content-Language"] = "fr-CA" if ticket.language == "fr" else "en-CA"
    if message.author_user_id is None:  # written by a rule or the system: an automatic reply (RFC 3834)
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
    add_bodies(msg, message.body, signature_for(group, ticket.language))
    attach_files(msg, message.attachments.all())
    return msg
