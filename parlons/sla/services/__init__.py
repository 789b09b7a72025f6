"""Service standards (OPS-7, OPS-8): policies, each ticket's due times, the periodic check and reminders.

The rule of the house holds: permission first, one transaction, a ``TicketEvent`` history row for anything about
a ticket, then the domain event. ``Ticket.sla_due_at`` (the next due time, for the inbox) is written only here,
with a plain ``UPDATE`` that does not bump the ticket's version (it is derived data, not an edit).

Due times are computed from the ticket's creation (first response) and from its creation or last reopening
(resolution), with the calendar of the policy: business hours (``BusinessCalendar.current()``) or calendar
hours (``BusinessCalendar.always()``). A reply to the client meets the first-response target; resolving or
closing stops the resolution clock; reopening restarts it from the reopening.

The package's modules follow the sections of the work: ``policies`` (policies, opening hours, holidays),
``due_times`` (each ticket's due times), ``checks`` (the periodic check) and ``reminders``. Callers import
from here: the SLA listener looks ``sync_tickets`` up on this package when it runs.
"""

from parlons.sla.services.checks import backfill, check_due
from parlons.sla.services.due_times import (
    CLOSED_STATUSES,
    FIRST_RESPONSE,
    RECOMPUTE_CHUNK,
    RESOLUTION,
    TARGETS,
    TargetState,
    next_due,
    recompute_open_tickets,
    sync_ticket,
    sync_tickets,
    target_states,
)
from parlons.sla.services.policies import (
    MAX_TARGET_MINUTES,
    PolicyInput,
    add_holiday,
    business_hours,
    calendar_for,
    delete_holiday,
    delete_policy,
    ensure_defaults,
    save_policy,
    select_policy,
    set_business_hours,
)
from parlons.sla.services.reminders import (
    MAX_REMINDER_AHEAD,
    NOTE_MAX,
    cancel_reminder,
    create_reminder,
    fire_due_reminders,
    reminders_of,
)

__all__ = [
    "CLOSED_STATUSES",
    "FIRST_RESPONSE",
    "MAX_REMINDER_AHEAD",
    "MAX_TARGET_MINUTES",
    "NOTE_MAX",
    "RECOMPUTE_CHUNK",
    "RESOLUTION",
    "TARGETS",
    "PolicyInput",
    "TargetState",
    "add_holiday",
    "backfill",
    "business_hours",
    "calendar_for",
    "cancel_reminder",
    "check_due",
    "create_reminder",
    "delete_holiday",
    "delete_policy",
    "ensure_defaults",
    "fire_due_reminders",
    "next_due",
    "recompute_open_tickets",
    "reminders_of",
    "save_policy",
    "select_policy",
    "set_business_hours",
    "sync_ticket",
    "sync_tickets",
    "target_states",
]
