"""Broadcasts (DOC-3): an administrator announces a problem or an outage to all users."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, require
from parlons.core.actors import actor_user
from parlons.core.db import atomic
from parlons.core.errors import Invalid, NotFound
from parlons.core.event_types import BroadcastCreated, BroadcastEnded
from parlons.core.events import publish
from parlons.notifications.models import Broadcast, Kind
from parlons.notifications.services.notifying import notify

PLANNED_NOTICE = timedelta(hours=48)


def create_broadcast(
    *,
    actor,
    via: str = "web",
    kind: str,
    message: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> Broadcast:
    """An administrator announces a problem or an outage to all users: one e-mail each, in their language, and
    a banner on every page until it ends. Planned outages must be announced at least 48 hours ahead."""
    require(actor, ADMIN)
    from parlons.accounts.models import User

    now = timezone.now()
    message = (message or "").strip()
    if kind not in Broadcast.Kind.values:
        raise Invalid(_("Choose the kind of announcement."), details={"field": "kind"})
    if not message:
        raise Invalid(_("Write the message to send."), details={"field": "message"})
    if len(message) > 5000:
        raise Invalid(_("The message is too long (5,000 characters at most)."), details={"field": "message"})
    starts_at = starts_at or now
    if ends_at is None:
        raise Invalid(_("Say when it ends."), details={"field": "ends_at"})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise Invalid(_("Times need a time zone."))
    if ends_at <= starts_at:
        raise Invalid(_("The end must come after the start."), details={"field": "ends_at"})
    if ends_at <= now:
        raise Invalid(_("The end must be in the future."), details={"field": "ends_at"})
    if kind == Broadcast.Kind.PLANNED and starts_at < now + PLANNED_NOTICE:
        raise Invalid(
            _("A planned outage must be announced at least 48 hours before it starts."),
            details={"field": "starts_at"},
        )
    with atomic():
        broadcast = Broadcast.objects.create(
            kind=kind, message=message, starts_at=starts_at, ends_at=ends_at, created_by=actor_user(actor)
        )
        users = User.objects.filter(is_active=True, is_bot=False, locked_at__isnull=True)
        broadcast.recipients = notify(
            users,
            Kind.BROADCAST,
            actor=actor,
            context={
                "broadcast_id": broadcast.pk,
                "broadcast_kind": kind,
                "message": message,
                "starts_at": starts_at,
                "ends_at": ends_at,
            },
        )
        broadcast.save(update_fields=["recipients"])
        publish(BroadcastCreated(actor_id=getattr(actor, "pk", None), via=via, id=broadcast.pk))
    return broadcast


def end_broadcast(broadcast_id: int, *, actor, via: str = "web") -> Broadcast:
    """End a broadcast now: its banner disappears from every page."""
    require(actor, ADMIN)
    with atomic():
        broadcast = Broadcast.objects.select_for_update().filter(pk=broadcast_id).first()
        if broadcast is None:
            raise NotFound()
        if broadcast.ended_at is None:
            now = timezone.now()
            broadcast.ended_at = now
            broadcast.ended_by = actor_user(actor)
            if broadcast.ends_at > now:
                broadcast.ends_at = now
            broadcast.save(update_fields=["ended_at", "ended_by", "ends_at"])
            publish(BroadcastEnded(actor_id=getattr(actor, "pk", None), via=via, id=broadcast.pk))
    return broadcast


def active_broadcasts(now: datetime | None = None):
    """Broadcasts whose banner shows now: announced, not ended. A planned outage shows from the announcement."""
    now = now or timezone.now()
    return Broadcast.objects.filter(ended_at__isnull=True, ends_at__gt=now).order_by("starts_at", "id")
