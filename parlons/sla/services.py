"""Service standards (OPS-7, OPS-8): policies, each ticket's due times, the periodic check and reminders.

The rule of the house holds: permission first, one transaction, a ``TicketEvent`` history row for anything about
a ticket, then the domain event. ``Ticket.sla_due_at`` (the next due time, for the inbox) is written only here,
with a plain ``UPDATE`` that does not bump the ticket's version (it is derived data, not an edit).

Due times are computed from the ticket's creation (first response) and from its creation or last reopening
(resolution), with the calendar of the policy: business hours (``BusinessCalendar.current()``) or calendar
hours (``BusinessCalendar.always()``). A reply to the client meets the first-response target; resolving or
closing stops the resolution clock; reopening restarts it from the reopening.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, WRITE, require
from parlons.core.actors import SYSTEM, actor_user
from parlons.core.business_hours import BusinessCalendar, parse_hhmm
from parlons.core.db import atomic
from parlons.core.errors import Invalid, NotFound
from parlons.core.event_types import (
    BusinessHoursUpdated,
    HolidayCreated,
    HolidayDeleted,
    ReminderCancelled,
    ReminderCreated,
    ReminderDue,
    SlaBreached,
    SlaPolicyCreated,
    SlaPolicyDeleted,
    SlaPolicyUpdated,
    SlaWarning,
)
from parlons.core.events import publish
from parlons.sla.models import BusinessHours, Holiday, Reminder, SlaPolicy, TicketSla
from parlons.tickets.models import ChannelGroup, Ticket
from parlons.tickets.selectors import get_visible_ticket, tickets_visible_to
from parlons.tickets.services._common import record, via_of

logger = logging.getLogger(__name__)

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
TARGETS = (FIRST_RESPONSE, RESOLUTION)
CLOSED_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
MAX_TARGET_MINUTES = 365 * 24 * 60
MAX_REMINDER_AHEAD = timedelta(days=366)
NOTE_MAX = 500
RECOMPUTE_CHUNK = 500  # tickets per transaction when every open ticket is recomputed


# --- policies -------------------------------------------------------------------------------------
def select_policy(ticket: Ticket) -> SlaPolicy | None:
    """The most specific active policy for the ticket's channel group and priority (None if none applies)."""
    candidates = SlaPolicy.objects.filter(is_active=True).filter(
        Q(channel_group_id=ticket.channel_group_id) | Q(channel_group__isnull=True),
        Q(priority=ticket.priority) | Q(priority=""),
    )
    return _most_specific(candidates, ticket)


def _most_specific(policies, ticket: Ticket) -> SlaPolicy | None:
    """Of active ``policies``, the one for the ticket's channel group before any group, its priority before any."""
    fitting = [
        p
        for p in policies
        if p.channel_group_id in (ticket.channel_group_id, None) and p.priority in (ticket.priority, "")
    ]
    ranked = sorted(fitting, key=lambda p: (p.channel_group_id is None, p.priority == "", p.pk))
    return ranked[0] if ranked else None


def ensure_defaults() -> None:
    """The default standard and opening hours that migration 0002 creates (for tests after a table flush)."""
    if not SlaPolicy.objects.exists():
        SlaPolicy.objects.create(
            name="Standard",
            first_response_minutes=4 * 60,
            resolution_minutes=5 * 8 * 60,
            business_hours=True,
            warn_before_minutes=60,
        )
    if not BusinessHours.objects.exists():
        BusinessHours.objects.create()


def calendar_for(policy: SlaPolicy | None) -> BusinessCalendar:
    if policy is not None and policy.business_hours:
        return BusinessCalendar.current()
    return BusinessCalendar.always()


@dataclass
class PolicyInput:
    name: str
    channel_group_id: int | None = None
    priority: str = ""
    first_response_minutes: int | None = None
    resolution_minutes: int | None = None
    business_hours: bool = True
    warn_before_minutes: int = 60
    is_active: bool = True


def _clean_policy(data: PolicyInput) -> PolicyInput:
    data.name = (data.name or "").strip()
    if not data.name:
        raise Invalid(_("A service standard needs a name."), details={"field": "name"})
    if len(data.name) > 120:
        raise Invalid(_("The name is too long (120 characters at most)."), details={"field": "name"})
    if data.priority and data.priority not in Ticket.Priority.values:
        raise Invalid(_("Unknown priority."), details={"field": "priority"})
    if (
        data.channel_group_id is not None
        and not ChannelGroup.objects.filter(pk=data.channel_group_id).exists()
    ):
        raise Invalid(_("Unknown channel group."), details={"field": "channel_group_id"})
    if data.first_response_minutes is None and data.resolution_minutes is None:
        raise Invalid(
            _("Give a first-response target, a resolution target, or both."),
            details={"field": "first_response_minutes"},
        )
    for field in ("first_response_minutes", "resolution_minutes"):
        value = getattr(data, field)
        if value is not None and not 1 <= value <= MAX_TARGET_MINUTES:
            raise Invalid(_("A target must be between 1 minute and 365 days."), details={"field": field})
    if not 0 <= data.warn_before_minutes <= MAX_TARGET_MINUTES:
        raise Invalid(_("The warning lead time is out of range."), details={"field": "warn_before_minutes"})
    return data


