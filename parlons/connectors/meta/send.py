"""Sending through the Messenger-style Send API (Messenger and Instagram DMs): text, then each attachment."""

from __future__ import annotations

import json

from django.utils import timezone

from parlons.connectors.base import SendResult
from parlons.connectors.meta.common import check_window, token
from parlons.connectors.meta.graph import GraphClient


def send_messaging(outbound, *, enforce_window: bool = True) -> SendResult:
    group = outbound.channel_group
    message = outbound.message
    if enforce_window:
        check_window(outbound, timezone.now())
    identity = message.ticket.contact.identities.filter(platform=group.channel.platform).first()
    recipient = identity.external_id if identity else ""
    client = GraphClient(token(group, "page_token"))
    path = f"{group.external_id}/messages"
    ids = []
    if message.body:
        data = client.post(
            path,
            json={
                "recipient": {"id": recipient},
                "messaging_type": "RESPONSE",
                "message": {"text": message.body},
            },
        )
        ids.append(str(data.get("message_id", "")))
    for attachment in message.attachments.all():
        kind = "image" if attachment.content_type.startswith("image/") else "file"
        with attachment.file.open("rb") as fh:
            data = client.post(
                path,
                data={
                    "recipient": json.dumps({"id": recipient}),
                    "messaging_type": "RESPONSE",
                    "message": json.dumps({"attachment": {"type": kind, "payload": {"is_reusable": False}}}),
                },
                files={"filedata": (attachment.filename, fh.read(), attachment.content_type)},
            )
        ids.append(str(data.get("message_id", "")))
    return SendResult(external_id=ids[0] if ids else "")
