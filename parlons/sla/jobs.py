"""Every minute: SLA warnings and breaches, and due reminders (each sent once)."""

from __future__ import annotations

from datetime import timedelta

from parlons.core.scheduler import periodic


@periodic("sla.check", every=timedelta(minutes=1))
def check_sla(now):
    from parlons.sla.services import check_due

    return check_due(now)


@periodic("sla.reminders", every=timedelta(minutes=1))
def fire_reminders(now):
    from parlons.sla.services import fire_due_reminders

    return fire_due_reminders(now)
