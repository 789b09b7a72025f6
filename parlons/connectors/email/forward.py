"""Forwarding a ticket by e-mail to someone without access to Parlons (OPS-20), and bringing their answer back
as an internal note (a side conversation): never sent to the client.

The mail's reply address is ``box+fwd-<token>@domain`` and its subject carries ``[#<ticket>-<token>]``; its own
Message-ID is remembered too, so an answer is recognised by any of the three."""

from __future__ import annotations

import logging
import random
import secrets
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from parlons.accounts.permissions import WRITE, require
from parlons.connectors.base import SendError
from parlons.connectors.email import mime
from parlons.connectors.email.config import MailboxConfig
from parlons.connectors.email.models import Forward
from parlons.core.actors import SYSTEM, actor_user
from parlons.core.errors import Invalid
from parlons.tickets.models import Attachment, ChannelGroup, Message, Platform, Ticket
from parlons.tickets.services._common import lock_ticket, publish_ticket_updated, record, touch

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
MAX_NOTE = 5000
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


@transaction.atomic
def forward_ticket(
    ticket: Ticket | int,
    *,
    actor,
    to: str,
    note: str = "",
    message_ids: list[int] | None = None,
    attachment_ids: list[int] | None = None,
    via: str = "web",
) -> Forward:
    """Queue an e-mail with the chosen messages (default: all) and attachments (default: those of the chosen
    messages) and the agent's note to an outside address. Needs tickets.write. Writes an ``email.forwarded``
    history row and publishes ``ticket.updated``."""
    require(actor, WRITE)
    ticket = lock_ticket(actor, ticket)
    to = (to or "").strip().lower()
    try:
        validate_email(to)
    except ValidationError:
        raise Invalid(_("Enter a valid e-mail address."), code="bad_address", details={"field": "to"})
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid(
            _("The note is longer than %(max)s characters.") % {"max": MAX_NOTE}, details={"field": "note"}
        )
    messages = ticket.messages.filter(deleted_at__isnull=True)
    if message_ids is not None:
        messages = messages.filter(pk__in=message_ids)
    chosen = list(messages.values_list("pk", flat=True))
    if not chosen and not note:
        raise Invalid(_("Choose at least one message or write a note."), code="nothing_to_forward")
    files = Attachment.objects.filter(message__ticket=ticket, message__in=chosen if chosen else [0])
    if attachment_ids is not None:
        files = Attachment.objects.filter(message__ticket=ticket, pk__in=attachment_ids)
    group = sending_mailbox(ticket)
    if group is None:
        raise Invalid(_("No e-mail mailbox is set up to send from."), code="no_mailbox")
    forward = Forward.objects.create(
        ticket=ticket,
        channel_group=group,
        token=secrets.token_hex(10),
        to_address=to,
        note=note,
        message_ids=chosen,
        attachment_ids=list(files.values_list("pk", flat=True)),
        created_by=actor_user(actor),
    )
    now = timezone.now()
    record(
        ticket,
        "email.forwarded",
        actor=actor,
        via=via,
        at=now,
        forward=forward.pk,
        to=to,
        messages=chosen,
        attachments=len(forward.attachment_ids),
    )
    touch(ticket, at=now)
    from parlons.connectors.email.tasks import send_forward_task

    send_forward_task.enqueue(forward.pk)
    publish_ticket_updated(ticket, actor=actor, via=via, changes=["forwards"])
    return forward


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


def send_forward(forward_id: int) -> str:
    """Send one queued forward (outside any transaction); retry temporary failures with backoff."""
    from parlons.connectors.email.smtp import send_mail

    with transaction.atomic():
        forward = (
            Forward.objects.select_for_update(of=("self",))
            .select_related("ticket", "channel_group", "created_by")
            .filter(pk=forward_id)
            .first()
        )
        if forward is None or forward.state != Forward.State.QUEUED:
            return forward.state if forward else "missing"
        forward.attempts += 1
        cfg = MailboxConfig.of(forward.channel_group)
        forward.message_id = forward_message_id(forward, cfg)
        forward.save(update_fields=["attempts", "message_id"])
    try:
        send_mail(cfg, build_forward(forward, cfg))
    except SendError as exc:
        with transaction.atomic():
            forward.last_error = str(exc)[:2000]
            if exc.retryable and forward.attempts < MAX_ATTEMPTS:
                forward.save(update_fields=["last_error"])
                delay = min(3600, 2**forward.attempts) * (0.5 + random.random())
                from parlons.connectors.email.tasks import send_forward_task

                send_forward_task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                    forward.pk
                )
            else:
                forward.state = Forward.State.FAILED
                forward.save(update_fields=["state", "last_error"])
                record(
                    forward.ticket,
                    "email.forward_failed",
                    actor=SYSTEM,
                    via="outbound",
                    forward=forward.pk,
                    to=forward.to_address,
                    error=forward.last_error[:500],
                )
        return forward.state
    forward.state = Forward.State.SENT
    forward.sent_at = timezone.now()
    forward.last_error = ""
    forward.save(update_fields=["state", "sent_at", "last_error"])
    return forward.state


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


def record_answer(forward: Forward, *, address: str, name: str, body: mime.Body, message_id: str, auto: str):
    """The outside person's answer as an internal note on the ticket (never to the client), with a history
    row. Automatic replies (out of office) are noted too, marked as such; nothing is ever answered."""
    from parlons.tickets.services import add_note

    text = mime.strip_quoted(body.text) or _("(empty e-mail)")
    who = f"{name} <{address}>" if name else address
    head = (
        _("Automatic reply from %(who)s to the forwarded ticket:")
        if auto
        else _("Answer from %(who)s to the forwarded ticket:")
    ) % {"who": who}
    files = [p.filename for p in body.parts if not p.inline]
    tail = (
        ("\n\n" + _("Attached files (kept in the original e-mail): %(names)s") % {"names": ", ".join(files)})
        if files
        else ""
    )
    note_body = f"{head}\n\n{text}{tail}"[:19000]
    note = add_note(forward.ticket, note_body, actor=SYSTEM, via="ingest")
    record(
        forward.ticket,
        "email.forward_answered",
        actor=SYSTEM,
        via="ingest",
        forward=forward.pk,
        note=note.pk,
        **{"from": address, "message_id": message_id[:255], "auto_reply": auto},
    )
    Forward.objects.filter(pk=forward.pk).update(answers=F("answers") + 1)
    return note
