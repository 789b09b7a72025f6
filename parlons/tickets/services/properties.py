"""Ticket properties: assignment, status, priority, spam, tags, trackers; one ticket or many at once.

``update_ticket`` and ``bulk_update`` share one set of appliers, so a change made in bulk is checked, stored
and recorded exactly as the same change made on one ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.models import Team, User
from parlons.accounts.permissions import MANAGE, READ, WRITE, require
from parlons.core.actors import actor_user, is_system
from parlons.core.db import atomic
from parlons.core.errors import Invalid
from parlons.tickets.models import ChannelGroup, Tag, Ticket, TicketTag, Tracker, TrackerTicket
from parlons.tickets.selectors import tickets_visible_to
from parlons.tickets.services._common import (
    lock_ticket,
    publish_ticket_updated,
    record,
    tag_ref,
    team_ref,
    touch,
    user_ref,
)
from parlons.tickets.status import Cause, transition

UNSET: Any = object()
MAX_BULK = 10000
MAX_TAGS_PER_CALL = 200


@dataclass
class Changes:
    """What to change on a ticket; fields left UNSET are not touched."""

    status: Any = UNSET
    priority: Any = UNSET
    assignee: Any = UNSET  # User or None
    team: Any = UNSET  # Team or None
    channel_group: Any = UNSET  # reassign to another channel group (OPS-24)
    is_spam: Any = UNSET
    subject: Any = UNSET
    add_tags: list[Tag] = field(default_factory=list)
    remove_tags: list[Tag] = field(default_factory=list)
    add_trackers: list[Tracker] = field(default_factory=list)
    remove_trackers: list[Tracker] = field(default_factory=list)

    def is_empty(self) -> bool:
        return all(
            getattr(self, name) is UNSET
            for name in ("status", "priority", "assignee", "team", "channel_group", "is_spam", "subject")
        ) and not (self.add_tags or self.remove_tags or self.add_trackers or self.remove_trackers)


def _check(actor, changes: Changes) -> None:
    """Permission and validity checks that do not depend on the ticket (done once for a bulk update)."""
    require(actor, WRITE)
    if changes.status is not UNSET and changes.status not in Ticket.Status.values:
        raise Invalid(
            _("Unknown status “%(value)s”.") % {"value": changes.status}, details={"field": "status"}
        )
    if changes.priority is not UNSET and changes.priority not in Ticket.Priority.values:
        raise Invalid(
            _("Unknown priority “%(value)s”.") % {"value": changes.priority}, details={"field": "priority"}
        )
    if changes.subject is not UNSET and not (changes.subject or "").strip():
        raise Invalid(_("The subject cannot be empty."), details={"field": "subject"})
    # Assigning to somebody else, to a team or to another channel group is a "manage" right (ADM-5).
    if changes.assignee is not UNSET and changes.assignee is not None:
        if is_system(actor) or changes.assignee.pk != actor.pk:
            require(actor, MANAGE)
        if not changes.assignee.is_active:
            raise Invalid(_("This user is not active."), code="inactive_user", details={"field": "assignee"})
    if changes.team is not UNSET or changes.channel_group is not UNSET:
        require(actor, MANAGE)
    if changes.channel_group is None:
        raise Invalid(_("A ticket always belongs to a channel group."), details={"field": "channel_group"})
    if len(changes.add_tags) + len(changes.remove_tags) > MAX_TAGS_PER_CALL:
        raise Invalid(_("Too many tags in one change."), code="too_many_tags")
    archived = [t.slug for t in changes.add_tags if t.is_archived]
    if archived:
        raise Invalid(
            _("Archived tags cannot be added: %(tags)s") % {"tags": ", ".join(archived)}, code="archived_tag"
        )


def _apply(ticket: Ticket, changes: Changes, *, actor, via: str, now) -> list[str]:
    """Apply the changes to a locked ticket; write one history row per change. Returns what changed."""
    changed: list[str] = []
    fields: list[str] = []

    def simple(name: str, kind: str, ref=lambda v: v):
        new = getattr(changes, name)
        if new is UNSET or getattr(ticket, name) == new:
            return
        record(
            ticket, kind, actor=actor, via=via, at=now, **{"from": ref(getattr(ticket, name)), "to": ref(new)}
        )
        setattr(ticket, name, new)
        fields.append(name)
        changed.append(name)

    if changes.status is not UNSET:
        move = transition(ticket, Cause.MANUAL, changes.status, actor=actor, now=now)
        if move.changed:
            kind, data = move.history
            record(ticket, kind, actor=actor, via=via, at=now, **data)
            fields += move.apply(ticket)
            changed.append("status")
    simple("priority", "ticket.priority_changed")
    simple("subject", "ticket.subject_changed")
    simple("is_spam", "ticket.spam_changed")
    if changes.assignee is not UNSET and ticket.assignee_id != getattr(changes.assignee, "pk", None):
        record(
            ticket,
            "ticket.assigned",
            actor=actor,
            via=via,
            at=now,
            **{"from": user_ref(ticket.assignee), "to": user_ref(changes.assignee)},
        )
        ticket.assignee = changes.assignee
        fields.append("assignee")
        changed.append("assignee")
    if changes.team is not UNSET and ticket.team_id != getattr(changes.team, "pk", None):
        record(
            ticket,
            "ticket.team_changed",
            actor=actor,
            via=via,
            at=now,
            **{"from": team_ref(ticket.team), "to": team_ref(changes.team)},
        )
        ticket.team = changes.team
        fields.append("team")
        changed.append("team")
    if changes.channel_group is not UNSET and ticket.channel_group_id != changes.channel_group.pk:
        record(
            ticket,
            "ticket.channel_group_changed",
            actor=actor,
            via=via,
            at=now,
            **{
                "from": {"id": ticket.channel_group_id, "name": ticket.channel_group.name},
                "to": {"id": changes.channel_group.pk, "name": changes.channel_group.name},
            },
        )
        ticket.channel_group = changes.channel_group
        fields.append("channel_group")
        changed.append("channel_group")
    if _apply_tags(ticket, changes, actor=actor, via=via, now=now):
        changed.append("tags")
    if _apply_trackers(ticket, changes, actor=actor, via=via, now=now):
        changed.append("trackers")
    if changed:
        touch(ticket, at=now, fields=fields)
    return changed


def _apply_tags(ticket: Ticket, changes: Changes, *, actor, via: str, now) -> bool:
    present = set(ticket.ticket_tags.values_list("tag_id", flat=True))
    to_add = [t for t in dict.fromkeys(changes.add_tags) if t.pk not in present]
    to_remove = [t for t in dict.fromkeys(changes.remove_tags) if t.pk in present]
    if to_add:
        TicketTag.objects.bulk_create(
            [TicketTag(ticket=ticket, tag=t, added_by=actor_user(actor)) for t in to_add],
            ignore_conflicts=True,
        )
        record(ticket, "tags.added", actor=actor, via=via, at=now, tags=[tag_ref(t) for t in to_add])
    if to_remove:
        TicketTag.objects.filter(ticket=ticket, tag__in=to_remove).delete()
        record(ticket, "tags.removed", actor=actor, via=via, at=now, tags=[tag_ref(t) for t in to_remove])
    return bool(to_add or to_remove)


def _apply_trackers(ticket: Ticket, changes: Changes, *, actor, via: str, now) -> bool:
    present = set(TrackerTicket.objects.filter(ticket=ticket).values_list("tracker_id", flat=True))
    to_add = [t for t in dict.fromkeys(changes.add_trackers) if t.pk not in present]
    to_remove = [t for t in dict.fromkeys(changes.remove_trackers) if t.pk in present]
    for tracker in to_add:
        TrackerTicket.objects.create(tracker=tracker, ticket=ticket, added_by=actor_user(actor))
        record(
            ticket,
            "tracker.added",
            actor=actor,
            via=via,
            at=now,
            tracker={"id": tracker.pk, "name": tracker.name},
        )
    for tracker in to_remove:
        TrackerTicket.objects.filter(tracker=tracker, ticket=ticket).delete()
        record(
            ticket,
            "tracker.removed",
            actor=actor,
            via=via,
            at=now,
            tracker={"id": tracker.pk, "name": tracker.name},
        )
    return bool(to_add or to_remove)


@atomic
def update_ticket(ticket: Ticket | int, changes: Changes, *, actor, via: str = "web") -> Ticket:
    """Change one ticket's properties. Needs tickets.write; assigning to somebody else, to a team or to a
    channel group needs tickets.manage. One history row per change; publishes ``ticket.updated``."""
    _check(actor, changes)
    ticket = lock_ticket(actor, ticket)
    changed = _apply(ticket, changes, actor=actor, via=via, now=timezone.now())
    if changed:
        publish_ticket_updated(ticket, actor=actor, via=via, changes=changed)
    return ticket


def assign_ticket(ticket, to=None, *, team: Team | None | Any = UNSET, actor, via: str = "web") -> Ticket:
    """Assign to an agent (or None to unassign) and optionally to a team (OPS-24)."""
    return update_ticket(ticket, Changes(assignee=to, team=team), actor=actor, via=via)


def change_status(ticket, status: str, *, actor, via: str = "web") -> Ticket:
    return update_ticket(ticket, Changes(status=status), actor=actor, via=via)


def change_priority(ticket, priority: str, *, actor, via: str = "web") -> Ticket:
    return update_ticket(ticket, Changes(priority=priority), actor=actor, via=via)


def mark_spam(ticket, spam: bool = True, *, actor, via: str = "web") -> Ticket:
    """Label a ticket as spam / unsolicited (OPS-15), or take the label off."""
    return update_ticket(ticket, Changes(is_spam=spam), actor=actor, via=via)


def add_tags(ticket, tags: list[Tag], *, actor, via: str = "web") -> Ticket:
    """Attach tags (OPS-3, OPS-5: any number, at least 50 on one ticket)."""
    return update_ticket(ticket, Changes(add_tags=list(tags)), actor=actor, via=via)


def remove_tags(ticket, tags: list[Tag], *, actor, via: str = "web") -> Ticket:
    return update_ticket(ticket, Changes(remove_tags=list(tags)), actor=actor, via=via)


def add_to_tracker(ticket, tracker: Tracker, *, actor, via: str = "web") -> Ticket:
    return update_ticket(ticket, Changes(add_trackers=[tracker]), actor=actor, via=via)


def remove_from_tracker(ticket, tracker: Tracker, *, actor, via: str = "web") -> Ticket:
    return update_ticket(ticket, Changes(remove_trackers=[tracker]), actor=actor, via=via)


@atomic
def bulk_update(ticket_ids: list[int], changes: Changes, *, actor, via: str = "web") -> dict[str, list[int]]:
    """Apply one set of changes to many tickets in one transaction (OPS-21).

    Checks permissions once; tickets the actor cannot see are reported as not found and left alone. Returns
    ``{"updated": [...], "unchanged": [...], "not_found": [...]}``. Publishes ``ticket.updated`` per ticket."""
    _check(actor, changes)
    if changes.is_empty():
        raise Invalid(_("Choose at least one change to make."), code="no_changes")
    ids = list(dict.fromkeys(int(i) for i in ticket_ids))
    if not ids:
        raise Invalid(_("Choose at least one ticket."), code="no_tickets")
    if len(ids) > MAX_BULK:
        raise Invalid(
            _("At most %(max)s tickets can be changed at once.") % {"max": MAX_BULK}, code="too_many"
        )
    require(actor, READ)
    now = timezone.now()
    tickets = {
        t.pk: t
        for t in tickets_visible_to(actor)
        .select_for_update(of=("self",), no_key=True)
        .select_related("assignee", "team", "channel_group")
        .filter(pk__in=ids)
    }
    result: dict[str, list[int]] = {"updated": [], "unchanged": [], "not_found": []}
    for pk in ids:
        ticket = tickets.get(pk)
        if ticket is None:
            result["not_found"].append(pk)
            continue
        changed = _apply(ticket, changes, actor=actor, via=via, now=now)
        if changed:
            result["updated"].append(pk)
            publish_ticket_updated(ticket, actor=actor, via=via, changes=changed)
        else:
            result["unchanged"].append(pk)
    return result


def resolve_refs(
    *,
    assignee_id: Any = UNSET,
    team_id: Any = UNSET,
    channel_group_id: Any = UNSET,
    tag_slugs_add: list[str] | None = None,
    tag_slugs_remove: list[str] | None = None,
    tracker_ids_add: list[int] | None = None,
    tracker_ids_remove: list[int] | None = None,
) -> dict[str, Any]:
    """Turn ids and slugs from a form or an API body into objects for ``Changes``, with clear errors."""
    out: dict[str, Any] = {}
    if assignee_id is not UNSET:
        out["assignee"] = (
            None if assignee_id is None else _get(User, assignee_id, "assignee", _("No such user."))
        )
    if team_id is not UNSET:
        out["team"] = None if team_id is None else _get(Team, team_id, "team", _("No such team."))
    if channel_group_id is not UNSET:
        if channel_group_id is None:
            raise Invalid(
                _("A ticket always belongs to a channel group."), details={"field": "channel_group"}
            )
        out["channel_group"] = _get(
            ChannelGroup, channel_group_id, "channel_group", _("No such channel group.")
        )
    for key, slugs in (("add_tags", tag_slugs_add), ("remove_tags", tag_slugs_remove)):
        if slugs:
            out[key] = tags_by_slug(slugs)
    for key, ids in (("add_trackers", tracker_ids_add), ("remove_trackers", tracker_ids_remove)):
        if ids:
            found = list(Tracker.objects.filter(pk__in=ids))
            if len(found) != len(set(ids)):
                raise Invalid(_("No such tracker."), details={"field": key})
            out[key] = found
    return out


def tags_by_slug(slugs: list[str]) -> list[Tag]:
    slugs = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    found = {t.slug: t for t in Tag.objects.filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise Invalid(
            _("Unknown tags: %(tags)s") % {"tags": ", ".join(missing)},
            code="unknown_tag",
            details={"tags": missing},
        )
    return [found[s] for s in slugs]


def _get(model, pk, field_name: str, message: str):
    try:
        return model.objects.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Invalid(message, details={"field": field_name})
