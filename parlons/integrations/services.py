"""Outgoing webhooks and chatbot hand-offs: the only writers of this app's models.

Outgoing webhooks (OPS-2): an administrator registers an address and the events it follows; each event is
stored as a ``WebhookDelivery`` (in the transaction that follows the event) and sent by a task as a JSON POST
signed with HMAC-SHA256 over ``"<timestamp>.<body>"`` (header ``X-Parlons-Signature: sha256=<hex>``, the
timestamp in ``X-Parlons-Timestamp`` so receivers can refuse replays). A failure (network error, timeout, any
non-2xx answer) is retried with growing delays; after the last attempt the delivery is marked failed and can be
sent again by hand.

Chatbot hand-off (OPS-2, ENV-9): a conversational agent with a token scoped ``bots.handoff`` hands over a
conversation: the client, the channel, the transcript and its triage. The client's words become an inbound
message (so the ticket threads, reopens and deduplicates like any other), the triage sets priority and tags,
the ticket is marked as triaged by the bot, and rules and assignment run on it as on any new ticket.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, HANDOFF, require
from parlons.accounts.services import record_security_event
from parlons.core.actors import SYSTEM
from parlons.core.crypto import decrypt_json, encrypt_json
from parlons.core.db import atomic
from parlons.core.errors import Invalid, NotFound
from parlons.core.event_types import HandoffCreated
from parlons.core.events import publish
from parlons.integrations.models import WEBHOOK_EVENTS, Handoff, WebhookDelivery, WebhookEndpoint
from parlons.tickets.models import ChannelGroup, MessageKind, Tag, Ticket

logger = logging.getLogger(__name__)

# Delays before attempts 2, 3, … (then the delivery is marked failed).
RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
TIMEOUT_SECONDS = 10
USER_AGENT = "Parlons-Webhooks/1"


# --- outgoing webhooks -------------------------------------------------------------------------------
def _clean_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(_("Enter an http or https address."), details={"field": "url"})
    if parts.username or parts.password:
        raise Invalid(_("Do not put a user name or password in the address."), details={"field": "url"})
    return url


def _clean_events(events: list[str] | None) -> list[str]:
    events = sorted(set(events or []))
    unknown = [e for e in events if e not in WEBHOOK_EVENTS]
    if unknown:
        raise Invalid(
            _("Unknown events: %(events)s") % {"events": ", ".join(unknown)}, details={"field": "events"}
        )
    return events


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid(_("Give the webhook a name."), details={"field": "name"})
    return name[:120]


def webhook_secret(endpoint: WebhookEndpoint) -> str:
    return decrypt_json(endpoint.secret_encrypted).get("secret", "")


@atomic
def create_webhook(
    *, actor, name: str, url: str, events: list[str] | None = None, secret: str = "", is_active: bool = True
) -> tuple[WebhookEndpoint, str]:
    """Register an address, active or not yet. Returns the endpoint and its signing secret (shown once; stored
    encrypted). Needs system.admin; writes a ``webhook.created`` security event."""
    require(actor, ADMIN)
    secret = secret.strip() or secrets.token_urlsafe(32)
    if len(secret) < 16:
        raise Invalid(_("The signing secret must be at least 16 characters."), details={"field": "secret"})
    endpoint = WebhookEndpoint.objects.create(
        name=_clean_name(name),
        url=_clean_url(url),
        events=_clean_events(events),
        secret_encrypted=encrypt_json({"secret": secret}),
        is_active=bool(is_active),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record_security_event("webhook.created", actor=actor, webhook=endpoint.pk, url=endpoint.url)
    return endpoint, secret


@atomic
def update_webhook(endpoint: WebhookEndpoint, *, actor, **fields) -> WebhookEndpoint:
    require(actor, ADMIN)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    allowed = {"name", "url", "events", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise Invalid(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if "name" in fields:
        endpoint.name = _clean_name(fields["name"])
    if "url" in fields:
        endpoint.url = _clean_url(fields["url"])
    if "events" in fields:
        endpoint.events = _clean_events(fields["events"])
    if "is_active" in fields:
        endpoint.is_active = bool(fields["is_active"])
    endpoint.save()
    record_security_event("webhook.updated", actor=actor, webhook=endpoint.pk, fields=sorted(fields))
    return endpoint


@atomic
def rotate_webhook_secret(endpoint: WebhookEndpoint, *, actor) -> str:
    require(actor, ADMIN)
    secret = secrets.token_urlsafe(32)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret_encrypted=encrypt_json({"secret": secret}))
    record_security_event("webhook.secret_rotated", actor=actor, webhook=endpoint.pk)
    return secret


@atomic
def delete_webhook(endpoint: WebhookEndpoint, *, actor) -> None:
    require(actor, ADMIN)
    record_security_event("webhook.deleted", actor=actor, webhook=endpoint.pk, url=endpoint.url)
    endpoint.delete()


def queue_delivery(endpoint: WebhookEndpoint, event_type: str, payload: dict[str, Any]) -> WebhookDelivery:
    """Store one delivery and queue its sending, in the caller's transaction (rules call this too)."""
    body = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type=event_type[:40], payload=body, next_attempt_at=timezone.now()
    )
    from parlons.integrations.tasks import send_webhook

    send_webhook.enqueue(delivery.pk)
    return delivery


