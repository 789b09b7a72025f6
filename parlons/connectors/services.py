"""The durable edges: store an inbound delivery before acknowledging it, process it into tickets; queue an
outgoing message and deliver it through the platform's connector, with retries that never post twice."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.connectors.base import SendError, connector_for
from parlons.connectors.models import InboundEvent, OutboundMessage
from parlons.core.actors import SYSTEM
from parlons.core.errors import ParlonsError
from parlons.core.events import publish
from parlons.tickets.models import Message

logger = logging.getLogger(__name__)
MAX_SEND_ATTEMPTS = 8


def store_inbound(
    platform: str, external_id: str, body: str, *, headers: dict | None = None, channel_group=None
):
    """Store a raw delivery (deduplicated by the platform's id) and queue its processing in the same
    transaction. Returns (event, created). Call before acknowledging the delivery."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = InboundEvent.objects.create(
                    platform=platform,
                    external_id=external_id[:255],
                    body=body,
                    headers=headers or {},
                    channel_group=channel_group,
                )
        except IntegrityError:
            return InboundEvent.objects.get(platform=platform, external_id=external_id[:255]), False
        from parlons.connectors.tasks import process_inbound_event

        process_inbound_event.enqueue(event.pk)
    return event, True


def _prefetch(event_id: int):
    """The connector's network work for a delivery (media downloads), outside any transaction so that a slow
    platform never holds a database lock. A failure here is not fatal: ``parse`` may fetch again or do without."""
    event = (
        InboundEvent.objects.filter(pk=event_id)
        .exclude(state__in=[InboundEvent.State.DONE, InboundEvent.State.IGNORED])
        .first()
    )
    connector = connector_for(event.platform) if event else None
    if connector is None:
        return None
    try:
        return connector.prefetch(event)
    except Exception:
        logger.warning("prefetch failed for inbound event %s", event_id, exc_info=True)
        return None


def process_inbound(event_id: int) -> list[int]:
    """Parse a stored delivery with its platform's connector and ingest every message in it. Safe to run
    twice: a delivery already done is skipped, and messages are deduplicated by platform id."""
    from parlons.tickets.services import PlatformEvent, apply_platform_event, ingest_inbound_message

    prefetched = _prefetch(event_id)
    with transaction.atomic():
        event = InboundEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.state in (InboundEvent.State.DONE, InboundEvent.State.IGNORED):
            return []
        event.prefetched = prefetched
        event.attempts += 1
        connector = connector_for(event.platform)
        if connector is None:
            event.state = InboundEvent.State.FAILED
            event.error = f"no connector for platform {event.platform}"
            event.save(update_fields=["state", "error", "attempts"])
            return []
        ticket_ids = []
        try:
            with transaction.atomic():
                for item in connector.parse(event):
                    if isinstance(item, PlatformEvent):
                        ticket_ids += apply_platform_event(item, actor=SYSTEM, via="ingest")
                    else:
                        ticket_ids.append(ingest_inbound_message(item, actor=SYSTEM, via="ingest").ticket.pk)
        except ParlonsError as exc:
            event.state = InboundEvent.State.FAILED
            event.error = str(exc.message)[:2000]
        except DatabaseError as exc:  # a value the database refuses: keep the delivery, say why
            event.state = InboundEvent.State.FAILED
            event.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        else:
            event.state = InboundEvent.State.DONE if ticket_ids else InboundEvent.State.IGNORED
            event.error = ""
        event.processed_at = timezone.now()
        event.save(update_fields=["state", "error", "attempts", "processed_at"])
    return ticket_ids


def queue_outbound(message: Message, *, idempotency_key: str) -> OutboundMessage:
    """Queue an outgoing message for delivery, in the caller's transaction (called by the reply service)."""
    outbound = OutboundMessage.objects.create(
        message=message,
        channel_group=message.ticket.channel_group,
        idempotency_key=idempotency_key,
        next_attempt_at=timezone.now(),
    )
    from parlons.connectors.tasks import send_outbound_message

    send_outbound_message.enqueue(outbound.pk)
    return outbound


def _set_delivery(outbound: OutboundMessage, status: str, error: str = "") -> None:
    Message.objects.filter(pk=outbound.message_id).update(delivery_status=status, delivery_error=error)
    publish(
        "message.delivery_changed",
        via="outbound",
        id=outbound.message_id,
        status=status,
        ticket_id=outbound.message.ticket_id,
    )


