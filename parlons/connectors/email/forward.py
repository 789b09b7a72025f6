"""Forwarding a ticket by e-mail to someone without access to Parlons (OPS-20), and bringing their answer back
as an internal note (a side conversation): never sent to the client.

The mail's reply address is ``box+fwd-<token>@domain`` and its subject carries ``[#<ticket>-<token>]``; its own
Message-ID is remembered too, so an answer is recognised by any of the three. Here: the mailbox it goes out
from, the mail itself and the lookup of the forward an answer belongs to; queueing, sending and recording the
answer are in ``parlons.connectors.email.services``."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from parlons.connectors.email import mime
from parlons.connectors.email.config import MailboxConfig
from parlons.connectors.email.models import Forward
from parlons.tickets.models import Attachment, ChannelGroup, Message, Platform, Ticket

logger = logging.getLogger(__name__)
TAG_PREFIX = "fwd-"


def sending_mailbox(ticket: Ticket) -> ChannelGroup | None:
    """The mailbox a forward goes out from: the ticket's own if it is an e-mail ticket, else the team's, else
    any active one."""
    group = ticket.channel_group
    if group.channel.platform == Platform.EMAIL and group.is_active:
        return group
    mailboxes = ChannelGroup.objects.filter(channel__platform=Platform.EMAIL, is_active=True).exclude(
        credentials_encrypted=""
    )
    own_team = mailboxes.filter(team=ticket.team_id).first() if ticket.team_id else None
    return own_team or mailboxes.first()


def forward_message_id(forward: Forward, cfg: MailboxConfig) -> str:
    return f"parlons.fwd.{forward.token}@{cfg.domain}"


def build_forward(forward: Forward, cfg: MailboxConfig) -> EmailMessage:
    ticket = forward.ticket
    language = ticket.language or forward.channel_group.language or "en"
    lines: list[str] = []
    with override(language if language in ("en", "fr") else "en"):
        sender = forward.created_by.display_name if forward.created_by else _("Parlons")
        intro = _("%(name)s forwarded you ticket #%(id)s. Reply to this e-mail to answer the team.") % {
            "name": sender,
            "id": ticket.pk,
        }
        lines += [intro, ""]
        if forward.note:
            lines += [_("Note:"), forward.note, ""]
        lines += [_("Subject: %(subject)s") % {"subject": ticket.subject}, ""]
        messages = Message.objects.filter(pk__in=forward.message_ids, ticket=ticket).select_related(
            "author_user", "author_contact"
        )
        for message in messages.order_by("created_at", "id"):
            if message.direction == Message.Direction.OUT:
                author = message.author_user.display_name if message.author_user else group_name(forward)
            else:
                author = str(message.author_contact or ticket.contact)
            lines += [
                "-" * 40,
                _("%(author)s, %(date)s:")
                % {
                    "author": author,
                    "date": timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M"),
                },
                message.body,
                "",
            ]
        subject = _("Forwarded: %(subject)s") % {"subject": mime.clean_subject(ticket.subject)}
    msg = EmailMessage()
    msg["From"] = formataddr((forward.channel_group.name, cfg.address))
    msg["To"] = forward.to_address
    msg["Reply-To"] = cfg.plus_address(TAG_PREFIX + forward.token)
    msg["Subject"] = f"{subject} [#{ticket.pk}-{forward.token}]"
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = f"<{forward_message_id(forward, cfg)}>"
    from parlons.connectors.email.outgoing import add_bodies, attach_files

    add_bodies(msg, "\n".join(lines).strip())
    attach_files(msg, Attachment.objects.filter(pk__in=forward.attachment_ids, message__ticket=ticket))
    return msg


def group_name(forward: Forward) -> str:
    return forward.channel_group.name


def find_forward(group: ChannelGroup, refs: list[str], subject: str, tags: list[str]) -> Forward | None:
    """The forward an incoming mail answers, if any: its reply address, its references or its subject tag."""
    tokens = [t[len(TAG_PREFIX) :] for t in tags if t.startswith(TAG_PREFIX)]
    tokens += [token for _id, token in mime.FORWARD_REF_RE.findall(subject or "")]
    for token in tokens:
        found = (
            Forward.objects.filter(token=token.lower(), channel_group=group).select_related("ticket").first()
        )
        if found is not None:
            return found
    if refs:
        return (
            Forward.objects.filter(message_id__in=refs, channel_group=group).select_related("ticket").first()
        )
    return None
