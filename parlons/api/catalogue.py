"""/api/v1 catalogue: lines of business, tag groups, tags, trackers, canned responses (ADM-8, OPS-16, OPS-18,
BEY-4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count
from ninja import Router, Schema, Status
from pydantic import Field

from parlons.accounts.permissions import READ, require
from parlons.api.common import ERRORS, Deleted, Lang, get_or_404, optional_ref, via
from parlons.api.schemas import TagOut
from parlons.tickets import services
from parlons.tickets.models import LineOfBusiness, Tag, TagGroup, Tracker
from parlons.tickets.selectors import get_visible_ticket

router = Router()


# --- lines of business and tag groups ------------------------------------------------------------
class LobIn(Schema):
    name_en: str = Field(..., max_length=120)
    name_fr: str = Field(..., max_length=120)
    slug: str = Field("", max_length=80)


class LobOut(Schema):
    id: int
    slug: str
    name_en: str
    name_fr: str
    is_archived: bool


@router.get("/lines-of-business", response={200: list[LobOut], **ERRORS}, tags=["tags"])
def list_lobs(request):
    require(request.user, READ)
    return list(LineOfBusiness.objects.all())


@router.post("/lines-of-business", response={201: LobOut, **ERRORS}, tags=["tags"])
def create_lob(request, payload: LobIn):
    return Status(201, services.create_line_of_business(actor=request.user, **payload.dict()))


class TagGroupIn(Schema):
    name_en: str = Field(..., max_length=120)
    name_fr: str = Field(..., max_length=120)
    slug: str = Field("", max_length=80)
    parent_id: int | None = None
    line_of_business_id: int | None = None


class TagGroupOut(Schema):
    id: int
    slug: str
    name_en: str
    name_fr: str
    parent_id: int | None
    line_of_business_id: int | None


@router.get("/tag-groups", response={200: list[TagGroupOut], **ERRORS}, tags=["tags"])
def list_tag_groups(request):
    require(request.user, READ)
    return list(TagGroup.objects.all())


@router.post("/tag-groups", response={201: TagGroupOut, **ERRORS}, tags=["tags"])
def create_tag_group(request, payload: TagGroupIn):
    return Status(
        201,
        services.create_tag_group(
            actor=request.user,
            name_en=payload.name_en,
            name_fr=payload.name_fr,
            slug=payload.slug,
            parent=optional_ref(TagGroup, payload.parent_id, "parent"),
            line_of_business=optional_ref(LineOfBusiness, payload.line_of_business_id, "line_of_business"),
        ),
    )


# --- tags -----------------------------------------------------------------------------------------
class TagIn(Schema):
    name_en: str = Field(..., max_length=120)
    name_fr: str = Field(..., max_length=120)
    slug: str = Field("", max_length=80)
    group_id: int | None = None
    line_of_business_id: int | None = None


class TagPatch(Schema):
    name_en: str | None = Field(None, max_length=120)
    name_fr: str | None = Field(None, max_length=120)
    group_id: int | None = None
    line_of_business_id: int | None = None
    is_archived: bool | None = None


class TagWithUse(TagOut):
    ticket_count: int = 0


@router.get("/tags", response={200: list[TagWithUse], **ERRORS}, tags=["tags"])
def list_tags(request, include_archived: bool = False):
    require(request.user, READ)
    qs = Tag.objects.annotate(ticket_count=Count("ticket_tags"))
    if not include_archived:
        qs = qs.filter(is_archived=False)
    return list(qs)


@router.post("/tags", response={201: TagOut, **ERRORS}, tags=["tags"])
def create_tag(request, payload: TagIn):
    return Status(
        201,
        services.create_tag(
            actor=request.user,
            via=via(request),
            name_en=payload.name_en,
            name_fr=payload.name_fr,
            slug=payload.slug,
            group=optional_ref(TagGroup, payload.group_id, "group"),
            line_of_business=optional_ref(LineOfBusiness, payload.line_of_business_id, "line_of_business"),
        ),
    )


@router.get("/tags/{int:tag_id}", response={200: TagOut, **ERRORS}, tags=["tags"])
def get_tag(request, tag_id: int):
    return get_or_404(Tag, tag_id, request=request)


@router.patch("/tags/{int:tag_id}", response={200: TagOut, **ERRORS}, tags=["tags"])
def patch_tag(request, tag_id: int, payload: TagPatch):
    tag = get_or_404(Tag, tag_id, request=request)
    fields: dict[str, Any] = {}
    sent = payload.model_fields_set
    for name in ("name_en", "name_fr", "is_archived"):
        if name in sent and getattr(payload, name) is not None:
            fields[name] = getattr(payload, name)
    if "group_id" in sent:
        fields["group"] = optional_ref(TagGroup, payload.group_id, "group")
    if "line_of_business_id" in sent:
        fields["line_of_business"] = optional_ref(
            LineOfBusiness, payload.line_of_business_id, "line_of_business"
        )
    return services.update_tag(tag, actor=request.user, via=via(request), **fields)


@router.delete("/tags/{int:tag_id}", response={200: Deleted, **ERRORS}, tags=["tags"])
def delete_tag(request, tag_id: int, confirm: bool = False):
    """Delete a tag. A tag in use answers 409 `tag_in_use` with the count unless `?confirm=true`."""
    tag = get_or_404(Tag, tag_id, request=request)
    return {
        "deleted": True,
        "tickets_affected": services.delete_tag(tag, actor=request.user, confirm=confirm, via=via(request)),
    }


# --- trackers -------------------------------------------------------------------------------------
class TrackerIn(Schema):
    name: str = Field(..., max_length=200)
    description: str = ""


class TrackerPatch(Schema):
    name: str | None = Field(None, max_length=200)
    description: str | None = None
    is_archived: bool | None = None


class TrackerOut(Schema):
    id: int
    name: str
    description: str
    is_archived: bool
    created_at: datetime
    ticket_count: int = 0


class TicketIds(Schema):
    ticket_ids: list[int] = Field(..., min_length=1, max_length=10000)


@router.get("/trackers", response={200: list[TrackerOut], **ERRORS}, tags=["trackers"])
def list_trackers(request):
    require(request.user, READ)
    return list(Tracker.objects.annotate(ticket_count=Count("trackerticket")))


@router.post("/trackers", response={201: TrackerOut, **ERRORS}, tags=["trackers"])
def create_tracker(request, payload: TrackerIn):
    return Status(
        201,
        services.create_tracker(
            actor=request.user, via=via(request), name=payload.name, description=payload.description
        ),
    )


@router.patch("/trackers/{int:tracker_id}", response={200: TrackerOut, **ERRORS}, tags=["trackers"])
def patch_tracker(request, tracker_id: int, payload: TrackerPatch):
    tracker = get_or_404(Tracker, tracker_id, request=request)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.update_tracker(tracker, actor=request.user, **fields)


@router.delete("/trackers/{int:tracker_id}", response={200: Deleted, **ERRORS}, tags=["trackers"])
def delete_tracker(request, tracker_id: int):
    services.delete_tracker(get_or_404(Tracker, tracker_id, request=request), actor=request.user)
    return {"deleted": True}


@router.post("/trackers/{int:tracker_id}/tickets", response={200: dict, **ERRORS}, tags=["trackers"])
def add_tracker_tickets(request, tracker_id: int, payload: TicketIds):
    """Add tickets to a tracker (OPS-18)."""
    tracker = get_or_404(Tracker, tracker_id, request=request)
    return services.bulk_update(
        payload.ticket_ids, services.Changes(add_trackers=[tracker]), actor=request.user, via=via(request)
    )


@router.delete(
    "/trackers/{int:tracker_id}/tickets/{int:ticket_id}", response={200: Deleted, **ERRORS}, tags=["trackers"]
)
def remove_tracker_ticket(request, tracker_id: int, ticket_id: int):
    tracker = get_or_404(Tracker, tracker_id, request=request)
    ticket = get_visible_ticket(request.user, ticket_id)
    services.remove_from_tracker(ticket, tracker, actor=request.user, via=via(request))
    return {"deleted": True}


# --- canned responses (BEY-4) ---------------------------------------------------------------------
class CannedIn(Schema):
    name: str = Field(..., max_length=120)
    body_en: str = Field("", max_length=20000)
    body_fr: str = Field("", max_length=20000)
    shortcut: str = Field("", max_length=40)
    team_id: int | None = None


class CannedPatch(Schema):
    name: str | None = Field(None, max_length=120)
    body_en: str | None = Field(None, max_length=20000)
    body_fr: str | None = Field(None, max_length=20000)
    shortcut: str | None = Field(None, max_length=40)
    team_id: int | None = None
    is_archived: bool | None = None


class CannedOut(Schema):
    id: int
    name: str
    shortcut: str
    body_en: str
    body_fr: str
    team_id: int | None
    is_archived: bool
    created_at: datetime
    updated_at: datetime


class CannedRendered(Schema):
    id: int
    language: str
    text: str


def _team_ref(team_id):
    from parlons.accounts.models import Team

    return optional_ref(Team, team_id, "team")


@router.get("/canned-responses", response={200: list[CannedOut], **ERRORS}, tags=["canned responses"])
def list_canned(request, q: str = "", include_archived: bool = False):
    """The canned responses the caller may insert (for everyone, or for one of the caller's teams)."""
    return list(services.canned_responses_for(request.user, query=q, include_archived=include_archived))


@router.post("/canned-responses", response={201: CannedOut, **ERRORS}, tags=["canned responses"])
def create_canned(request, payload: CannedIn):
    data = payload.dict()
    team = _team_ref(data.pop("team_id"))
    return Status(
        201, services.create_canned_response(actor=request.user, via=via(request), team=team, **data)
    )


def _visible_canned(request, canned_id: int):
    from parlons.core.errors import NotFound

    found = services.canned_responses_for(request.user, include_archived=True).filter(pk=canned_id).first()
    if found is None:
        raise NotFound()
    return found


@router.get(
    "/canned-responses/{int:canned_id}", response={200: CannedOut, **ERRORS}, tags=["canned responses"]
)
def get_canned(request, canned_id: int):
    return _visible_canned(request, canned_id)


@router.patch(
    "/canned-responses/{int:canned_id}", response={200: CannedOut, **ERRORS}, tags=["canned responses"]
)
def patch_canned(request, canned_id: int, payload: CannedPatch):
    response = _visible_canned(request, canned_id)
    sent = payload.model_fields_set
    fields: dict[str, Any] = {
        name: getattr(payload, name)
        for name in ("name", "body_en", "body_fr", "shortcut", "is_archived")
        if name in sent and getattr(payload, name) is not None
    }
    if "team_id" in sent:
        fields["team"] = _team_ref(payload.team_id)
    return services.update_canned_response(response, actor=request.user, via=via(request), **fields)


@router.delete(
    "/canned-responses/{int:canned_id}", response={200: Deleted, **ERRORS}, tags=["canned responses"]
)
def delete_canned(request, canned_id: int):
    services.delete_canned_response(_visible_canned(request, canned_id), actor=request.user, via=via(request))
    return {"deleted": True}


@router.get(
    "/tickets/{int:ticket_id}/canned-responses/{int:canned_id}",
    response={200: CannedRendered, **ERRORS},
    tags=["canned responses"],
)
def render_canned_for_ticket(request, ticket_id: int, canned_id: int, language: Lang | None = None):
    """The response's text for one ticket, placeholders filled, in ``language`` (default: the ticket's)."""
    ticket = get_visible_ticket(request.user, ticket_id)
    response = _visible_canned(request, canned_id)
    lang = language or ticket.language or "en"
    return {
        "id": response.pk,
        "language": lang,
        "text": services.render_canned(response, ticket, lang, agent=request.user),
    }
