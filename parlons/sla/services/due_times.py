"""Each ticket's due times: reconciled with the ticket's state and its policy (idempotent), and read back as a
person reads them.

``Ticket.sla_due_at`` (the next due time, for the inbox) is written only here, with a plain ``UPDATE`` that
does not bump the ticket's version (it is derived data, not an edit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.core.business_hours import BusinessCalendar
from parlons.core.db import atomic
from parlons.sla.models import SlaPolicy, TicketSla
from parlons.sla.services.policies import _most_specific, calendar_for
from parlons.tickets.models import Ticket

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
TARGETS = (FIRST_RESPONSE, RESOLUTION)
CLOSED_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
RECOMPUTE_CHUNK = 500  # tickets per transaction when every open ticket is recomputed


def recompute_open_tickets() -> int:
    """Bring every open ticket's due times in line with the policies and calendar (after an admin change)."""
    count = 0
    ids = Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES).values_list("pk", flat=True)
    chunk: list[int] = []
    for pk in ids.iterator():
        chunk.append(pk)
        if len(chunk) == RECOMPUTE_CHUNK:
            count += len(sync_tickets(chunk, force=True))
            chunk = []
    return count + len(sync_tickets(chunk, force=True))


def _policy_version(policy: SlaPolicy | None) -> str:
    return "" if policy is None else f"{policy.pk}:{policy.updated_at.isoformat()}"


def _due(cal: BusinessCalendar, start: datetime | None, minutes: int | None) -> datetime | None:
    if start is None or not minutes:
        return None
    return cal.add(start, timedelta(minutes=minutes))


def _set_target(sla: TicketSla, target: str, due: datetime | None, warn_minutes: int, now: datetime) -> None:
    """Set one target's due and warning times; a later due time re-arms a warning/breach already sent."""
    old_due = getattr(sla, f"{target}_due_at")
    warn_at = None if due is None else due - timedelta(minutes=warn_minutes)
    setattr(sla, f"{target}_due_at", due)
    setattr(sla, f"{target}_warn_at", warn_at)
    if due != old_due:
        if due is None or due > now:
            setattr(sla, f"{target}_breached_at", None)
        if warn_at is None or warn_at > now:
            setattr(sla, f"{target}_warned_at", None)


def next_due(sla: TicketSla) -> datetime | None:
    """The next due time still pending (first response not yet given, or resolution not yet reached)."""
    pending = []
    if sla.first_response_due_at and not sla.first_response_met_at:
        pending.append(sla.first_response_due_at)
    if sla.resolution_due_at and not sla.resolution_met_at:
        pending.append(sla.resolution_due_at)
    return min(pending) if pending else None


def sync_ticket(
    ticket_id, *, now: datetime | None = None, force: bool = False, quiet_past: bool = False
) -> TicketSla | None:
    """Reconcile a ticket's due times with its state (idempotent). See ``sync_tickets``."""
    if ticket_id is None:
        return None
    return sync_tickets([ticket_id], now=now, force=force, quiet_past=quiet_past).get(int(ticket_id))


_SLA_FIELDS = [
    "policy",
    "priority",
    "channel_group_id_seen",
    "policy_version",
    *(
        f"{target}_{part}"
        for target in TARGETS
        for part in ("due_at", "warn_at", "met_at", "warned_at", "breached_at")
    ),
    "resolution_started_at",
]


def _state(sla: TicketSla) -> tuple:
    return tuple(getattr(sla, "policy_id" if name == "policy" else name) for name in _SLA_FIELDS)


