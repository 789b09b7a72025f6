"""Round-robin turns under concurrency (REQ OPS-24, PostgreSQL): the choice reads the team's last turn while the
team's row is locked, and ``services.auto_assign`` records the turn in the same transaction, so two tickets
assigned at the same moment go to two members, even before the team's first turn is recorded."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from parlons.automation import services
from parlons.automation.models import RoundRobinState
from tests import factories
from tests.concurrency import held_elsewhere

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL=postgres://..."
    ),
]


def test_two_first_turns_at_once_go_to_two_members_req_ops24(admin_user):
    team = factories.TeamFactory(name="Passeports")
    agents = [factories.UserFactory(username=f"rr{i}", roles=["agent"], teams=[team]) for i in range(2)]
    group = factories.ChannelGroupFactory(name="Passports page", team=team)
    services.set_assignment_policy(actor=admin_user, method="round_robin", sticky=False, sticky_days=30)
    first, second = (factories.TicketFactory(channel_group=group) for _ in range(2))
    assert not RoundRobinState.objects.exists()
    chosen = {}

    def assign_second():
        try:
            chosen["second"] = services.auto_assign(second.pk)
        finally:
            connections.close_all()

    other = threading.Thread(target=assign_second)
    with held_elsewhere(lambda: chosen.__setitem__("first", services.auto_assign(first.pk))):
        other.start()
        other.join(1)
        assert other.is_alive()  # waits for the first turn to be recorded
    other.join(10)
    assert [chosen["first"], chosen["second"]] == agents
    assert RoundRobinState.objects.get(team=team).last_user == agents[1]
