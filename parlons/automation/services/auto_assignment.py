"""Automatic assignment (OPS-6, OPS-24): the policies an administrator sets, and the assignment of a new ticket
that follows them (the choice itself: ``parlons.automation.assignment``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from parlons.accounts.models import Team, User
from parlons.accounts.permissions import ADMIN, require
from parlons.automation import assignment
from parlons.automation.models import AssignmentPolicy, RoundRobinState
from parlons.automation.services._common import _changed, _forget_compiled
from parlons.core.actors import SYSTEM
from parlons.core.db import atomic
from parlons.core.errors import Invalid
from parlons.core.event_types import AssignmentPolicyChanged
from parlons.tickets.models import Ticket


@atomic
def set_assignment_policy(
    *, actor, via: str = "web", team: Team | None = None, method: str, sticky: bool, sticky_days: int
) -> AssignmentPolicy:
    """Set the global policy (team None) or a team's. Needs system.admin. Publishes
    ``assignment.policy_changed``."""
    require(actor, ADMIN)
    if method not in AssignmentPolicy.Method.values:
        raise Invalid(
            _("Unknown assignment method “%(value)s”.") % {"value": method}, details={"field": "method"}
        )
    try:
        sticky_days = int(sticky_days)
    except (TypeError, ValueError):
        sticky_days = -1
    if not 1 <= sticky_days <= assignment.MAX_STICKY_DAYS:
        raise Invalid(
            _("Give a number of days between 1 and %(max)s.") % {"max": assignment.MAX_STICKY_DAYS},
            details={"field": "sticky_days"},
        )
    row = (
        AssignmentPolicy.objects.select_for_update().filter(team=team).first()
        if team
        else (AssignmentPolicy.objects.select_for_update().filter(team__isnull=True).first())
    )
    if row is None:
        row = AssignmentPolicy(team=team)
    row.method, row.sticky, row.sticky_days = method, bool(sticky), sticky_days
    row.save()
    _changed(AssignmentPolicyChanged, actor, via, team_id=getattr(team, "pk", None))
    return row


@atomic
def clear_assignment_policy(*, actor, team: Team) -> None:
    """The team follows the global policy again. Needs system.admin; publishes nothing."""
    require(actor, ADMIN)
    AssignmentPolicy.objects.filter(team=team).delete()
    _forget_compiled()


@atomic
def auto_assign(ticket_id: int) -> User | None:
    """Assign a new unassigned ticket following the policy, as the system (after ``ticket.created``), and
    record the team's round-robin turn; returns the agent chosen (or None). The assignment goes through
    ``update_ticket`` with ``via="assignment"``: its history row and ``ticket.updated``."""
    from parlons.tickets.services import Changes, update_ticket

    ticket = (
        Ticket.objects.select_for_update(of=("self",), no_key=True)
        .select_related("channel_group", "team")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None or ticket.assignee_id is not None or not ticket.is_open:
        return None
    agent, team, reason = assignment.choose(ticket)
    if agent is None:
        return None
    if reason == "round_robin":
        RoundRobinState.objects.update_or_create(team=team, defaults={"last_user": agent})
    changes = Changes(assignee=agent)
    if ticket.team_id is None and team is not None:
        changes.team = team
    update_ticket(ticket.pk, changes, actor=SYSTEM, via=assignment.VIA)
    return agent
