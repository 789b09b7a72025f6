"""/api/v1 integrations: chatbot hand-off (OPS-2, ENV-9) and outgoing webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from parlons.accounts.permissions import ADMIN, HANDOFF, require
from parlons.api.common import ERRORS, Deleted, get_or_404
from parlons.integrations import services
from parlons.integrations.models import Handoff, WebhookDelivery, WebhookEndpoint
from parlons.tickets.selectors import get_visible_ticket

router = Router()


# --- chatbot hand-off ------------------------------------------------------------------------------
class ClientIn(Schema):
    external_id: str = Field(..., min_length=1, max_length=255, description="The client's id on the channel")
    handle: str = Field("", max_length=255)
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    language: str = Field("", max_length=5)


class TurnIn(Schema):
    role: Literal["client", "bot"]
    text: str = Field(..., min_length=1, max_length=10000)
    at: datetime | None = None


class TriageIn(Schema):
    intent: str = Field("", max_length=120)
    topic: str = Field("", max_length=120)
    language: str = Field("", max_length=5)
    suggested_tags: list[str] = Field(default_factory=list, max_length=50)
    priority: str = Field("", max_length=10)
    confidence: float | None = Field(None, ge=0, le=1)
    summary: str = Field("", max_length=5000)


class HandoffIn(Schema):
    conversation_id: str = Field(..., min_length=1, max_length=200, description="The bot's id for it")
    channel_group_id: int
    client: ClientIn
    transcript: list[TurnIn] = Field(..., min_length=1, max_length=500)
    triage: TriageIn = Field(default_factory=TriageIn)


class HandoffOut(Schema):
    id: int
    ticket_id: int
    conversation_id: str
    created: bool
    intent: str
    topic: str
    language: str
    priority: str
    confidence: float | None
    summary: str
    suggested_tags: list[str]
    ignored_tags: list[str]
    transcript: list[dict[str, Any]]
    created_at: datetime


def _handoff_out(result: services.HandoffResult) -> dict:
    h = result.handoff
    return {
        "id": h.pk,
        "ticket_id": h.ticket_id,
        "conversation_id": h.external_id,
        "created": result.created,
        "intent": h.intent,
        "topic": h.topic,
        "language": h.language,
        "priority": h.priority,
        "confidence": h.confidence,
        "summary": h.summary,
        "suggested_tags": h.suggested_tags,
        "ignored_tags": result.ignored_tags,
        "transcript": h.transcript,
        "created_at": h.created_at,
    }


@router.post("/handoffs", response={200: HandoffOut, 201: HandoffOut, **ERRORS}, tags=["handoffs"])
def create_handoff(request, payload: HandoffIn):
    """A chatbot hands a conversation over to the agents (token scope `bots.handoff`). Sending the same
    `conversation_id` again returns the first hand-off with status 200."""
    require(request.user, HANDOFF)
    result = services.hand_off(
        actor=request.user,
        channel_group=payload.channel_group_id,
        client=services.HandoffClient(**payload.client.dict()),
        transcript=[turn.dict() for turn in payload.transcript],
        triage=services.HandoffTriage(**payload.triage.dict()),
        external_id=payload.conversation_id,
    )
    return Status(201 if result.created else 200, _handoff_out(result))


@router.get("/tickets/{ticket_id}/handoffs", response={200: list[HandoffOut], **ERRORS}, tags=["handoffs"])
def ticket_handoffs(request, ticket_id: int):
    ticket = get_visible_ticket(request.user, ticket_id)
    return [
        _handoff_out(services.HandoffResult(h, created=False)) for h in Handoff.objects.filter(ticket=ticket)
    ]


# --- outgoing webhooks -----------------------------------------------------------------------------
class WebhookIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    url: str = Field(..., min_length=1, max_length=1000)
    events: list[str] = Field(default_factory=list, description="Event types followed; empty = all")
    secret: str = Field("", max_length=200, description="Signing secret; generated when empty")


class WebhookPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    url: str | None = Field(None, min_length=1, max_length=1000)
    events: list[str] | None = None
    is_active: bool | None = None


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    is_active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(..., description="Shown only now: keep it to check the X-Parlons-Signature header")


class SecretOut(Schema):
    secret: str


class DeliveryOut(Schema):
    id: int
    delivery_id: UUID
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS}, tags=["webhooks"])
def list_webhooks(request):
    require(request.user, ADMIN)
    return list(WebhookEndpoint.objects.all())


@router.post("/webhooks", response={201: WebhookCreated, **ERRORS}, tags=["webhooks"])
def create_webhook(request, payload: WebhookIn):
    endpoint, secret = services.create_webhook(actor=request.user, **payload.dict())
    return Status(201, {**WebhookOut.from_orm(endpoint).dict(), "secret": secret})


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS}, tags=["webhooks"])
def get_webhook(request, webhook_id: int):
    return get_or_404(WebhookEndpoint, webhook_id, perm=ADMIN, request=request)


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS}, tags=["webhooks"])
def update_webhook(request, webhook_id: int, payload: WebhookPatch):
    endpoint = get_or_404(WebhookEndpoint, webhook_id, perm=ADMIN, request=request)
    fields = {k: v for k, v in payload.dict().items() if v is not None}
    return services.update_webhook(endpoint, actor=request.user, **fields)


@router.delete("/webhooks/{webhook_id}", response={200: Deleted, **ERRORS}, tags=["webhooks"])
def delete_webhook(request, webhook_id: int):
    endpoint = get_or_404(WebhookEndpoint, webhook_id, perm=ADMIN, request=request)
    services.delete_webhook(endpoint, actor=request.user)
    return {"deleted": True}


@router.post("/webhooks/{webhook_id}/secret", response={200: SecretOut, **ERRORS}, tags=["webhooks"])
def rotate_secret(request, webhook_id: int):
    endpoint = get_or_404(WebhookEndpoint, webhook_id, perm=ADMIN, request=request)
    return {"secret": services.rotate_webhook_secret(endpoint, actor=request.user)}


@router.post("/webhooks/{webhook_id}/ping", response={202: DeliveryOut, **ERRORS}, tags=["webhooks"])
def ping_webhook(request, webhook_id: int):
    endpoint = get_or_404(WebhookEndpoint, webhook_id, perm=ADMIN, request=request)
    return Status(202, services.send_test_event(endpoint, actor=request.user))


@router.get(
    "/webhooks/{webhook_id}/deliveries", response={200: list[DeliveryOut], **ERRORS}, tags=["webhooks"]
)
def list_deliveries(request, webhook_id: int, status: str = "", limit: int = 50):
    endpoint = get_or_404(WebhookEndpoint, webhook_id, perm=ADMIN, request=request)
    deliveries = endpoint.deliveries.all()
    if status:
        deliveries = deliveries.filter(status=status)
    return list(deliveries[: max(1, min(limit, 500))])


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_pk}/retry",
    response={202: DeliveryOut, **ERRORS},
    tags=["webhooks"],
)
def retry_delivery(request, webhook_id: int, delivery_pk: int):
    require(request.user, ADMIN)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_pk, endpoint_id=webhook_id)
    return Status(202, services.retry_delivery(delivery, actor=request.user))
