"""Outgoing webhooks follow the domain events: each event an active endpoint follows becomes a delivery.

Runs after the commit of the change (so the ticket summary is the committed state) in a transaction of its own;
with no active endpoint it costs one small query."""

from __future__ import annotations

from django.db import transaction

from parlons.core.events import DomainEvent, subscribe
from parlons.integrations.models import WEBHOOK_EVENTS, WebhookEndpoint


@subscribe(*WEBHOOK_EVENTS)
def forward_to_webhooks(event: DomainEvent) -> None:
    from parlons.integrations.services import event_payload, queue_delivery

    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if e.follows(event.type)]
    if not endpoints:
        return
    data = {**event.data, "actor_id": event.actor_id, "via": event.via}
    payload = event_payload(event.type, data)
    with transaction.atomic():
        for endpoint in endpoints:
            queue_delivery(endpoint, event.type, payload)