@atomic
def save_policy(data: PolicyInput, *, actor, policy_id: int | None = None, via: str = "web") -> SlaPolicy:
    """Create or change a policy (system.admin); open tickets get their due times recomputed after commit."""
    require(actor, ADMIN)
    data = _clean_policy(data)
    if policy_id is None:
        policy = SlaPolicy()
    else:
        policy = SlaPolicy.objects.select_for_update().filter(pk=policy_id).first()
        if policy is None:
            raise NotFound()
    for field, value in data.__dict__.items():
        setattr(policy, field, value)
    policy.save()
    event = SlaPolicyCreated if policy_id is None else SlaPolicyUpdated
    publish(event(actor_id=getattr(actor, "pk", None), via=via_of(via), id=policy.pk))
    transaction.on_commit(_enqueue_recompute, robust=True)
    return policy


@atomic
def delete_policy(policy_id: int, *, actor, via: str = "web") -> None:
    require(actor, ADMIN)
    deleted, _ignored = SlaPolicy.objects.filter(pk=policy_id).delete()
    if not deleted:
        raise NotFound()
    publish(SlaPolicyDeleted(actor_id=getattr(actor, "pk", None), via=via_of(via), id=policy_id))
    transaction.on_commit(_enqueue_recompute, robust=True)


def _enqueue_recompute() -> None:
    from parlons.sla.tasks import recompute_open_tickets as task

    task.enqueue()


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


# --- business hours and holidays --------------------------------------------------------------------
@atomic
def add_holiday(day, name_en: str, name_fr: str, *, actor, via: str = "web") -> Holiday:
    require(actor, ADMIN)
    name_en, name_fr = (name_en or "").strip(), (name_fr or "").strip()
    if not name_en or not name_fr:
        raise Invalid(_("A holiday needs an English and a French name."), details={"field": "name_en"})
    if Holiday.objects.filter(date=day).exists():
        raise Invalid(_("This day is already a holiday."), details={"field": "date"})
    holiday = Holiday.objects.create(date=day, name_en=name_en[:120], name_fr=name_fr[:120])
    publish(HolidayCreated(actor_id=getattr(actor, "pk", None), via=via_of(via), id=holiday.pk))
    transaction.on_commit(_enqueue_recompute, robust=True)
    return holiday


@atomic
def delete_holiday(holiday_id: int, *, actor, via: str = "web") -> None:
    require(actor, ADMIN)
    deleted, _ignored = Holiday.objects.filter(pk=holiday_id).delete()
    if not deleted:
        raise NotFound()
    publish(HolidayDeleted(actor_id=getattr(actor, "pk", None), via=via_of(via), id=holiday_id))
    transaction.on_commit(_enqueue_recompute, robust=True)


@atomic
def set_business_hours(
    time_zone: str, hours: dict[int, list[tuple[str, str]]], *, actor, via: str = "web"
) -> BusinessHours:
    """Set the opening hours: weekday (Monday = 0) -> [("09:00", "17:00")]; an empty list closes the day."""
    require(actor, ADMIN)
    from zoneinfo import available_timezones

    if time_zone not in available_timezones():
        raise Invalid(_("Unknown time zone."), details={"field": "time_zone"})
    stored: dict[str, list[list[str]]] = {}
    parsed: dict[int, list[tuple[int, int]]] = {}
    for day, spans in hours.items():
        if int(day) not in range(7):
            raise Invalid(_("Unknown weekday."), details={"field": "hours"})
        for opens, closes in spans:
            try:
                a, b = parse_hhmm(opens), parse_hhmm(closes)
            except (TypeError, ValueError):
                raise Invalid(_("Write times as HH:MM, for example 09:00."), details={"field": str(day)})
            if a >= b:
                raise Invalid(_("A day must close after it opens."), details={"field": str(day)})
            parsed.setdefault(int(day), []).append((a, b))
            stored.setdefault(str(int(day)), []).append([opens.strip(), closes.strip()])
    if not parsed:
        raise Invalid(_("Open at least one day a week."), details={"field": "hours"})
    config = BusinessHours.objects.select_for_update().order_by("pk").first() or BusinessHours()
    config.time_zone = time_zone
    config.hours = stored
    config.save()
    publish(BusinessHoursUpdated(actor_id=getattr(actor, "pk", None), via=via_of(via), id=config.pk))
    transaction.on_commit(_enqueue_recompute, robust=True)
    return config