def send_outbound(outbound_id: int) -> str:
    """Deliver one queued message. A retryable failure is scheduled again with exponential backoff and
    jitter (or the platform's Retry-After); the idempotency key travels with every attempt so a retry never
    posts twice. Returns the resulting state."""
    with transaction.atomic():
        outbound = (
            OutboundMessage.objects.select_for_update()
            .select_related("message", "channel_group__channel")
            .filter(pk=outbound_id)
            .first()
        )
        if outbound is None or outbound.state in (OutboundMessage.State.SENT, OutboundMessage.State.FAILED):
            return outbound.state if outbound else "missing"
        outbound.state = OutboundMessage.State.SENDING
        outbound.attempts += 1
        outbound.save(update_fields=["state", "attempts"])
    connector = connector_for(outbound.channel_group.channel.platform)
    # The platform call runs outside any transaction: a slow platform must not hold the database.
    result, failure = None, None
    try:
        if connector is None:
            raise SendError(
                _("Sending on %(platform)s is not set up on this server.")
                % {"platform": outbound.channel_group.channel.get_platform_display()},
                code="connector_unavailable",
                retryable=False,
            )
        result = connector.send(outbound)
    except SendError as exc:
        failure = exc
    with transaction.atomic():
        if failure is not None:
            exc = failure
            outbound.last_error = str(exc)[:2000]
            outbound.error_code = exc.code
            if exc.retryable and outbound.attempts < MAX_SEND_ATTEMPTS:
                delay = exc.retry_after or min(3600, 2**outbound.attempts) * (0.5 + random.random())
                outbound.state = OutboundMessage.State.QUEUED
                outbound.next_attempt_at = timezone.now() + timedelta(seconds=delay)
                outbound.save(update_fields=["state", "last_error", "error_code", "next_attempt_at"])
                from parlons.connectors.tasks import send_outbound_message

                send_outbound_message.using(run_after=outbound.next_attempt_at).enqueue(outbound.pk)
            else:
                outbound.state = OutboundMessage.State.FAILED
                outbound.save(update_fields=["state", "last_error", "error_code"])
                _set_delivery(outbound, Message.Delivery.FAILED, outbound.last_error)
            return outbound.state
        outbound.state = OutboundMessage.State.SENT
        outbound.external_id = result.external_id[:255]
        outbound.sent_at = timezone.now()
        outbound.last_error = ""
        outbound.save(update_fields=["state", "external_id", "sent_at", "last_error"])
        if result.external_id:  # the platform's echo of this very message may have been stored first
            Message.objects.filter(
                platform=outbound.message.platform, external_id=result.external_id[:255], metadata__echo=True
            ).exclude(pk=outbound.message_id).delete()
        Message.objects.filter(pk=outbound.message_id).update(
            external_id=result.external_id[:255], permalink=result.permalink[:1000]
        )
        _set_delivery(outbound, Message.Delivery.SENT)
    return outbound.state


def retry_failed_reply(message_id: int, *, actor, via: str = "web") -> Message:
    """Send a failed reply again (the agent's "Retry"): the same queued row and idempotency key, so the platform
    never gets it twice. Needs tickets.write and tickets.publish on a ticket the actor can see."""
    from parlons.accounts.permissions import PUBLISH, WRITE, require
    from parlons.core.errors import Invalid, NotFound
    from parlons.tickets.services._common import lock_ticket, record

    require(actor, WRITE)
    require(actor, PUBLISH)
    with transaction.atomic():
        message = Message.objects.filter(pk=message_id, direction=Message.Direction.OUT).first()
        if message is None:
            raise NotFound()
        ticket = lock_ticket(actor, message.ticket_id)
        outbound = OutboundMessage.objects.select_for_update().filter(message=message).first()
        if outbound is None or outbound.state != OutboundMessage.State.FAILED:
            raise Invalid(_("Only a reply that failed can be sent again."), code="not_failed")
        outbound.state = OutboundMessage.State.QUEUED
        outbound.attempts = 0
        outbound.last_error = ""
        outbound.error_code = ""
        outbound.next_attempt_at = timezone.now()
        outbound.save(update_fields=["state", "attempts", "last_error", "error_code", "next_attempt_at"])
        Message.objects.filter(pk=message.pk).update(
            delivery_status=Message.Delivery.QUEUED, delivery_error=""
        )
        record(ticket, "reply.retried", actor=actor, via=via, message=message.pk)
        publish(
            "message.delivery_changed",
            actor_id=getattr(actor, "pk", None),
            via=via,
            id=message.pk,
            status=Message.Delivery.QUEUED,
            ticket_id=ticket.pk,
        )
        from parlons.connectors.tasks import send_outbound_message

        send_outbound_message.enqueue(outbound.pk)
    message.refresh_from_db()
    return message
