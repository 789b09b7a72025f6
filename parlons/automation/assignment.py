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

This module decides (reads only); ``parlons.automation.services`` changes: ``set_assignment_policy``,
``clear_assignment_policy`` and ``auto_assign`` (which records the round-robin turn).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from parlons.accounts.models import Team, User
from parlons.accounts.permissions import WRITE, has_perm
from parlons.automation.models import AssignmentPolicy, RoundRobinState
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
    """The member after the one who had the team's last ticket. Call inside the transaction that records the
    turn (``services.auto_assign``): the team's row stays locked until then, so that two tickets arriving at
    once for one team take turns, even before the team's first turn is recorded."""
    list(Team.objects.select_for_update(no_key=True).filter(pk=team.pk).values_list("pk", flat=True))
    last = RoundRobinState.objects.filter(team=team).values_list("last_user_id", flat=True).first() or 0
    return next((u for u in members if u.pk > last), members[0])


def _least_open(members: list[User]) -> User:
    counts = dict(
        User.objects.filter(pk__in=[u.pk for u in members])
        .annotate(n=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=Ticket.OPEN_STATUSES)))
        .values_list("pk", "n")
    )
    return min(members, key=lambda u: (counts.get(u.pk, 0), u.pk))


def choose(ticket: Ticket) -> tuple[User | None, Team | None, str]:
    """Who should get a new ticket: (agent or None, team, reason: "sticky", "round_robin", "least_open"
    or ""). Changes nothing; a "round_robin" choice is the team's turn for the caller to record."""
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
