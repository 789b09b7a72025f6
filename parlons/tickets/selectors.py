"""Reads of helpdesk data. Everything starts from ``tickets_visible_to(user)``."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from parlons.accounts.permissions import READ, has_perm, holders_of, require
from parlons.core.errors import Invalid, NotFound
from parlons.tickets.models import Tag, Ticket, TicketTag

ORDERINGS = {
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


def tickets_visible_to(user) -> QuerySet[Ticket]:
    """Every ticket the user may read (ADM-4): all of them with tickets.read, else none (ADR 0002).

    The one root of "who may see this ticket": lookups (``get_visible_ticket``), row locks (``lock_ticket``),
    lists, search, exports, reminders and websocket presence start from it, and ``users_who_may_see`` asks the
    same question from the ticket's side. A narrower rule (per team, per channel group) changes these two."""
    if not has_perm(user, READ):
        return Ticket.objects.none()
    return Ticket.objects.all()


def users_who_may_see(ticket: Ticket | int, users) -> list:
    """Those of ``users`` for whom ``tickets_visible_to`` holds ``ticket``, in their order, each once: the rule
    above seen from the ticket's side, answered for many people in two queries (notification recipients).
    Today's rule does not depend on the ticket; a narrower one would join it here."""
    return holders_of(READ, users)


def get_visible_ticket(user, pk) -> Ticket:
    """The ticket, or NotFound when it does not exist or the user may not see it (the same answer)."""
    try:
        return (
            tickets_visible_to(user)
            .select_related("contact", "channel_group__channel", "assignee", "team", "closed_by")
            .get(pk=int(pk))
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Ticket not found."))


@dataclass
class TicketFilters:
    """The filters of OPS-14/OPS-23 and UI-2, shared by the API, the inbox and exports."""

    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)  # platform codes
    channel_group: list[int] = field(default_factory=list)
    group_set: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # all of these slugs
    exclude_tags: list[str] = field(default_factory=list)
    assignee: list[int] = field(default_factory=list)
    unassigned: bool = False
    team: list[int] = field(default_factory=list)
    contact: list[int] = field(default_factory=list)
    handle: str = ""
    spam: bool | None = None
    tracker: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    q: str = ""  # the search query language (parlons.search.query); ANDed with the other filters


def filter_tickets(qs: QuerySet[Ticket], f: TicketFilters) -> QuerySet[Ticket]:
    bad = [s for s in f.status if s not in Ticket.Status.values]
    if bad:
        raise Invalid(_("Unknown status “%(value)s”.") % {"value": bad[0]}, details={"field": "status"})
    bad = [p for p in f.priority if p not in Ticket.Priority.values]
    if bad:
        raise Invalid(_("Unknown priority “%(value)s”.") % {"value": bad[0]}, details={"field": "priority"})
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.priority:
        qs = qs.filter(priority__in=f.priority)
    if f.channel:
        qs = qs.filter(channel_group__channel__platform__in=f.channel)
    if f.channel_group:
        qs = qs.filter(channel_group_id__in=f.channel_group)
    if f.group_set:
        qs = qs.filter(channel_group__group_sets__in=f.group_set)
    if f.tags or f.exclude_tags:
        # Tag ids first (one small query): with the slug joined inside the subquery PostgreSQL cannot estimate
        # how many tickets a tag has, and a common tag's filter ran 40x slower (bench/RESULTS.md, inbox).
        ids = dict(Tag.objects.filter(slug__in={*f.tags, *f.exclude_tags}).values_list("slug", "pk"))
        for slug in dict.fromkeys(f.tags):
            if slug not in ids:
                return qs.none()
            qs = qs.filter(Exists(TicketTag.objects.filter(ticket=OuterRef("pk"), tag_id=ids[slug])))
        excluded = [ids[slug] for slug in f.exclude_tags if slug in ids]
        if excluded:
            qs = qs.exclude(Exists(TicketTag.objects.filter(ticket=OuterRef("pk"), tag_id__in=excluded)))
    if f.assignee and f.unassigned:
        qs = qs.filter(Q(assignee_id__in=f.assignee) | Q(assignee__isnull=True))
    elif f.assignee:
        qs = qs.filter(assignee_id__in=f.assignee)
    elif f.unassigned:
        qs = qs.filter(assignee__isnull=True)
    if f.team:
        qs = qs.filter(team_id__in=f.team)
    if f.contact:
        qs = qs.filter(contact_id__in=f.contact)
    if f.handle:
        handle = f.handle.lstrip("@")
        qs = qs.filter(contact__identities__handle__iexact=handle)
    if f.spam is not None:
        qs = qs.filter(is_spam=f.spam)
    if f.tracker is not None:
        qs = qs.filter(trackerticket__tracker_id=f.tracker)
    for name, lookup in (
        ("created_from", "created_at__gte"),
        ("created_to", "created_at__lt"),
        ("updated_from", "updated_at__gte"),
        ("updated_to", "updated_at__lt"),
    ):
        value = getattr(f, name)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    if f.group_set or f.handle:
        qs = qs.distinct()
    if f.q:
        from parlons.search.selectors import filter_by_query

        qs = filter_by_query(qs, f.q, None)
    return qs


def encode_cursor(ticket: Ticket, ordering: str) -> str:
    column = ORDERINGS[ordering][0].lstrip("-")
    raw = json.dumps({"v": getattr(ticket, column).isoformat(), "id": ticket.pk, "o": ordering})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, ordering: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        value = parse_datetime(data["v"])
        if value is None or data.get("o") != ordering:
            raise ValueError
        return value, int(data["id"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise Invalid(_("The page cursor is not valid for this ordering."), code="bad_cursor")


def page_of_tickets(
    user, filters: TicketFilters, *, ordering: str = "-updated", cursor: str = "", limit: int = 50
) -> tuple[list[Ticket], str | None]:
    """One page of tickets by keyset pagination (stable and fast at any depth; OPS-22 ordering).
    Returns the tickets and the cursor of the next page (None at the end)."""
    require(user, READ)
    if ordering not in ORDERINGS:
        raise Invalid(
            _("Ordering must be one of: %(choices)s") % {"choices": ", ".join(ORDERINGS)},
            details={"field": "order"},
        )
    limit = max(1, min(int(limit), 200))
    qs = filter_tickets(tickets_visible_to(user), filters)
    column, _tiebreak = ORDERINGS[ordering]
    if cursor:
        value, pk = _decode_cursor(cursor, ordering)
        name = column.lstrip("-")
        if column.startswith("-"):
            qs = qs.filter(Q(**{f"{name}__lt": value}) | Q(**{name: value, "id__lt": pk}))
        else:
            qs = qs.filter(Q(**{f"{name}__gt": value}) | Q(**{name: value, "id__gt": pk}))
    rows = list(
        qs.order_by(*ORDERINGS[ordering])
        .select_related("contact", "channel_group__channel", "assignee", "team")
        .prefetch_related("tags")[: limit + 1]
    )
    next_cursor = encode_cursor(rows[limit - 1], ordering) if len(rows) > limit else None
    return rows[:limit], next_cursor
