"""A whole ticket as one ``.eml`` file (ENV-5) that Outlook 2016+ opens: a summary of the conversation as text
and HTML, then every message as an attached mail (``message/rfc822``) carrying its own attachments."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.connectors.email.outgoing import add_bodies, attach_files, recipient_of
from parlons.tickets.models import Message, Ticket


def _author(message: Message, ticket: Ticket) -> str:
    if message.direction == Message.Direction.OUT:
        return message.author_user.display_name if message.author_user else ticket.channel_group.name
    return str(message.author_contact or ticket.contact)


def _message_part(message: Message, ticket: Ticket, mailbox: str) -> EmailMessage:
    part = EmailMessage()
    contact_name, contact_address = recipient_of(ticket)
    client = formataddr((contact_name, contact_address)) if contact_address else contact_name or "client"
    ours = formataddr((ticket.channel_group.name, mailbox)) if mailbox else ticket.channel_group.name
    part["From"] = ours if message.direction == Message.Direction.OUT else client
    part["To"] = client if message.direction == Message.Direction.OUT else ours
    part["Subject"] = f"{ticket.subject} [#{ticket.pk}]"
    part["Date"] = format_datetime(message.created_at)
    if message.external_id and "@" in message.external_id:
        part["Message-ID"] = f"<{message.external_id}>"
    add_bodies(part, message.body or "")
    attach_files(part, message.attachments.all())
    return part


def ticket_to_eml(ticket: Ticket) -> bytes:
    from parlons.connectors.email.config import MailboxConfig

    group = ticket.channel_group
    mailbox = MailboxConfig.of(group).address if group.channel.platform == "email" else ""
    messages = list(
        ticket.messages.filter(deleted_at__isnull=True)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    lines = [
        _("Ticket #%(id)s: %(subject)s") % {"id": ticket.pk, "subject": ticket.subject},
        _("Channel: %(channel)s – %(group)s")
        % {"channel": group.channel.get_platform_display(), "group": group.name},
        _("Client: %(name)s") % {"name": ticket.contact},
        _("Status: %(status)s") % {"status": ticket.get_status_display()},
        "",
    ]
    for message in messages:
        lines += [
            "-" * 40,
            f"{_author(message, ticket)} – {timezone.localtime(message.created_at):%Y-%m-%d %H:%M}",
            message.body,
        ]
        names = [a.filename for a in message.attachments.all()]
        if names:
            lines.append(_("Attachments: %(names)s") % {"names": ", ".join(names)})
        lines.append("")
    msg = EmailMessage()
    msg["From"] = formataddr((group.name, mailbox)) if mailbox else group.name
    msg["Subject"] = f"[#{ticket.pk}] {ticket.subject}"
    msg["Date"] = format_datetime(timezone.now())
    msg["X-Parlons-Ticket"] = str(ticket.pk)
    add_bodies(msg, "\n".join(lines).strip())
    for message in messages:
        msg.add_attachment(_message_part(message, ticket, mailbox), filename=f"message-{message.pk}.eml")
    return msg.as_bytes()
