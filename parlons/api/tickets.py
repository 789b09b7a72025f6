"""/api/v1/tickets: thin routes over the ticket services and selectors."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from parlons.api.common import ERRORS, via
from parlons.api.schemas import (
    BodyIn,
    BulkIn,
    BulkOut,
    MessageOut,
    NoteOut,
    ReplyIn,
    SplitIn,
    TagsIn,
    TicketCreate,
    TicketDetail,
    TicketPage,
    TicketPatch,
    detail,
    message_out,
    summary,
    user_ref,
)
from parlons.core.errors import Invalid, NotFound
from parlons.tickets import services
from parlons.tickets.models import ChannelGroup
from parlons.tickets.outbound import ReplyOptions, Template
from parlons.tickets.selectors import TicketFilters, get_visible_ticket, page_of_tickets

router = Router(tags=["tickets"])


class TicketQuery(Schema):
    status: list[Literal["new", "open", "pending", "resolved", "closed"]] = Field(default_factory=list)
    priority: list[Literal["low", "normal", "high", "urgent"]] = Field(default_factory=list)
    channel: list[str] = Field(default_factory=list, description="Platform: facebook, whatsapp, x, email…")
    channel_group: list[int] = Field(default_factory=list)
    group_set: list[int] = Field(default_factory=list, description="Groups spread across channels")
    tag: list[str] = Field(default_factory=list, description="Tickets with all of these tags (slugs)")
    exclude_tag: list[str] = Field(default_factory=list)
    assignee: list[str] = Field(default_factory=list, description="User ids, or `none` for unassigned")
    team: list[int] = Field(default_factory=list)
    contact: list[int] = Field(default_factory=list)
    handle: str = ""
    spam: bool | None = None
    tracker: int | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    q: str = Field("", description="A query in the search language, e.g. `tag:visa -tag:spam permis*`")
    order: Literal["created", "-created", "updated", "-updated"] = "-updated"
    cursor: str = ""
    limit: int = Field(50, ge=1, le=200)

    def filters(self) -> TicketFilters:
        assignees, unassigned = [], False
        for value in self.assignee:
            if value.lower() == "none":
                unassigned = True
            elif value.isdigit():
                assignees.append(int(value))
            else:
                raise Invalid(_("`assignee` takes user ids or `none`."), details={"field": "assignee"})
        return TicketFilters(
            status=self.status,
            priority=self.priority,
            channel=self.channel,
            channel_group=self.channel_group,
            group_set=self.group_set,
            tags=self.tag,
            exclude_tags=self.exclude_tag,
            assignee=assignees,
            unassigned=unassigned,
            team=self.team,
            contact=self.contact,
            handle=self.handle,
            spam=self.spam,
            tracker=self.tracker,
            created_from=self.created_after,
            created_to=self.created_before,
            updated_from=self.updated_after,
            updated_to=self.updated_before,
            q=self.q,
        )


@router.get(
    "", response={200: TicketPage, **ERRORS}, summary="List tickets (filters, ordering, cursor pages)"
)
def list_tickets(request, q: Query[TicketQuery]):
    rows, next_cursor = page_of_tickets(
        request.user, q.filters(), ordering=q.order, cursor=q.cursor, limit=q.limit
    )
    return {"items": [summary(t) for t in rows], "next_cursor": next_cursor}


@router.post("", response={201: TicketDetail, 200: TicketDetail, **ERRORS}, summary="Open a ticket")
def create_ticket(request, payload: TicketCreate):
    """Open a ticket with a first message from a contact on a channel group (an API channel, a chatbot, or an
    agent logging a call). A message with the same `conversation` key as an open ticket threads into it; the
    same `external_id` twice is stored once (200 with the existing ticket)."""
    group = ChannelGroup.objects.select_related("channel").filter(pk=payload.channel_group).first()
    if group is None:
        raise Invalid(_("No such channel group."), details={"field": "channel_group"})
    result = services.ingest_inbound_message(
        services.InboundMessage(
            channel_group=group,
            sender=services.Sender(
                external_id=payload.contact.id,
                handle=payload.contact.handle,
                name=payload.contact.name,
                email=payload.contact.email,
                profile=payload.contact.profile,
            ),
            body=payload.body,
            kind=payload.kind,
            external_id=payload.external_id,
            conversation_key=payload.conversation,
            created_at=payload.created_at,
            subject=payload.subject,
            language=payload.language,
            permalink=payload.permalink,
        ),
        actor=request.user,
        via=via(request),
    )
    ticket = get_visible_ticket(request.user, result.ticket.pk)
    return Status((201 if result.created_ticket else 200), detail(ticket))


@router.get("/{int:ticket_id}", response={200: TicketDetail, **ERRORS}, summary="One ticket, with everything")
def get_ticket(request, ticket_id: int):
    return detail(get_visible_ticket(request.user, ticket_id))


@router.patch("/{int:ticket_id}", response={200: TicketDetail, **ERRORS}, summary="Change a ticket")
def patch_ticket(request, ticket_id: int, payload: TicketPatch):
    ticket = get_visible_ticket(request.user, ticket_id)
    services.update_ticket(ticket, changes_from(payload), actor=request.user, via=via(request))
    return detail(get_visible_ticket(request.user, ticket_id))


def changes_from(payload: TicketPatch, **extra) -> services.Changes:
    """Only the fields the caller sent are changed; `null` for assignee/team means unassign."""
    sent = payload.model_fields_set
    kwargs = {}
    for name in ("status", "priority", "is_spam", "subject"):
        if name in sent:
            value = getattr(payload, name)
            if value is None:
                raise Invalid(_("“%(field)s” cannot be null.") % {"field": name}, details={"field": name})
            kwargs[name] = value
    refs = {
        f"{name}_id": getattr(payload, f"{name}_id")
        for name in ("assignee", "team", "channel_group")
        if f"{name}_id" in sent
    }
    kwargs.update(services.resolve_refs(**refs, **extra))
    return services.Changes(**kwargs)


@router.post("/bulk", response={200: BulkOut, **ERRORS}, summary="Change many tickets at once")
def bulk(request, payload: BulkIn):
    c = payload.changes
    changes = changes_from(
        c,
        tag_slugs_add=c.add_tags,
        tag_slugs_remove=c.remove_tags,
        tracker_ids_add=c.add_trackers,
        tracker_ids_remove=c.remove_trackers,
    )
    return services.bulk_update(payload.ids, changes, actor=request.user, via=via(request))


@router.post("/{int:ticket_id}/replies", response={201: MessageOut, **ERRORS}, summary="Reply to the client")
def post_reply(request, ticket_id: int, payload: ReplyIn):
    """Queue a reply to the client, checked against the platform's rules first (the same as the web
    composer's, with the same messages): see the request body's description for the refusal codes."""
    ticket = get_visible_ticket(request.user, ticket_id)
    template = payload.template
    options = ReplyOptions(
        template=Template(template.name, template.language, tuple(template.parameters)) if template else None,
        human_agent=payload.human_agent,
        private_reply=payload.private_reply,
        x_dm=payload.x_dm,
        status_after=payload.status_after or "",
    )
    message = services.reply(ticket, payload.body, actor=request.user, via=via(request), options=options)
    return Status(201, message_out(message))


@router.post("/{int:ticket_id}/notes", response={201: NoteOut, **ERRORS}, summary="Add an internal note")
def post_note(request, ticket_id: int, payload: BodyIn):
    ticket = get_visible_ticket(request.user, ticket_id)
    note = services.add_note(ticket, payload.body, actor=request.user, via=via(request))
    return Status(
        201,
        {
            "id": note.pk,
            "body": note.body,
            "author": user_ref(note.author),
            "created_at": note.created_at,
        },
    )


@router.post("/{int:ticket_id}/tags", response={200: TicketDetail, **ERRORS}, summary="Add tags")
def post_tags(request, ticket_id: int, payload: TagsIn):
    ticket = get_visible_ticket(request.user, ticket_id)
    services.add_tags(ticket, services.tags_by_slug(payload.tags), actor=request.user, via=via(request))
    return detail(get_visible_ticket(request.user, ticket_id))


@router.delete("/{int:ticket_id}/tags", response={200: TicketDetail, **ERRORS}, summary="Remove tags")
def delete_tags(request, ticket_id: int, tag: Query[list[str]]):
    """Remove the tags given as `?tag=a&tag=b`."""
    ticket = get_visible_ticket(request.user, ticket_id)
    if not tag:
        raise Invalid(_("Name at least one tag to remove."), details={"field": "tag"})
    services.remove_tags(ticket, services.tags_by_slug(tag), actor=request.user, via=via(request))
    return detail(get_visible_ticket(request.user, ticket_id))


@router.post("/{int:ticket_id}/split", response={201: TicketDetail, **ERRORS}, summary="Split a message out")
def split(request, ticket_id: int, payload: SplitIn):
    ticket = get_visible_ticket(request.user, ticket_id)
    if not ticket.messages.filter(pk=payload.message_id).exists():
        raise NotFound(_("That message is not on this ticket."))
    new = services.split_message(payload.message_id, actor=request.user, via=via(request))
    return Status(201, detail(get_visible_ticket(request.user, new.pk)))