def business_hours() -> BusinessHours:
    return BusinessHours.objects.order_by("pk").first() or BusinessHours()


# --- each ticket's due times --------------------------------------------------------------------------
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


# --- the periodic check ------------------------------------------------------------------------------
def _recipients(ticket: Ticket) -> list:
    """The assignee and the team lead(s) of the ticket's team (or of its channel group's team)."""
    people = []
    if ticket.assignee_id:
        people.append(ticket.assignee)
    for team in (ticket.team, ticket.channel_group.team):
        if team is not None and team.lead_id:
            people.append(team.lead)
    seen, out = set(), []
    for user in people:
        if user.pk not in seen and user.is_active:
            seen.add(user.pk)
            out.append(user)
    return out


def _notify(recipients, *, kind: str, context: dict, ticket: Ticket) -> bool:
    """Hand over to the notifications app (issue 7 item 6). False if it is not installed yet."""
    if not recipients:
        return True
    try:
        from parlons.notifications.services import notify
    except ImportError:
        logger.warning("parlons.notifications.services.notify is not available; %s not sent", kind)
        return False
    notify(recipients, kind=kind, context=context, ticket=ticket)
    return True


def _fire(sla_id: int, target: str, level: str, now: datetime) -> bool:
    """Mark one warning/breach (once: a conditional UPDATE only one worker wins), then tell everyone."""
    flag = f"{target}_{'warned' if level == 'warning' else 'breached'}_at"
    extra = {}
    if level == "breached":  # a breach found without an earlier warning: no late warning afterwards
        extra = {f"{target}_warned_at": now}
    with atomic():
        won = TicketSla.objects.filter(pk=sla_id, **{f"{flag}__isnull": True}).update(**{flag: now})
        if not won:
            return False
        if extra:
            TicketSla.objects.filter(pk=sla_id, **{f"{target}_warned_at__isnull": True}).update(**extra)
        sla = TicketSla.objects.select_related(
            "ticket", "ticket__assignee", "ticket__team__lead", "ticket__channel_group__team__lead"
        ).get(pk=sla_id)
        ticket = sla.ticket
        due = getattr(sla, f"{target}_due_at")
        kind = f"sla.{level}"
        record(ticket, kind, actor=SYSTEM, via="system", at=now, target=target, due_at=due.isoformat())
        event = SlaWarning if level == "warning" else SlaBreached
        publish(event(actor_id=None, via="system", id=ticket.pk, target=target, due_at=due.isoformat()))
        _notify(
            _recipients(ticket),
            kind=kind,
            context={
                "ticket_id": ticket.pk,
                "subject": ticket.subject,
                "target": target,
                "due_at": due.isoformat(),
            },
            ticket=ticket,
        )
    return True


def backfill(now: datetime, limit: int = 200) -> int:
    """Give due times to open tickets that have none yet (written before this app, or by a bulk import)."""
    missing = Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES, sla__isnull=True).order_by("pk")
    ids = list(missing.values_list("pk", flat=True)[:limit])
    sync_tickets(ids, now=now, quiet_past=True)
    return len(ids)


def check_due(now: datetime | None = None) -> dict[str, int]:
    """Find open tickets reaching a warning or a breach and mark each once (the ``sla.check`` job)."""
    now = now or timezone.now()
    backfill(now)
    counts = {"warning": 0, "breached": 0}
    live = TicketSla.objects.filter(ticket__status__in=Ticket.OPEN_STATUSES, ticket__is_spam=False).order_by(
        "pk"
    )
    for target in TARGETS:
        pending = {f"{target}_met_at__isnull": True}
        breached = live.filter(
            **pending, **{f"{target}_breached_at__isnull": True, f"{target}_due_at__lte": now}
        )
        for sla_id in list(breached.values_list("pk", flat=True)[:500]):
            counts["breached"] += _fire(sla_id, target, "breached", now)
        warned = live.filter(
            **pending,
            **{
                f"{target}_warned_at__isnull": True,
                f"{target}_warn_at__lte": now,
                f"{target}_due_at__gt": now,
            },
        )
        for sla_id in list(warned.values_list("pk", flat=True)[:500]):
            counts["warning"] += _fire(sla_id, target, "warning", now)
    return counts


# --- reminders ("remind me", OPS-7) --------------------------------------------------------------------
def _visible_ticket(actor, ticket_id) -> Ticket:
    return get_visible_ticket(actor, ticket_id)


