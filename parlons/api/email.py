"""/api/v1: the e-mail channel's ticket actions (ENV-5, OPS-20): forward a ticket to an outside person, list
a ticket's forwards, download a ticket as ``.eml``. Thin routes over ``parlons.connectors.email``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from parlons.api.common import ERRORS, via
from parlons.connectors.email.eml import ticket_to_eml
from parlons.connectors.email.models import Forward
from parlons.connectors.email.services import forward_ticket
from parlons.tickets.selectors import get_visible_ticket

router = Router(tags=["e-mail"])


class ForwardIn(Schema):
    to: str = Field(max_length=254, description="The outside person's e-mail address")
    note: str = Field("", max_length=5000)
    message_ids: list[int] | None = Field(None, description="Messages to include (default: all)")
    attachment_ids: list[int] | None = Field(
        None, description="Attachments to include (default: those of the chosen messages)"
    )


class ForwardOut(Schema):
    id: int
    ticket_id: int
    to: str
    note: str
    message_ids: list[int]
    attachment_ids: list[int]
    state: Literal["queued", "sent", "failed"]
    answers: int
    created_at: datetime
    sent_at: datetime | None


def forward_out(f: Forward) -> dict:
    return {
        "id": f.pk,
        "ticket_id": f.ticket_id,
        "to": f.to_address,
        "note": f.note,
        "message_ids": f.message_ids,
        "attachment_ids": f.attachment_ids,
        "state": f.state,
        "answers": f.answers,
        "created_at": f.created_at,
        "sent_at": f.sent_at,
    }


@router.post(
    "/tickets/{int:ticket_id}/forwards",
    response={201: ForwardOut, **ERRORS},
    summary="Forward a ticket by e-mail to someone without access (their answer comes back as a note)",
)
def create_forward(request, ticket_id: int, payload: ForwardIn):
    forward = forward_ticket(
        get_visible_ticket(request.user, ticket_id),
        actor=request.user,
        to=payload.to,
        note=payload.note,
        message_ids=payload.message_ids,
        attachment_ids=payload.attachment_ids,
        via=via(request),
    )
    return Status(201, forward_out(forward))


@router.get(
    "/tickets/{int:ticket_id}/forwards",
    response={200: list[ForwardOut], **ERRORS},
    summary="A ticket's forwards",
)
def list_forwards(request, ticket_id: int):
    ticket = get_visible_ticket(request.user, ticket_id)
    return [forward_out(f) for f in Forward.objects.filter(ticket=ticket)]


@router.get(
    "/tickets/{int:ticket_id}/eml",
    response={200: None, **ERRORS},
    summary="The whole ticket as an .eml file (opens in Outlook)",
)
def download_eml(request, ticket_id: int):
    ticket = get_visible_ticket(request.user, ticket_id)
    response = HttpResponse(ticket_to_eml(ticket), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="ticket-{ticket.pk}.eml"'
    return response