@atomic
def send_test_event(endpoint: WebhookEndpoint, *, actor) -> WebhookDelivery:
    """A ``ping`` delivery so an administrator can check the receiver."""
    require(actor, ADMIN)
    return queue_delivery(endpoint, "ping", event_payload("ping", {"webhook": endpoint.pk}))


@atomic
def retry_delivery(delivery: WebhookDelivery, *, actor) -> WebhookDelivery:
    """Send a failed delivery again (same id, so the receiver can recognise it)."""
    require(actor, ADMIN)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != WebhookDelivery.Status.FAILED:
        raise Invalid(_("Only a failed delivery can be sent again."))
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    from parlons.integrations.tasks import send_webhook

    send_webhook.enqueue(delivery.pk)
    return delivery


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def event_payload(event_type: str, data: dict[str, Any], *, at: datetime | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "event": event_type,
        "occurred_at": (at or timezone.now()).isoformat(),
        "data": data,
    }
    ticket_id = data.get("ticket_id") or (data.get("id") if event_type.startswith("ticket.") else None)
    if ticket_id:
        payload["ticket"] = ticket_summary(ticket_id)
    return payload


def ticket_summary(ticket_id: int) -> dict[str, Any] | None:
    ticket = (
        Ticket.objects.select_related("channel_group__channel", "contact")
        .prefetch_related("tags")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return None
    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "language": ticket.language,
        "is_spam": ticket.is_spam,
        "platform": ticket.channel_group.channel.platform,
        "channel_group_id": ticket.channel_group_id,
        "assignee_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "contact_id": ticket.contact_id,
        "tags": sorted(t.slug for t in ticket.tags.all()),
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
    }


def send_delivery(delivery_id: int) -> str:
    """Send one delivery (the task). The HTTP call happens outside any transaction; the result is recorded
    after it. Returns the resulting status."""
    with atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
            return delivery.status if delivery else "missing"
        if not delivery.endpoint.is_active:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.last_error = "endpoint switched off"
            delivery.save(update_fields=["status", "last_error"])
            return delivery.status
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
        endpoint = delivery.endpoint
        body = json.dumps(
            {"id": str(delivery.delivery_id), **delivery.payload}, sort_keys=True, separators=(",", ":")
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Parlons-Event": delivery.event_type,
            "X-Parlons-Delivery": str(delivery.delivery_id),
            "X-Parlons-Timestamp": timestamp,
            "X-Parlons-Signature": sign(webhook_secret(endpoint), timestamp, body),
        }
        attempt = delivery.attempts
    code, error = None, ""
    try:
        response = httpx.post(endpoint.url, content=body, headers=headers, timeout=TIMEOUT_SECONDS)
        code = response.status_code
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    with atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        delivery.last_status_code = code
        delivery.last_error = error
        if not error:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif attempt <= len(RETRY_DELAYS):
            delivery.next_attempt_at = timezone.now() + RETRY_DELAYS[attempt - 1]
            from parlons.integrations.tasks import send_webhook

            send_webhook.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
        else:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            logger.warning("webhook delivery %s to endpoint %s failed: %s", delivery.pk, endpoint.pk, error)
        delivery.save()
    return delivery.status


# --- chatbot hand-off --------------------------------------------------------------------------------
@dataclass
class HandoffClient:
    external_id: str
    handle: str = ""
    name: str = ""
    email: str = ""
    language: str = ""


@dataclass
class HandoffTriage:
    intent: str = ""
    topic: str = ""
    language: str = ""
    suggested_tags: list[str] = field(default_factory=list)
    priority: str = ""
    confidence: float | None = None
    summary: str = ""


@dataclass
class HandoffResult:
    handoff: Handoff
    created: bool
    ignored_tags: list[str] = field(default_factory=list)