@atomic
def create_reminder(
    ticket_id,
    *,
    actor,
    remind_at: datetime | None = None,
    in_minutes: int | None = None,
    note: str = "",
    via: str = "web",
    now: datetime | None = None,
) -> Reminder:
    """Set a reminder for oneself on a ticket, at a time or after some minutes. Needs tickets.write."""
    ticket = _visible_ticket(actor, ticket_id)
    require(actor, WRITE)
    now = now or timezone.now()
    if (remind_at is None) == (in_minutes is None):
        raise Invalid(
            _("Give either a date and time or a delay for the reminder."), details={"field": "remind_at"}
        )
    if in_minutes is not None:
        if not 1 <= in_minutes <= MAX_REMINDER_AHEAD.total_seconds() // 60:
            raise Invalid(
                _("The delay must be between 1 minute and one year."), details={"field": "in_minutes"}
            )
        remind_at = now + timedelta(minutes=in_minutes)
    assert remind_at is not None
    if timezone.is_naive(remind_at):
        raise Invalid(_("Give the time zone of the reminder time."), details={"field": "remind_at"})
    if remind_at <= now:
        raise Invalid(_("The reminder time must be in the future."), details={"field": "remind_at"})
    if remind_at > now + MAX_REMINDER_AHEAD:
        raise Invalid(_("A reminder can be at most one year ahead."), details={"field": "remind_at"})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(_("The note is too long (500 characters at most)."), details={"field": "note"})
    reminder = Reminder.objects.create(ticket=ticket, user=actor_user(actor), remind_at=remind_at, note=note)
    record(
        ticket,
        "reminder.set",
        actor=actor,
        via=via,
        at=now,
        reminder=reminder.pk,
        remind_at=remind_at.isoformat(),
    )
    publish(
        ReminderCreated(
            actor_id=getattr(actor, "pk", None), via=via_of(via), id=reminder.pk, ticket_id=ticket.pk
        )
    )
    return reminder


@atomic
def cancel_reminder(reminder_id, *, actor, via: str = "web", now: datetime | None = None) -> Reminder:
    """Cancel one of one's own pending reminders (someone else's, or one on a ticket one may not see, is not
    found)."""
    reminder = (
        Reminder.objects.select_for_update()
        .filter(pk=reminder_id if str(reminder_id).isdigit() else None, user_id=getattr(actor, "pk", None))
        .filter(ticket__in=tickets_visible_to(actor))
        .first()
    )
    if reminder is None:
        raise NotFound()
    if not reminder.is_pending:
        raise Invalid(_("This reminder was already sent or cancelled."), code="reminder_done")
    now = now or timezone.now()
    reminder.cancelled_at = now
    reminder.save(update_fields=["cancelled_at"])
    record(reminder.ticket, "reminder.cancelled", actor=actor, via=via, at=now, reminder=reminder.pk)
    publish(
        ReminderCancelled(
            actor_id=getattr(actor, "pk", None), via=via_of(via), id=reminder.pk, ticket_id=reminder.ticket_id
        )
    )
    return reminder


def reminders_of(actor, *, ticket_id=None, pending_only: bool = False):
    """The actor's own reminders (optionally on one ticket) on tickets they may see, soonest first."""
    qs = Reminder.objects.filter(
        user_id=getattr(actor, "pk", None), ticket__in=tickets_visible_to(actor)
    ).select_related("ticket")
    if ticket_id is not None:
        qs = qs.filter(ticket_id=ticket_id)
    if pending_only:
        qs = qs.filter(fired_at__isnull=True, cancelled_at__isnull=True)
    return qs.order_by("remind_at", "pk")


def fire_due_reminders(now: datetime | None = None) -> int:
    """Send every due reminder once (the ``sla.reminders`` job)."""
    now = now or timezone.now()
    due = Reminder.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True, remind_at__lte=now)
    fired = 0
    for pk in list(due.order_by("remind_at", "pk").values_list("pk", flat=True)[:500]):
        with atomic():
            if not Reminder.objects.filter(pk=pk, fired_at__isnull=True, cancelled_at__isnull=True).update(
                fired_at=now
            ):
                continue
            reminder = Reminder.objects.select_related("ticket", "user").get(pk=pk)
            ticket = reminder.ticket
            record(ticket, "reminder.due", actor=SYSTEM, via="system", at=now, reminder=reminder.pk)
            publish(ReminderDue(via="system", id=reminder.pk, ticket_id=ticket.pk, user_id=reminder.user_id))
            if reminder.user.is_active:
                _notify(
                    [reminder.user],
                    kind="reminder.due",
                    context={
                        "ticket_id": ticket.pk,
                        "subject": ticket.subject,
                        "note": reminder.note,
                        "remind_at": reminder.remind_at.isoformat(),
                    },
                    ticket=ticket,
                )
            fired += 1
    return fired
