"""Outgoing webhooks follow the domain events: each event an active endpoint follows becomes a delivery.

Runs after the commit of the change (so the ticket summary is the committed state) in a transaction of its own;
with no active endpoint it costs one small query (per batch of events)."""

from __future__ import annotations

from django.db import transaction

from parlons.core.events import DomainEvent, subscribe_batch
from parlons.integrations.models import WEBHOOK_EVENTS, WebhookEndpoint


@subscribe_batch(*WEBHOOK_EVENTS, durable=True)
def forward_to_webhooks(events: list[DomainEvent]) -> None:
    from parlons.integrations.services import event_payload, queue_delivery

    active = list(WebhookEndpoint.objects.filter(is_active=True))
    if not active:
        return
    with transaction.atomic():
        for event in events:
            endpoints = [e for e in active if e.follows(event.type)]
            if not endpoints:
                continue
            data = {**event.data, "actor_id": event.actor_id, "via": event.via}
            payload = event_payload(event.type, data)
            for endpoint in endpoints:
                queue_delivery(endpoint, event.type, payload)
