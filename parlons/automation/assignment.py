"""Automatic assignment of new tickets (OPS-6, OPS-24).

A new ticket without an assignee:
1. from a returning client (sticky, if the policy says so) goes to the agent of the client's most recent
   earlier ticket, when that ticket was active within ``sticky_days`` and the agent is active, not away and
   still in the ticket's team (when it has one);
2. otherwise (or when that agent is away) goes to the team of the channel group: round-robin, or to the
   member with the fewest open tickets. Members who are away, inactive, bots, or who cannot write tickets are
   skipped. No member available: the ticket stays with the team, unassigned.

The policy is per team (``AssignmentPolicy`` with a team), else the global one (team empty); with no policy
at all nothing is assigned automatically. Assignment goes through ``update_ticket`` as the system with
``via="assignment"``: the history shows it like any reassignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.models import Team, User
from parlons.accounts.permissions import ADMIN, WRITE, has_perm, require
from parlons.automation.models import AssignmentPolicy, RoundRobinState
from parlons.core.actors import SYSTEM
from parlons.core.errors import Invalid
from parlons.core.events import publish
from parlons.tickets.models import Ticket

VIA = "assignment"
MAX_STICKY_DAYS = 3650


@dataclass(frozen=True)
class Policy:
    method: str = AssignmentPolicy.Method.NONE
    sticky: bool = False
    sticky_days: int = 30


def policy_for(team: Team | None) -> Policy:
    row = None
    if team is not None:
        row = AssignmentPolicy.objects.filter(team=team).first()
    if row is None:
        row = AssignmentPolicy.objects.filter(team__isnull=True).first()
    if row is None:
        return Policy()
    return Policy(method=row.method, sticky=row.sticky, sticky_days=row.sticky_days)


@transaction.atomic
def set_policy(
    *, actor, team: Team | None = None, method: str, sticky: bool, sticky_days: int
) -> AssignmentPolicy:
    """Set the global policy (team None) or a team's. Needs system.admin."""
    require(actor, ADMIN)
    if method not in AssignmentPolicy.Method.values:
        raise Invalid(
            _("Unknown assignment method “%(value)s”.") % {"value": method}, details={"field": "method"}
        )
    try:
        sticky_days = int(sticky_days)
    except (TypeError, ValueError):
        sticky_days = -1
    if not 1 <= sticky_days <= MAX_STICKY_DAYS:
        raise Invalid(
            _("Give a number of days between 1 and %(max)s.") % {"max": MAX_STICKY_DAYS},
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
    _changed()
    publish(
        "assignment.policy_changed",
        actor_id=getattr(actor, "pk", None),
        via="web",
        team_id=getattr(team, "pk", None),
    )
    return row


@transaction.atomic
def clear_team_policy(*, actor, team: Team) -> None:
    """The team follows the global policy again."""
    require(actor, ADMIN)
    AssignmentPolicy.objects.filter(team=team).delete()
    _changed()


def _changed() -> None:
    from parlons.automation import engine
    from parlons.automation.models import RuleSetState

    RuleSetState.bump()
    engine.forget_compiled_rules()


def available(user: User | None, team: Team | None = None) -> bool:
    """Whether an agent can take a new ticket now: active, not away, not a bot, may write tickets, and in
    the team when one is given."""
    if user is None or not user.is_active or user.is_away or user.is_bot:
        return False
    if team is not None and not user.teams.filter(pk=team.pk).exists():
        return False
    return has_perm(user, WRITE)


def _members(team: Team) -> list[User]:
    users = team.members.filter(is_active=True, is_away=False, is_bot=False).order_by("pk")
    return [u for u in users if has_perm(u, WRITE)]


def _previous_agent(ticket: Ticket, days: int) -> User | None:
    since = timezone.now() - timedelta(days=days)
    earlier = (
        Ticket.objects.filter(contact_id=ticket.contact_id, assignee__isnull=False, updated_at__gte=since)
        .exclude(pk=ticket.pk)
        .filter(created_at__lte=ticket.created_at)
        .select_related("assignee")
        .order_by("-updated_at", "-id")
        .first()
    )
    return earlier.assignee if earlier else None


def _round_robin(team: Team, members: list[User]) -> User:
    state, _created = RoundRobinState.objects.select_for_update().get_or_create(team=team)
    last = state.last_user_id or 0
    chosen = next((u for u in members if u.pk > last), members[0])
    state.last_user = chosen
    state.save(update_fields=["last_user"])
    return chosen


def _least_open(members: list[User]) -> User:
    counts = dict(
        User.objects.filter(pk__in=[u.pk for u in members])
        .annotate(n=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=Ticket.OPEN_STATUSES)))
        .values_list("pk", "n")
    )
    return min(members, key=lambda u: (counts.get(u.pk, 0), u.pk))


def choose(ticket: Ticket) -> tuple[User | None, Team | None, str]:
    """Who should get a new ticket: (agent or None, team, reason: "sticky", "round_robin", "least_open"
    or "")."""
    team = ticket.team or ticket.channel_group.team
    policy = policy_for(team)
    if policy.sticky:
        agent = _previous_agent(ticket, policy.sticky_days)
        if agent is not None and available(agent, ticket.team):
            return agent, team, "sticky"
    if team is None or policy.method == AssignmentPolicy.Method.NONE:
        return None, team, ""
    members = _members(team)
    if not members:
        return None, team, ""
    if policy.method == AssignmentPolicy.Method.LEAST_OPEN:
        return _least_open(members), team, "least_open"
    return _round_robin(team, members), team, "round_robin"


@transaction.atomic
def auto_assign(ticket_id: int) -> User | None:
    """Assign a new unassigned ticket following the policy; returns the agent chosen (or None)."""
    from parlons.tickets.services import Changes, update_ticket

    ticket = (
        Ticket.objects.select_for_update(of=("self",), no_key=True)
        .select_related("channel_group", "team")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None or ticket.assignee_id is not None or not ticket.is_open:
        return None
    agent, team, _reason = choose(ticket)
    if agent is None:
        return None
    changes = Changes(assignee=agent)
    if ticket.team_id is None and team is not None:
        changes.team = team
    update_ticket(ticket.pk, changes, actor=SYSTEM, via=VIA)
    return agent
