"""Automatic assignment (REQ OPS-6, OPS-24) and keyword auto-tagging (REQ OPS-25)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.automation import services
from parlons.automation.models import AssignmentPolicy
from parlons.core.actors import SYSTEM
from parlons.core.errors import Forbidden, Invalid
from parlons.tickets import services as tickets
from parlons.tickets.history import describe
from parlons.tickets.models import Message, Ticket, TicketEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    return factories.TeamFactory(name="Passeports")


@pytest.fixture
def agents(team):
    return [
        factories.UserFactory(username=f"a{i}", first_name=f"Agent{i}", roles=["agent"], teams=[team])
        for i in range(3)
    ]


@pytest.fixture
def team_group(team):
    return factories.ChannelGroupFactory(name="Passports page", team=team)


@pytest.fixture
def policy(admin_user, team):
    def set_(method="round_robin", sticky=True, days=30, for_team=None):
        return services.set_assignment_policy(
            actor=admin_user, team=for_team, method=method, sticky=sticky, sticky_days=days
        )

    return set_


# --- assignment -------------------------------------------------------------------------------------
def test_no_policy_assigns_nobody_req_ops6(incoming, team_group, agents):
    assert incoming(group=team_group).assignee is None


def test_round_robin_within_the_team_of_the_channel_group_req_ops24(incoming, team_group, agents, policy):
    policy("round_robin", sticky=False)
    got = [incoming(group=team_group, sender=f"c{i}").assignee for i in range(4)]
    assert got == [agents[0], agents[1], agents[2], agents[0]]
    ticket = Ticket.objects.filter(assignee=agents[0]).first()
    event = TicketEvent.objects.get(ticket=ticket, kind="ticket.assigned")
    assert event.via == "assignment"
    assert "automatic assignment" in describe(event, "en")
    assert "attribution automatique" in describe(event, "fr")


def test_away_and_inactive_agents_are_skipped_req_ops24(
    incoming, team_group, agents, policy, committed_events
):
    from parlons.accounts.services import update_user

    policy("round_robin", sticky=False)
    update_user(agents[0], actor=agents[0], is_away=True)
    agents[1].is_active = False
    agents[1].save()
    assert incoming(group=team_group, sender="x").assignee == agents[2]
    assert incoming(group=team_group, sender="y").assignee == agents[2]
    update_user(agents[2], actor=agents[2], is_away=True)
    ticket = incoming(group=team_group, sender="z")
    assert ticket.assignee is None and ticket.team is not None  # stays with the team


def test_least_open_tickets_req_ops24(incoming, team_group, agents, policy, team):
    policy("least_open", sticky=False)
    other_group = factories.ChannelGroupFactory()
    for i, agent in enumerate(agents[:2]):
        for j in range(2 - i):
            t = incoming(group=other_group, sender=f"busy{i}{j}")
            tickets.assign_ticket(t, agent, actor=SYSTEM)
    # agents[0] has 2 open tickets, agents[1] has 1, agents[2] none.
    assert incoming(group=team_group, sender="n1").assignee == agents[2]
    assert incoming(group=team_group, sender="n2").assignee == agents[1]  # 1 vs 1 vs 2: lowest id


def test_returning_client_goes_to_the_agent_of_last_time_req_ops6(incoming, team_group, agents, policy):
    policy("round_robin", sticky=True, days=30)
    first = incoming(group=team_group, sender="marie")
    tickets.assign_ticket(first, agents[2], actor=SYSTEM)
    tickets.change_status(first, "closed", actor=SYSTEM)
    second = incoming(group=team_group, sender="marie")
    assert second.pk != first.pk and second.assignee == agents[2]


def test_sticky_falls_back_to_the_team_when_the_agent_is_away_or_too_long_ago_req_ops6(
    incoming, team_group, agents, policy
):
    from parlons.accounts.services import update_user

    policy("round_robin", sticky=True, days=30)
    first = incoming(group=team_group, sender="marie")
    tickets.assign_ticket(first, agents[2], actor=SYSTEM)
    tickets.change_status(first, "closed", actor=SYSTEM)
    update_user(agents[2], actor=agents[2], is_away=True)
    second = incoming(group=team_group, sender="marie")
    assert second.assignee in agents[:2]
    tickets.change_status(second, "closed", actor=SYSTEM)
    # Handled 40 days ago: beyond the 30 days, round-robin instead.
    Ticket.objects.filter(contact=second.contact).update(updated_at=timezone.now() - timedelta(days=40))
    third = incoming(group=team_group, sender="marie")
    assert third.assignee is not None and third.assignee != second.assignee


def test_team_policy_overrides_the_global_one_and_rules_come_first_req_ops24(
    incoming, team_group, agents, policy, team, make_rule, other_agent
):
    policy("none", sticky=False)  # global: nothing
    policy("least_open", sticky=False, for_team=team)
    assert incoming(group=team_group, sender="p").assignee == agents[0]
    make_rule([{"type": "assign_agent", "value": other_agent.pk}], trigger="ticket_created")
    assert incoming(group=team_group, sender="q").assignee == other_agent


def test_only_administrators_set_the_policy_req_ops24(agent_user, lead_user, admin_user):
    for user in (agent_user, lead_user):
        with pytest.raises(Forbidden):
            services.set_assignment_policy(actor=user, method="round_robin", sticky=True, sticky_days=30)
    with pytest.raises(Invalid):
        services.set_assignment_policy(actor=admin_user, method="random", sticky=True, sticky_days=30)
    with pytest.raises(Invalid):
        services.set_assignment_policy(actor=admin_user, method="round_robin", sticky=True, sticky_days=0)
    assert not AssignmentPolicy.objects.exists()


# --- auto-tagging -----------------------------------------------------------------------------------
@pytest.fixture
def passport_tag(admin_user):
    tag = factories.TagFactory(slug="passports", name_en="Passports", name_fr="Passeports")
    services.create_auto_tag(
        actor=admin_user,
        tag="passports",
        keywords_en=["passport"],
        keywords_fr=["passeport", "pièce d'identité"],
    )
    return tag


def test_keywords_tag_incoming_messages_with_or_without_accents_req_ops25(incoming, passport_tag):
    assert set(incoming(sender="a", body="Mon PASSEPORT expire").tags.all()) == {passport_tag}
    assert set(incoming(sender="b", body="ma piece d'identite").tags.all()) == {passport_tag}
    assert set(incoming(sender="c", body="My passport please").tags.all()) == {passport_tag}
    assert not incoming(sender="d", body="Bonjour").tags.exists()
    event = TicketEvent.objects.filter(kind="tags.added", via="autotag").first()
    assert "automatic tagging" in describe(event, "en")


def test_keywords_tag_notes_and_replies_and_edits_req_ops25(
    incoming, passport_tag, agent_user, committed_events, admin_user
):
    ticket = incoming(body="Bonjour")
    with committed_events():
        tickets.add_note(ticket, "Client asks about a passport", actor=agent_user)
    assert set(ticket.tags.all()) == {passport_tag}
    tickets.remove_tags(ticket, [passport_tag], actor=agent_user)
    with committed_events():
        tickets.reply(ticket, "Votre passeport est prêt.", actor=agent_user)
    assert set(ticket.tags.all()) == {passport_tag}
    tickets.remove_tags(ticket, [passport_tag], actor=agent_user)
    # An incoming message edited on the platform is tagged again from its new text (on update).
    message = ticket.messages.filter(direction=Message.Direction.IN).first()
    Message.objects.filter(pk=message.pk).update(body="Edited: my passport")
    from parlons.core.event_types import MessageUpdated
    from parlons.core.events import publish

    with committed_events():
        publish(MessageUpdated(via="ingest", id=message.pk, ticket_id=ticket.pk, change="edited"))
    assert set(ticket.tags.all()) == {passport_tag}


def test_auto_tag_sources_and_switching_off_req_ops25(incoming, admin_user, agent_user, committed_events):
    tag = factories.TagFactory(slug="refund")
    auto = services.create_auto_tag(actor=admin_user, tag="refund", keywords_en=["refund"], sources=["notes"])
    assert not incoming(sender="a", body="I want a refund").tags.exists()  # messages not looked at
    ticket = incoming(sender="b", body="Hello")
    with committed_events():
        tickets.add_note(ticket, "refund asked", actor=agent_user)
    assert set(ticket.tags.all()) == {tag}
    services.update_auto_tag(
        auto, actor=admin_user, tag="refund", keywords_en=["refund"], sources=["messages"], is_enabled=False
    )
    assert not incoming(sender="c", body="refund").tags.exists()


def test_auto_tag_validation_and_permission_req_ops25(admin_user, agent_user):
    factories.TagFactory(slug="refund")
    with pytest.raises(Forbidden):
        services.create_auto_tag(actor=agent_user, tag="refund", keywords_en=["x"])
    with pytest.raises(Invalid):
        services.create_auto_tag(actor=admin_user, tag="nope", keywords_en=["x"])
    with pytest.raises(Invalid):
        services.create_auto_tag(actor=admin_user, tag="refund")
    with pytest.raises(Invalid):
        services.create_auto_tag(actor=admin_user, tag="refund", keywords_en=["x"], sources=["tweets"])
