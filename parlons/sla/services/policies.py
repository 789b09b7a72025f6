"""Service standards set by an administrator: the policies (which one applies to a ticket), the opening hours
and the holidays. Every change needs ``system.admin`` and queues a recomputation of the open tickets' due times
after the commit."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, require
from parlons.core.business_hours import BusinessCalendar, parse_hhmm
from parlons.core.db import atomic
from parlons.core.errors import Invalid, NotFound
from parlons.core.event_types import (
    BusinessHoursUpdated,
    HolidayCreated,
    HolidayDeleted,
    SlaPolicyCreated,
    SlaPolicyDeleted,
    SlaPolicyUpdated,
)
from parlons.core.events import publish
from parlons.sla.models import BusinessHours, Holiday, SlaPolicy
from parlons.tickets.models import ChannelGroup, Ticket
from parlons.tickets.services._common import via_of

MAX_TARGET_MINUTES = 365 * 24 * 60


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
