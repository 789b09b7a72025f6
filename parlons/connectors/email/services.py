"""The writers of the e-mail channel's own data: a mailbox's settings that are not secret (its bilingual
signature; the server login is in the channel group's encrypted credentials, set through the catalogue
services), and forwards of a ticket to someone without access to Parlons (OPS-20): queueing one, sending it,
and bringing the answer back as an internal note. The mail itself is built in ``forward.py``."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, WRITE, require
from parlons.connectors.base import SendError
from parlons.connectors.email import mime
from parlons.connectors.email.config import MailboxConfig
from parlons.connectors.email.forward import build_forward, forward_message_id, sending_mailbox
from parlons.connectors.email.models import Forward, MailboxSettings
from parlons.core.actors import SYSTEM, actor_user
from parlons.core.db import atomic
from parlons.core.errors import Invalid
from parlons.tickets.models import Attachment, ChannelGroup, Platform, Ticket
from parlons.tickets.services import add_note
from parlons.tickets.services._common import lock_ticket, publish_ticket_updated, record, touch

MAX_SIGNATURE = 2000
MAX_ATTEMPTS = 8
MAX_NOTE = 5000


@atomic
def set_signature(group: ChannelGroup, *, actor, signature_en: str, signature_fr: str) -> MailboxSettings:
    """The signature appended to replies from this mailbox, in the ticket's language (both when it is not
    known). Needs system.admin."""
    require(actor, ADMIN)
    if group.channel.platform != Platform.EMAIL:
        raise Invalid(_("Only an e-mail mailbox has a signature."), code="not_email")
    en, fr = (signature_en or "").strip(), (signature_fr or "").strip()
    if len(en) > MAX_SIGNATURE or len(fr) > MAX_SIGNATURE:
        raise Invalid(
            _("A signature is longer than %(max)s characters.") % {"max": MAX_SIGNATURE}, code="too_long"
        )
    settings, _created = MailboxSettings.objects.update_or_create(
        channel_group=group, defaults={"signature_en": en, "signature_fr": fr}
    )
    return settings


# --- forwards (OPS-20) ----------------------------------------------------------------------------
@atomic
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


def send_forward(forward_id: int) -> str:
    """Send one queued forward (outside any transaction); retry temporary failures with backoff. Called by the
    ``outbound`` task (the system); a final failure writes an ``email.forward_failed`` history row. Publishes
    nothing."""
    from parlons.connectors.email.smtp import send_mail

    with atomic():
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
        with atomic():
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


def record_answer(forward: Forward, *, address: str, name: str, body: mime.Body, message_id: str, auto: str):
    """The outside person's answer as an internal note on the ticket (never to the client), with an
    ``email.forward_answered`` history row. Automatic replies (out of office) are noted too, marked as such;
    nothing is ever answered. Called by the e-mail connector as the system while it reads a delivery; the note
    publishes ``note.created``."""
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
