"""Reminders ("remind me", OPS-7): a person sets one for themselves on a ticket they may see; the
``sla.reminders`` job sends each due one once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import WRITE, require
from parlons.core.actors import SYSTEM, actor_user
from parlons.core.db import atomic
from parlons.core.errors import Invalid, NotFound
from parlons.core.event_types import ReminderCancelled, ReminderCreated, ReminderDue
from parlons.core.events import publish
from parlons.sla.models import Reminder
from parlons.sla.services.checks import _notify
from parlons.tickets.selectors import get_visible_ticket, tickets_visible_to
from parlons.tickets.services._common import record, via_of

MAX_REMINDER_AHEAD = timedelta(days=366)
NOTE_MAX = 500


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
    ticket = get_visible_ticket(actor, ticket_id)
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
