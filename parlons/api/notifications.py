"""/api/v1: my notifications and preferences, and broadcasts to all users (OPS-7, OPS-13, DOC-3).

Thin routes over ``parlons.notifications.services``. A person's notifications and preferences are their own
(tickets.read is enough); broadcasts are sent and ended by administrators (system.admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Router, Schema, Status
from pydantic import Field

from parlons.accounts.permissions import READ, require
from parlons.api.common import ERRORS, via
from parlons.notifications import services
from parlons.notifications.models import Broadcast, Notification

router = Router(tags=["notifications"])

KindName = Literal[tuple(services.TUNABLE_KINDS)]  # type: ignore[valid-type]


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    ticket_id: int | None
    context: dict
    created_at: datetime
    read: bool


def notification_out(n: Notification) -> dict:
    text = services.describe(n)
    return {
        "id": n.pk,
        "kind": n.kind,
        **text,
        "ticket_id": n.ticket_id,
        "context": n.context,
        "created_at": n.created_at,
        "read": n.read_at is not None,
    }


class NotificationList(Schema):
    unread: int
    items: list[NotificationOut]


@router.get("/notifications", response={200: NotificationList, **ERRORS}, summary="My notifications")
def my_notifications(request, unread_only: bool = False, limit: int = 50):
    require(request.user, READ)
    qs = Notification.objects.filter(recipient=request.user).select_related("actor", "recipient")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    limit = max(1, min(limit, 200))
    return {"unread": services.unread_count(request.user), "items": [notification_out(n) for n in qs[:limit]]}


class ReadIn(Schema):
    ids: list[int] | None = Field(None, description="The notifications to mark read; omit for all of them")


class ReadOut(Schema):
    marked: int
    unread: int


@router.post("/notifications/read", response={200: ReadOut, **ERRORS}, summary="Mark my notifications read")
def mark_read(request, payload: ReadIn):
    require(request.user, READ)
    marked = services.mark_read(request.user, actor=request.user, ids=payload.ids)
    return {"marked": marked, "unread": services.unread_count(request.user)}


class ChannelsIn(Schema):
    email: bool
    desktop: bool


class PreferencesOut(Schema):
    channels: dict[str, ChannelsIn]
    muted: bool
    dnd_until: datetime | None


class PreferencesIn(Schema):
    channels: dict[KindName, ChannelsIn] | None = None
    muted: bool | None = None
    dnd_until: datetime | None = Field(None, description="Do not disturb until (ISO 8601 with a time zone)")
    clear_dnd: bool = False


def preferences_out(pref) -> dict:
    return {
        "channels": {kind: services.channels_for(pref, kind) for kind in services.TUNABLE_KINDS},
        "muted": pref.muted,
        "dnd_until": pref.dnd_until,
    }


@router.get(
    "/notifications/preferences",
    response={200: PreferencesOut, **ERRORS},
    summary="My notification preferences",
)
def get_preferences(request):
    require(request.user, READ)
    return preferences_out(services.preference_for(request.user))


@router.put(
    "/notifications/preferences",
    response={200: PreferencesOut, **ERRORS},
    summary="Change my notification preferences (fields left out are kept)",
)
def put_preferences(request, payload: PreferencesIn):
    require(request.user, READ)
    current = services.preference_for(request.user)
    channels = None
    if payload.channels is not None:
        channels = {kind: services.channels_for(current, kind) for kind in services.TUNABLE_KINDS}
        channels.update({kind: value.dict() for kind, value in payload.channels.items()})
    dnd = None if payload.clear_dnd else (payload.dnd_until if payload.dnd_until is not None else "keep")
    pref = services.update_preferences(
        request.user, actor=request.user, channels=channels, muted=payload.muted, dnd_until=dnd
    )
    return preferences_out(pref)


class BroadcastIn(Schema):
    kind: Literal["problem", "planned", "unplanned"]
    message: str = Field(max_length=5000)
    starts_at: datetime | None = Field(
        None, description="Empty: now. Planned outages: at least 48 hours ahead"
    )
    ends_at: datetime


class BroadcastOut(Schema):
    id: int
    kind: str
    message: str
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    recipients: int
    created_at: datetime


def broadcast_out(b: Broadcast) -> dict:
    return {
        "id": b.pk,
        "kind": b.kind,
        "message": b.message,
        "starts_at": b.starts_at,
        "ends_at": b.ends_at,
        "ended_at": b.ended_at,
        "recipients": b.recipients,
        "created_at": b.created_at,
    }


@router.get("/broadcasts", response={200: list[BroadcastOut], **ERRORS}, summary="Announcements showing now")
def current_broadcasts(request):
    return [broadcast_out(b) for b in services.active_broadcasts()]


@router.post(
    "/broadcasts",
    response={201: BroadcastOut, **ERRORS},
    summary="Announce a problem or an outage to all users",
)
def create_broadcast(request, payload: BroadcastIn):
    broadcast = services.create_broadcast(
        actor=request.user,
        via=via(request),
        kind=payload.kind,
        message=payload.message,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
    )
    return Status(201, broadcast_out(broadcast))


@router.post(
    "/broadcasts/{int:broadcast_id}/end",
    response={200: BroadcastOut, **ERRORS},
    summary="End an announcement now",
)
def end_broadcast(request, broadcast_id: int):
    return broadcast_out(services.end_broadcast(broadcast_id, actor=request.user, via=via(request)))
