"""Request and response shapes of the API (ninja Schemas). Credentials are accepted, never returned."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils.translation import get_language
from ninja import Schema
from pydantic import Field

from parlons.tickets.history import describe_many
from parlons.tickets.models import Ticket

Status = Literal["new", "open", "pending", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
Kind = Literal["comment", "message", "mention", "dm", "email", "chat", "call"]


class Error(Schema):
    code: str
    message: str
    details: dict[str, Any] = {}


class Ref(Schema):
    id: int
    name: str


class TagOut(Schema):
    id: int
    slug: str
    name_en: str
    name_fr: str
    group_id: int | None = None
    line_of_business_id: int | None = None
    is_archived: bool


class IdentityOut(Schema):
    platform: str
    external_id: str
    handle: str
    display_name: str
    profile_url: str
    avatar_url: str
    profile: dict[str, Any]


class ContactOut(Schema):
    id: int
    name: str
    language: str
    identities: list[IdentityOut] = []


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str = ""


class MessageOut(Schema):
    id: int
    direction: str
    kind: str
    platform: str
    body: str
    author_contact_id: int | None
    author_user: Ref | None = None
    external_id: str
    permalink: str
    parent_id: int | None
    delivery_status: str
    delivery_error: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    attachments: list[AttachmentOut] = []


class NoteOut(Schema):
    id: int
    body: str
    author: Ref | None = None
    created_at: datetime


class EventOut(Schema):
    id: int
    kind: str
    actor: Ref | None = None
    via: str
    data: dict[str, Any]
    text: str
    created_at: datetime


class TicketSummary(Schema):
    id: int
    subject: str
    status: str
    priority: str
    is_spam: bool
    kind: str
    language: str
    platform: str
    channel_group: Ref
    contact: Ref
    assignee: Ref | None
    team: Ref | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    closed_by: Ref | None
    sla_due_at: datetime | None
    version: int


class TicketDetail(TicketSummary):
    contact_detail: ContactOut
    tag_details: list[TagOut]
    messages: list[MessageOut]
    notes: list[NoteOut]
    history: list[EventOut]
    trackers: list[Ref]
    split_from_id: int | None


class TicketPage(Schema):
    items: list[TicketSummary]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to get the next page; null at the end"
    )


def user_ref(user) -> dict | None:
    return None if user is None else {"id": user.pk, "name": user.display_name}


def summary(ticket: Ticket) -> dict:
    group = ticket.channel_group
    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "is_spam": ticket.is_spam,
        "kind": ticket.kind,
        "language": ticket.language,
        "platform": group.channel.platform,
        "channel_group": {"id": group.pk, "name": group.name},
        "contact": {"id": ticket.contact_id, "name": ticket.contact.name},
        "assignee": user_ref(ticket.assignee),
        "team": None if ticket.team is None else {"id": ticket.team.pk, "name": ticket.team.name},
        "tags": sorted(t.slug for t in ticket.tags.all()),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "closed_by": user_ref(ticket.closed_by),
        "sla_due_at": ticket.sla_due_at,
        "version": ticket.version,
    }


def message_out(m) -> dict:
    """One message with its author and attachments, in the shape of ``MessageOut``."""
    return {
        **{f: getattr(m, f) for f in MessageOut.model_fields if f not in ("author_user", "attachments")},
        "author_user": user_ref(m.author_user),
        "attachments": [
            {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "url": a.file.url if a.file else a.external_url,
            }
            for a in m.attachments.all()
        ],
    }


def detail(ticket: Ticket) -> dict:
    data = summary(ticket)
    contact = ticket.contact
    language = get_language() or "en"
    events = list(ticket.events.select_related("actor"))
    data.update(
        {
            "contact_detail": {
                "id": contact.pk,
                "name": contact.name,
                "language": contact.language,
                "identities": list(contact.identities.all()),
            },
            "tag_details": list(ticket.tags.all()),
            "messages": [
                message_out(m)
                for m in ticket.messages.select_related("author_user").prefetch_related("attachments")
            ],
            "notes": [
                {"id": n.pk, "body": n.body, "author": user_ref(n.author), "created_at": n.created_at}
                for n in ticket.notes.select_related("author")
            ],
            "history": [
                {
                    "id": e.pk,
                    "kind": e.kind,
                    "actor": user_ref(e.actor),
                    "via": e.via,
                    "data": e.data,
                    "text": text,
                    "created_at": e.created_at,
                }
                for e, text in zip(events, describe_many(events, language), strict=True)
            ],
            "trackers": [{"id": t.pk, "name": t.name} for t in ticket.trackers.all()],
            "split_from_id": ticket.split_from_id,
        }
    )
    return data


# --- inputs ---------------------------------------------------------------------------------------
class ContactIn(Schema):
    id: str = Field(..., min_length=1, max_length=255, description="The contact's id on the platform")
    handle: str = Field("", max_length=255)
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    profile: dict[str, Any] = {}


class TicketCreate(Schema):
    channel_group: int
    contact: ContactIn
    body: str = Field(..., min_length=1, max_length=20000)
    subject: str = Field("", max_length=255)
    kind: Kind = "message"
    language: Literal["", "en", "fr"] = ""
    external_id: str = Field(
        "", max_length=255, description="The message id on the source system (deduplication)"
    )
    conversation: str = Field("", max_length=255, description="Thread key; messages with the same key thread")
    created_at: datetime | None = None
    permalink: str = Field("", max_length=1000)


class TicketPatch(Schema):
    status: Status | None = None
    priority: Priority | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    channel_group_id: int | None = None
    is_spam: bool | None = None
    subject: str | None = Field(None, max_length=255)


class BulkChanges(TicketPatch):
    add_tags: list[str] = []
    remove_tags: list[str] = []
    add_trackers: list[int] = []
    remove_trackers: list[int] = []


class BulkIn(Schema):
    ids: list[int] = Field(..., min_length=1, max_length=10000)
    changes: BulkChanges


class BulkOut(Schema):
    updated: list[int]
    unchanged: list[int]
    not_found: list[int]


class BodyIn(Schema):
    body: str = Field(..., max_length=20000)


class TemplateIn(Schema):
    name: str = Field(..., min_length=1, max_length=512, description="The approved template's name")
    language: str = Field(..., min_length=1, max_length=20, description="Its language code, e.g. `fr_CA`")
    parameters: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="The values of its placeholders `{{1}}`, `{{2}}`…, in order; every one is required",
    )


class ReplyIn(Schema):
    """A reply and how to send it. The platform's rules are checked before anything is stored or queued; a
    reply the platform would refuse is a 400 whose `code` says why: `outside_window` (Messenger, Instagram and
    WhatsApp accept free text only within 24 hours of the client's last message), `human_agent_unavailable`,
    `template_unavailable` (not a WhatsApp ticket), `unknown_template`, `templates_unavailable`,
    `template_parameters`, `template_attachments`, `private_reply_used`, `private_reply_unavailable`,
    `x_dm_unavailable`, `too_long_for_x`; and as for any reply `ticket_closed`, `ticket_spam`, `empty`,
    `too_long`."""

    body: str = Field(
        "",
        max_length=20000,
        description="The text; may be empty only when a `template` is sent (its text is used)",
    )
    template: TemplateIn | None = Field(
        None, description="WhatsApp: send this approved template (the only reply possible after 24 hours)"
    )
    human_agent: bool = Field(
        False,
        description="Messenger, Instagram: tag the reply HUMAN_AGENT, allowed after the 24-hour window and "
        "within 7 days of the client's last message",
    )
    private_reply: bool = Field(
        False,
        description="Facebook, Instagram comments: answer privately by direct message (once per comment, "
        "within 7 days of it) instead of publicly",
    )
    x_dm: bool = Field(False, description="X mentions: answer by direct message instead of a reply post")
    status_after: Literal["open", "pending", "resolved", "closed"] | None = Field(
        None, description="The status the ticket takes once the reply is queued (e.g. `pending`, `resolved`)"
    )


class TagsIn(Schema):
    tags: list[str] = Field(..., min_length=1, max_length=200)


class SplitIn(Schema):
    message_id: int