def _transcript(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    clean = []
    for number, turn in enumerate(turns, 1):
        role = str(turn.get("role", "")).strip()
        text = str(turn.get("text", "")).strip()
        if role not in ("client", "bot"):
            raise Invalid(
                _("Turn %(n)s of the transcript: the role must be “client” or “bot”.") % {"n": number},
                details={"field": f"transcript.{number - 1}.role"},
            )
        if not text:
            raise Invalid(
                _("Turn %(n)s of the transcript has no text.") % {"n": number},
                details={"field": f"transcript.{number - 1}.text"},
            )
        at = turn.get("at")
        clean.append(
            {"role": role, "text": text[:10000], "at": at.isoformat() if hasattr(at, "isoformat") else at}
        )
    if not any(t["role"] == "client" for t in clean):
        raise Invalid(_("The transcript has nothing the client wrote."), details={"field": "transcript"})
    return clean


def hand_off(
    *,
    actor,
    channel_group: ChannelGroup | int,
    client: HandoffClient,
    transcript: list[dict[str, Any]],
    triage: HandoffTriage,
    external_id: str,
) -> HandoffResult:
    """Take over a conversation from a chatbot. Sending the same ``external_id`` again returns the first
    hand-off unchanged (a bot may retry after a timeout)."""
    require(actor, HANDOFF)
    from parlons.tickets.services import (
        Changes,
        InboundMessage,
        Sender,
        ingest_inbound_message,
        update_ticket,
    )

    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 200:
        raise Invalid(
            _("Give the conversation's id (1 to 200 characters)."), details={"field": "conversation_id"}
        )
    bot = actor if getattr(actor, "pk", None) else None
    existing = Handoff.objects.filter(bot=bot, external_id=external_id).first()
    if existing:
        return HandoffResult(existing, created=False)
    group_id = channel_group.pk if isinstance(channel_group, ChannelGroup) else channel_group
    group = ChannelGroup.objects.select_related("channel").filter(pk=group_id, is_active=True).first()
    if group is None:
        raise NotFound(_("No active channel group with this id."))
    turns = _transcript(transcript)
    if triage.priority and triage.priority not in Ticket.Priority.values:
        raise Invalid(
            _("Unknown priority “%(p)s”.") % {"p": triage.priority}, details={"field": "triage.priority"}
        )
    if triage.confidence is not None and not 0 <= triage.confidence <= 1:
        raise Invalid(_("The confidence must be between 0 and 1."), details={"field": "triage.confidence"})
    language = (triage.language or client.language or "")[:2].lower()
    slugs = [s.strip().lower() for s in triage.suggested_tags if s and s.strip()]
    tags = list(Tag.objects.filter(slug__in=slugs, is_archived=False))
    ignored = sorted(set(slugs) - {t.slug for t in tags})
    client_words = "\n\n".join(t["text"] for t in turns if t["role"] == "client")
    try:
        with atomic():
            result = ingest_inbound_message(
                InboundMessage(
                    channel_group=group,
                    sender=Sender(
                        external_id=client.external_id,
                        handle=client.handle,
                        name=client.name,
                        email=client.email,
                    ),
                    body=client_words,
                    kind=MessageKind.CHAT
                    if group.channel.platform in ("webchat", "api")
                    else MessageKind.MESSAGE,
                    external_id=f"handoff:{bot.pk if bot else 0}:{external_id}",
                    language=language,
                    metadata={"handoff": True},
                ),
                via="handoff",
            )
            ticket = result.ticket
            handoff = Handoff.objects.create(
                ticket=ticket,
                bot=bot,
                external_id=external_id,
                transcript=turns,
                intent=triage.intent[:120],
                topic=triage.topic[:120],
                language=language,
                suggested_tags=slugs,
                priority=triage.priority,
                confidence=triage.confidence,
                summary=triage.summary[:5000],
            )
            changes = Changes(add_tags=tags)
            if triage.priority:
                changes.priority = triage.priority
            if not changes.is_empty():
                update_ticket(ticket, changes, actor=SYSTEM, via="handoff")
            from parlons.tickets.services._common import record, user_ref

            record(
                ticket,
                "handoff.received",
                actor=SYSTEM,
                via="handoff",
                bot=user_ref(bot),
                intent=handoff.intent,
                confidence=handoff.confidence,
                handoff=handoff.pk,
            )
            publish(
                HandoffCreated(
                    actor_id=bot.pk if bot else None,
                    via="handoff",
                    id=handoff.pk,
                    ticket_id=ticket.pk,
                    intent=handoff.intent,
                    confidence=handoff.confidence,
                )
            )
    except IntegrityError:  # the same bot sent the same conversation twice at the same moment
        existing = Handoff.objects.filter(bot=bot, external_id=external_id).first()
        if existing is None:
            raise
        return HandoffResult(existing, created=False)
    return HandoffResult(handoff, created=True, ignored_tags=ignored)
