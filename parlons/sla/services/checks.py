"""The periodic check (the ``sla.check`` job): each warning and breach marked once, written to the ticket's
history, published and told to the assignee and the team lead(s)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from parlons.core.actors import SYSTEM
from parlons.core.db import atomic
from parlons.core.event_types import SlaBreached, SlaWarning
from parlons.core.events import publish
from parlons.sla.models import TicketSla
from parlons.sla.services.due_times import TARGETS, sync_tickets
from parlons.tickets.models import Ticket
from parlons.tickets.services._common import record

logger = logging.getLogger(__name__)


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
