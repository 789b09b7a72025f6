"""Sending through the Messenger-style Send API (Messenger and Instagram DMs): text, then each attachment."""

from __future__ import annotations

import json

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.connectors.base import SendError, SendResult
from parlons.connectors.meta.common import check_window, token
from parlons.connectors.meta.graph import GraphClient


def _addressing(message, group) -> dict:
    """Who the message goes to and under which rule: a private reply to a comment (once, within 7 days), a
    reply tagged HUMAN_AGENT (within 7 days), or a standard reply (within 24 hours)."""
    metadata = message.metadata or {}
    if metadata.get("private_reply_to"):
        return {"recipient": {"comment_id": metadata["private_reply_to"]}}
    identity = message.ticket.contact.identities.filter(platform=group.channel.platform).first()
    addressing = {"recipient": {"id": identity.external_id if identity else ""}, "messaging_type": "RESPONSE"}
    if metadata.get("messaging_tag"):
        addressing.update({"messaging_type": "MESSAGE_TAG", "tag": metadata["messaging_tag"]})
    return addressing


def check_private_reply(outbound, now) -> None:
    """A private reply answers one comment, once, within 7 days of it."""
    from parlons.connectors.window import PRIVATE_REPLY_WINDOW
    from parlons.tickets.models import Message

    comment_id = (outbound.message.metadata or {}).get("private_reply_to", "")
    comment = Message.objects.filter(
        ticket_id=outbound.message.ticket_id, direction=Message.Direction.IN, external_id=comment_id
    ).first()
    if comment is None or now - comment.created_at > PRIVATE_REPLY_WINDOW:
        raise SendError(
            _("A private reply must be sent within 7 days of the comment."),
            code="outside_window",
            retryable=False,
        )
    if (
        Message.objects.filter(ticket_id=comment.ticket_id, metadata__private_reply_to=comment_id)
        .exclude(pk=outbound.message_id)
        .exclude(delivery_status=Message.Delivery.FAILED)
        .exists()
    ):
        raise SendError(
            _("This comment already had its private reply: the platform allows only one."),
            code="private_reply_used",
            retryable=False,
        )


def send_messaging(outbound, *, enforce_window: bool = True) -> SendResult:
    group = outbound.channel_group
    message = outbound.message
    private = bool((message.metadata or {}).get("private_reply_to"))
    if private:
        check_private_reply(outbound, timezone.now())
    elif enforce_window:
        check_window(outbound, timezone.now())
    addressing = _addressing(message, group)
    client = GraphClient(token(group, "page_token"))
    path = f"{group.external_id}/messages"
    ids = []
    if message.body:
        data = client.post(path, json={**addressing, "message": {"text": message.body}})
        ids.append(str(data.get("message_id", "")))
    for attachment in message.attachments.all():
        kind = "image" if attachment.content_type.startswith("image/") else "file"
        with attachment.file.open("rb") as fh:
            data = client.post(
                path,
                data={
                    **{k: json.dumps(v) if isinstance(v, dict) else v for k, v in addressing.items()},
                    "message": json.dumps({"attachment": {"type": kind, "payload": {"is_reusable": False}}}),
                },
                files={"filedata": (attachment.filename, fh.read(), attachment.content_type)},
            )
        ids.append(str(data.get("message_id", "")))
    return SendResult(external_id=ids[0] if ids else "")