def sync_tickets(
    ticket_ids, *, now: datetime | None = None, force: bool = False, quiet_past: bool = False
) -> dict[int, TicketSla]:
    """Reconcile these tickets' due times with their state (idempotent; called by the event listeners with the
    tickets of a batch of changes). A handful of queries whatever the number of tickets: the tickets, their rows
    (created where missing, then locked in ticket order so two workers never wait on each other crosswise), the
    active policies and calendar once, one UPDATE for the rows that changed and one for the tickets whose next
    due time moved. Returns {ticket id: its row}; a deleted ticket is left out."""
    ids = sorted({int(pk) for pk in ticket_ids if pk is not None})
    if not ids:
        return {}
    now = now or timezone.now()
    with atomic():
        tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=ids)}
        if not tickets:
            return {}
        have = set(TicketSla.objects.filter(ticket_id__in=tickets).values_list("ticket_id", flat=True))
        created = [pk for pk in tickets if pk not in have]
        if created:  # a row another worker creates at the same moment wins; ours is skipped
            TicketSla.objects.bulk_create([TicketSla(ticket_id=pk) for pk in created], ignore_conflicts=True)
        slas = {
            sla.ticket_id: sla
            for sla in TicketSla.objects.select_for_update()
            .filter(ticket_id__in=tickets)
            .order_by("ticket_id")
        }
        policies = list(SlaPolicy.objects.filter(is_active=True))
        calendars: dict[bool, BusinessCalendar] = {}
        changed: list[TicketSla] = []
        moved: list[Ticket] = []
        for pk, ticket in tickets.items():
            sla = slas[pk]
            before = _state(sla)
            policy = _most_specific(policies, ticket)
            _reconcile(
                sla, ticket, policy, calendars, now, recompute=force or pk in created, quiet_past=quiet_past
            )
            if _state(sla) != before:
                sla.updated_at = now
                changed.append(sla)
            stopped = ticket.is_spam or ticket.status in CLOSED_STATUSES
            due = None if stopped else next_due(sla)
            if ticket.sla_due_at != due:
                ticket.sla_due_at = due
                moved.append(ticket)
        if changed:
            TicketSla.objects.bulk_update(changed, [*_SLA_FIELDS, "updated_at"])
        if moved:  # in id order, like every writer that takes several tickets
            Ticket.objects.bulk_update(sorted(moved, key=lambda t: t.pk), ["sla_due_at"])
    return slas


def _reconcile(
    sla: TicketSla,
    ticket: Ticket,
    policy: SlaPolicy | None,
    calendars: dict,
    now: datetime,
    *,
    recompute: bool,
    quiet_past: bool,
) -> None:
    """Bring one row in line with its ticket and policy (in memory; the caller saves)."""
    recompute = (
        recompute
        or sla.policy_version != _policy_version(policy)
        or sla.priority != ticket.priority
        or sla.channel_group_id_seen != ticket.channel_group_id
    )
    if ticket.first_response_at and not sla.first_response_met_at:
        sla.first_response_met_at = ticket.first_response_at
    if sla.resolution_started_at is None:
        sla.resolution_started_at = ticket.created_at
    if ticket.status in CLOSED_STATUSES:
        if not sla.resolution_met_at:
            sla.resolution_met_at = ticket.resolved_at or ticket.closed_at or now
    elif sla.resolution_met_at:  # reopened: the resolution clock starts again
        sla.resolution_met_at = None
        sla.resolution_started_at = ticket.updated_at or now
        sla.resolution_warned_at = sla.resolution_breached_at = None
        sla.resolution_due_at = None
        recompute = True
    if recompute:
        business = bool(policy is not None and policy.business_hours)
        if business not in calendars:
            calendars[business] = calendar_for(policy)
        cal = calendars[business]
        warn = policy.warn_before_minutes if policy else 0
        _set_target(
            sla,
            FIRST_RESPONSE,
            _due(cal, ticket.created_at, policy and policy.first_response_minutes),
            warn,
            now,
        )
        _set_target(
            sla,
            RESOLUTION,
            _due(cal, sla.resolution_started_at, policy and policy.resolution_minutes),
            warn,
            now,
        )
        sla.policy = policy
        sla.policy_version = _policy_version(policy)
        sla.priority = ticket.priority
        sla.channel_group_id_seen = ticket.channel_group_id
    if quiet_past:  # a ticket found late (backfill): what was already past is not announced now
        for target in TARGETS:
            due, warn = getattr(sla, f"{target}_due_at"), getattr(sla, f"{target}_warn_at")
            if warn and warn <= now and not getattr(sla, f"{target}_warned_at"):
                setattr(sla, f"{target}_warned_at", now)
            if due and due <= now and not getattr(sla, f"{target}_breached_at"):
                setattr(sla, f"{target}_breached_at", now)


@dataclass(frozen=True)
class TargetState:
    """One target as a person reads it: its due time and a state code (met, breached, at_risk, due)."""

    target: str
    due_at: datetime | None
    met_at: datetime | None
    state: str

    @property
    def label(self) -> str:
        return _("First response") if self.target == FIRST_RESPONSE else _("Resolution")


def target_states(sla: TicketSla | None, now: datetime | None = None) -> list[TargetState]:
    if sla is None:
        return []
    now = now or timezone.now()
    out = []
    for target in TARGETS:
        due = getattr(sla, f"{target}_due_at")
        if due is None:
            continue
        met = getattr(sla, f"{target}_met_at")
        warn = getattr(sla, f"{target}_warn_at")
        if met:
            state = "met" if met <= due else "met_late"
        elif due <= now:
            state = "breached"
        elif warn and warn <= now:
            state = "at_risk"
        else:
            state = "due"
        out.append(TargetState(target=target, due_at=due, met_at=met, state=state))
    return out
