"""Forward domain events to open browsers as small payloads (realtime, STYLE.md rule 8)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from parlons.core.events import DomainEvent, subscribe
from parlons.web.consumers import ALL_READERS

logger = logging.getLogger(__name__)


@subscribe("ticket.created", "ticket.updated", "message.created", "note.created", "message.delivery_changed")
def push_to_browsers(event: DomainEvent) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    payload = {"type": event.type, "id": event.data.get("id")}
    for key in ("version", "ticket_id", "status"):
        if key in event.data:
            payload[key] = event.data[key]
    async_to_sync(layer.group_send)(ALL_READERS, {"type": "domain.event", "payload": payload})
