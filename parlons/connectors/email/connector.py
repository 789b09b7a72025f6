"""The e-mail connector: a stored raw mail becomes a message in the right ticket (threaded by
``In-Reply-To``/``References``, a ``[#1234]`` subject tag or ``box+1234@`` plus-addressing), a bounce marks our
mail as failed, an answer to a forwarded ticket becomes an internal note; replies go out by SMTP."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from parlons.connectors.base import Connector, SendError, SendResult, register
from parlons.connectors.email import mime
from parlons.connectors.email.config import MailboxConfig
from parlons.core.errors import Invalid
from parlons.tickets.files import IncomingFile, sniff_content_type
from parlons.tickets.inbound import InboundMessage, PlatformEvent, Sender
from parlons.tickets.models import Message, MessageKind, Platform, Ticket

logger = logging.getLogger(__name__)


def raw_of(event) -> bytes:
    return mime.text_to_raw(event.body, (event.headers or {}).get("encoding", "ascii"))


def _plus_tags(cfg: MailboxConfig, recipients: list[tuple[str, str]]) -> list[str]:
    """The ``tag`` of every ``box+tag@domain`` recipient that is this mailbox."""
    local, _at, domain = cfg.address.partition("@")
    tags = []
    for _name, address in recipients:
        rlocal, _at, rdomain = address.partition("@")
        base, plus, tag = rlocal.partition("+")
        if plus and tag and base == local and rdomain == domain:
            tags.append(tag)
    return tags


def find_ticket(group, refs: list[str], subject: str, tags: list[str]) -> Ticket | None:
    """The ticket a mail answers: by the ids it refers to, then a ``[#id]`` subject tag, then a plus-address."""
    if refs:
        known = (
            Message.objects.filter(platform=Platform.EMAIL, external_id__in=refs, ticket__channel_group=group)
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if known is not None:
            return known.ticket
    candidates = [int(n) for n in mime.TICKET_REF_RE.findall(subject or "")]
    candidates += [int(t) for t in tags if t.isdigit() and len(t) <= 10]
    for pk in candidates:
        ticket = Ticket.objects.filter(pk=pk, channel_group=group).first()
        if ticket is not None:
            return ticket
    return None


def files_of(body: mime.Body) -> tuple[list[IncomingFile], list[dict]]:
    """Files Parlons keeps (checked by content, ENV-6) and the names of the ones it refused."""
    from django.conf import settings

    kept, refused = [], []
    for part in body.parts:
        if sniff_content_type(part.data) is None or len(part.data) > settings.PARLONS_MAX_ATTACHMENT_BYTES:
            refused.append(
                {"filename": part.filename[:200], "type": part.content_type[:100], "size": len(part.data)}
            )
            continue
        kept.append(IncomingFile(filename=part.filename, data=part.data, declared_type=part.content_type))
    return kept, refused


class EmailConnector(Connector):
    platform = Platform.EMAIL
    parse_reads_stored = True  # finds the ticket a reply belongs to by the message it refers to

    def parse(self, event):
        from parlons.connectors.email import forward, services

        group = event.channel_group
        if group is None:
            raise Invalid(_("This e-mail was not received through a mailbox."), code="no_mailbox")
        raw = raw_of(event)
        msg = mime.parse_bytes(raw)
        cfg = MailboxConfig.of(group)
        message_id = mime.message_id_of(msg, raw)
        name, address = mime.sender_of(msg)
        if not address:
            raise Invalid(_("The e-mail has no sender address."), code="no_sender")
        if address == cfg.address:
            return []  # our own mail coming back (a copy in the mailbox)
        subject = mime.header(msg, "Subject")
        refs = mime.message_ids(mime.header(msg, "In-Reply-To")) + mime.message_ids(
            mime.header(msg, "References")
        )
        refs = list(dict.fromkeys(reversed(refs)))  # the most recent first
        recipients = mime.addresses(msg, "To", "Cc", "Delivered-To", "X-Original-To")
        tags = _plus_tags(cfg, recipients)
        auto = mime.auto_reply_kind(msg)
        if auto == "bounce":
            return [
                PlatformEvent(
                    channel_group=group,
                    kind="status",
                    status=Message.Delivery.FAILED,
                    external_ids=[i for i in mime.bounced_ids(msg) if len(i) <= 255],
                    error=_("The e-mail bounced: %(reason)s") % {"reason": mime.bounce_reason(msg)},
                    data={"bounce_message_id": message_id},
                )
            ]
        body = mime.body_of(msg)
        files, refused = files_of(body)
        side = forward.find_forward(group, refs, subject, tags)
        if side is not None:
            services.record_answer(
                side, address=address, name=name, body=body, message_id=message_id, auto=auto
            )
            return []
        ticket = find_ticket(group, refs, subject, tags)
        text = mime.strip_quoted(body.text) if ticket is not None else body.text
        metadata = {
            "email": {
                "message_id": message_id,
                "subject": subject[:500],
                "date": mime.header(msg, "Date")[:100],  # the sender's clock; the ticket uses arrival time
                "from": address,
                "to": [a for _n, a in mime.addresses(msg, "To")][:20],
                "cc": [a for _n, a in mime.addresses(msg, "Cc")][:20],
                "in_reply_to": mime.message_ids(mime.header(msg, "In-Reply-To"))[:5],
                "html": body.html,  # kept as data only, never rendered as markup
                "refused_files": refused,
                "inline": [p.filename for p in body.parts if p.inline][:50],
            }
        }
        if auto:
            # Rules and automatic acknowledgements must skip these (no mail loops): see ``no_auto_reply``.
            metadata.update({"auto_reply": auto, "no_auto_reply": True})
        return [
            InboundMessage(
                channel_group=group,
                sender=Sender(external_id=address, handle=address, name=name, email=address),
                body=text or ("" if files else _("(empty e-mail)")),
                kind=MessageKind.EMAIL,
                external_id=message_id,
                conversation_key=ticket.conversation_key
                if ticket is not None
                else f"email:{message_id}"[:255],
                subject=mime.clean_subject(subject) or _("(no subject)"),
                parent_external_id=refs[0] if refs else "",
                attachments=files,
                metadata=metadata,
            )
        ]

    def send(self, outbound):
        from parlons.connectors.email.outgoing import build_reply, recipient_of
        from parlons.connectors.email.smtp import send_mail

        message = outbound.message
        cfg = MailboxConfig.of(outbound.channel_group)
        if not recipient_of(message.ticket)[1]:
            raise SendError(_("The client has no e-mail address."), code="no_recipient", retryable=False)
        if message.author_user_id is None:
            # A reply written by a rule or the system: never to an auto-reply or a bounce (no mail loops).
            last_in = message.ticket.messages.filter(direction=Message.Direction.IN).order_by(
                "-created_at", "-id"
            )
            last_in = last_in.first()
            if last_in is not None and (last_in.metadata or {}).get("no_auto_reply"):
                raise SendError(
                    _("Not sent: the last e-mail of the client is an automatic reply."),
                    code="auto_reply_suppressed",
                    retryable=False,
                )
        message_id = f"parlons.{message.pk}.{outbound.idempotency_key[:16]}@{cfg.domain}"
        send_mail(cfg, build_reply(cfg, message, message_id))
        return SendResult(external_id=message_id)


register(EmailConnector())
