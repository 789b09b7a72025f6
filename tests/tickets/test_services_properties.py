"""Ticket properties: assignment, status, priority, spam, tags, trackers, bulk update; history rows and events
after commit (OPS-3, OPS-5, OPS-15, OPS-18, OPS-19, OPS-21, OPS-24)."""

from __future__ import annotations

import pytest
from django.db import transaction

from parlons.core.errors import Forbidden, Invalid, NotFound
from parlons.core.events import DomainEvent, capture_events
from parlons.tickets.models import Tag, Ticket, TicketEvent, TicketTag, TrackerTicket
from parlons.tickets.services import (
    Changes,
    add_tags,
    add_to_tracker,
    assign_ticket,
    bulk_update,
    change_priority,
    change_status,
    mark_spam,
    remove_from_tracker,
    remove_tags,
    update_ticket,
)
from tests import factories

pytestmark = pytest.mark.django_db


def history(ticket):
    return [(e.kind, e.actor_id, e.data) for e in TicketEvent.objects.filter(ticket=ticket).order_by("id")]


def last_history(ticket, n=1):
    return history(ticket)[-n:]


def ref(user):
    return {"id": user.pk, "name": user.display_name}


# --- assignment (OPS-24) --------------------------------------------------------------------------
def test_lead_assigns_reassigns_and_unassigns_req_ops24_ops19(ticket, lead_user, agent_user, other_agent):
    assign_ticket(ticket, agent_user, actor=lead_user)
    assign_ticket(ticket, other_agent, actor=lead_user)
    assign_ticket(ticket, None, actor=lead_user)
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert last_history(ticket, 3) == [
        ("ticket.assigned", lead_user.pk, {"from": None, "to": ref(agent_user)}),
        ("ticket.assigned", lead_user.pk, {"from": ref(agent_user), "to": ref(other_agent)}),
        ("ticket.assigned", lead_user.pk, {"from": ref(other_agent), "to": None}),
    ]
    assert ticket.version == 4


def test_agent_takes_a_ticket_but_cannot_give_it_to_someone_else_req_adm5_ops24(
    ticket, agent_user, other_agent
):
    assign_ticket(ticket, agent_user, actor=agent_user)
    ticket.refresh_from_db()
    assert ticket.assignee == agent_user
    with pytest.raises(Forbidden) as exc:
        assign_ticket(ticket, other_agent, actor=agent_user)
    assert exc.value.details == {"permission": "tickets.manage"}
    ticket.refresh_from_db()
    assert ticket.assignee == agent_user
    assert [k for k, *_ in history(ticket)] == ["ticket.created", "ticket.assigned"]


def test_assigning_to_an_inactive_user_is_refused(ticket, lead_user, agent_user):
    agent_user.is_active = False
    agent_user.save()
    with pytest.raises(Invalid) as exc:
        assign_ticket(ticket, agent_user, actor=lead_user)
    assert exc.value.code == "inactive_user"


def test_assign_to_a_team_req_ops24_adm7(ticket, lead_user, agent_user):
    team = factories.TeamFactory(name="Passeports")
    update_ticket(ticket, Changes(team=team), actor=lead_user)
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (team, None)
    assert last_history(ticket) == [
        ("ticket.team_changed", lead_user.pk, {"from": None, "to": {"id": team.pk, "name": "Passeports"}})
    ]
    with pytest.raises(Forbidden):
        update_ticket(ticket, Changes(team=None), actor=agent_user)
    ticket.refresh_from_db()
    assert ticket.team == team


def test_assign_agent_and_team_in_one_call_req_ops24(ticket, lead_user, agent_user, committed_events):
    team = factories.TeamFactory(name="Passeports")
    with committed_events() as events:
        assign_ticket(ticket, agent_user, team=team, actor=lead_user)
    assert [k for k, *_ in last_history(ticket, 2)] == ["ticket.assigned", "ticket.team_changed"]
    assert events == [
        DomainEvent(
            "ticket.updated",
            actor_id=lead_user.pk,
            via="web",
            data={
                "id": ticket.pk,
                "version": 2,
                "changes": ["assignee", "team"],
                "assignee_id": agent_user.pk,
                "team_id": team.pk,
            },
        )
    ]


def test_reassign_to_another_channel_group_req_ops24(ticket, channel_group, lead_user, agent_user):
    other = factories.ChannelGroupFactory(platform="facebook", name="IRCC Facebook")
    update_ticket(ticket, Changes(channel_group=other), actor=lead_user)
    ticket.refresh_from_db()
    assert ticket.channel_group == other
    assert last_history(ticket) == [
        (
            "ticket.channel_group_changed",
            lead_user.pk,
            {
                "from": {"id": channel_group.pk, "name": "Passports API"},
                "to": {"id": other.pk, "name": "IRCC Facebook"},
            },
        )
    ]
    with pytest.raises(Forbidden):
        update_ticket(ticket, Changes(channel_group=channel_group), actor=agent_user)


def test_a_ticket_cannot_lose_its_channel_group_req_ops24(ticket, channel_group, lead_user):
    with pytest.raises(Invalid):
        update_ticket(ticket, Changes(channel_group=None), actor=lead_user)
    ticket.refresh_from_db()
    assert ticket.channel_group == channel_group


# --- status, priority, spam -----------------------------------------------------------------------
def test_status_timestamps_follow_the_status_req_ops1_ops19(ticket, agent_user, lead_user):
    change_status(ticket, "resolved", actor=agent_user)
    ticket.refresh_from_db()
    resolved_at = ticket.resolved_at
    assert ticket.status == "resolved" and resolved_at is not None
    assert (ticket.closed_at, ticket.closed_by) == (None, None)

    change_status(ticket, "closed", actor=lead_user)
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.closed_by == lead_user
    assert ticket.closed_at >= resolved_at
    assert ticket.resolved_at == resolved_at  # closing keeps the time it was resolved

    change_status(ticket, "open", actor=agent_user)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at, ticket.closed_at, ticket.closed_by) == (
        "open",
        None,
        None,
        None,
    )
    assert [d for k, _a, d in history(ticket) if k == "ticket.status_changed"] == [
        {"from": "new", "to": "resolved"},
        {"from": "resolved", "to": "closed"},
        {"from": "closed", "to": "open"},
    ]


def test_closing_an_unresolved_ticket_sets_both_times(ticket, lead_user):
    change_status(ticket, "closed", actor=lead_user)
    ticket.refresh_from_db()
    assert ticket.resolved_at == ticket.closed_at is not None


def test_same_status_again_changes_nothing(ticket, agent_user, committed_events):
    with committed_events() as events:
        change_status(ticket, "new", actor=agent_user)
    ticket.refresh_from_db()
    assert ticket.version == 1
    assert events == []
    assert len(history(ticket)) == 1


def test_priority_and_bad_values_req_ops19(ticket, agent_user):
    change_priority(ticket, "urgent", actor=agent_user)
    assert last_history(ticket) == [
        ("ticket.priority_changed", agent_user.pk, {"from": "normal", "to": "urgent"})
    ]
    with pytest.raises(Invalid):
        change_priority(ticket, "whenever", actor=agent_user)
    with pytest.raises(Invalid):
        change_status(ticket, "lost", actor=agent_user)
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == ("urgent", "new")


def test_mark_and_unmark_spam_req_ops15(ticket, agent_user):
    mark_spam(ticket, actor=agent_user)
    ticket.refresh_from_db()
    assert ticket.is_spam is True
    mark_spam(ticket, False, actor=agent_user)
    ticket.refresh_from_db()
    assert ticket.is_spam is False
    assert last_history(ticket, 2) == [
        ("ticket.spam_changed", agent_user.pk, {"from": False, "to": True}),
        ("ticket.spam_changed", agent_user.pk, {"from": True, "to": False}),
    ]


# --- tags (OPS-3, OPS-5) --------------------------------------------------------------------------
def tag_refs(tags):
    return [{"id": t.pk, "slug": t.slug, "en": t.name_en, "fr": t.name_fr} for t in tags]


def test_sixty_tags_on_one_ticket_then_remove_some_req_ops5_ops3(ticket, agent_user):
    tags = factories.TagFactory.create_batch(60)
    add_tags(ticket, tags, actor=agent_user)
    assert ticket.tags.count() == 60
    assert last_history(ticket) == [("tags.added", agent_user.pk, {"tags": tag_refs(tags)})]

    remove_tags(ticket, tags[:10], actor=agent_user)
    assert set(ticket.tags.all()) == set(tags[10:])
    assert last_history(ticket) == [("tags.removed", agent_user.pk, {"tags": tag_refs(tags[:10])})]
    assert TicketTag.objects.filter(ticket=ticket).first().added_by == agent_user


def test_adding_present_tags_or_removing_absent_ones_changes_nothing(ticket, agent_user, committed_events):
    present, absent = factories.TagFactory.create_batch(2)
    add_tags(ticket, [present], actor=agent_user)
    before = len(history(ticket))
    with committed_events() as events:
        add_tags(ticket, [present, present], actor=agent_user)
        remove_tags(ticket, [absent], actor=agent_user)
    assert len(history(ticket)) == before
    assert events == []


def test_archived_tags_cannot_be_added_req_adm8(ticket, agent_user):
    archived = factories.TagFactory(slug="old", is_archived=True)
    fresh = factories.TagFactory(slug="fresh")
    with pytest.raises(Invalid) as exc:
        add_tags(ticket, [fresh, archived], actor=agent_user)
    assert exc.value.code == "archived_tag"
    assert ticket.tags.count() == 0


def test_an_archived_tag_already_on_a_ticket_can_be_removed_req_adm8(ticket, agent_user):
    tag = factories.TagFactory()
    add_tags(ticket, [tag], actor=agent_user)
    Tag.objects.filter(pk=tag.pk).update(is_archived=True)
    tag.refresh_from_db()
    remove_tags(ticket, [tag], actor=agent_user)
    assert ticket.tags.count() == 0


def test_too_many_tags_in_one_call_is_refused(ticket, agent_user):
    many = [Tag(slug=f"t{i}", name_en="t", name_fr="t") for i in range(201)]
    with pytest.raises(Invalid) as exc:
        add_tags(ticket, many, actor=agent_user)
    assert exc.value.code == "too_many_tags"


# --- trackers (OPS-18) ----------------------------------------------------------------------------
def test_add_to_and_remove_from_a_tracker_req_ops18(ticket, agent_user):
    tracker = factories.TrackerFactory(name="Panne du 3 mars")
    add_to_tracker(ticket, tracker, actor=agent_user)
    add_to_tracker(ticket, tracker, actor=agent_user)  # already there: nothing more
    assert list(tracker.tickets.all()) == [ticket]
    assert TrackerTicket.objects.get().added_by == agent_user
    remove_from_tracker(ticket, tracker, actor=agent_user)
    assert tracker.tickets.count() == 0
    ref_ = {"tracker": {"id": tracker.pk, "name": "Panne du 3 mars"}}
    assert history(ticket)[1:] == [
        ("tracker.added", agent_user.pk, ref_),
        ("tracker.removed", agent_user.pk, ref_),
    ]


# --- bulk update (OPS-21) -------------------------------------------------------------------------
def test_bulk_update_changes_many_fields_on_many_tickets_req_ops21_ops19(
    channel_group, lead_user, agent_user, committed_events
):
    tickets = [factories.ingest(channel_group, sender=f"psid-{i}").ticket for i in range(4)]
    tag = factories.TagFactory(slug="passeport")
    tracker = factories.TrackerFactory()
    # One ticket already has every value: it is reported unchanged.
    done = tickets[3]
    update_ticket(
        done,
        Changes(
            status="pending", priority="high", assignee=agent_user, add_tags=[tag], add_trackers=[tracker]
        ),
        actor=lead_user,
    )
    before_done = len(history(done))
    missing = max(t.pk for t in tickets) + 1000

    with committed_events() as events:
        result = bulk_update(
            [tickets[0].pk, tickets[1].pk, tickets[2].pk, done.pk, missing, tickets[0].pk],
            Changes(
                status="pending", priority="high", assignee=agent_user, add_tags=[tag], add_trackers=[tracker]
            ),
            actor=lead_user,
            via="api",
        )

    assert result == {
        "updated": [tickets[0].pk, tickets[1].pk, tickets[2].pk],
        "unchanged": [done.pk],
        "not_found": [missing],
    }
    for t in tickets[:3]:
        t.refresh_from_db()
        assert (t.status, t.priority, t.assignee) == ("pending", "high", agent_user)
        assert list(t.tags.all()) == [tag]
        assert list(t.trackers.all()) == [tracker]
        assert [(e.kind, e.actor_id, e.via) for e in TicketEvent.objects.filter(ticket=t)][1:] == [
            ("ticket.status_changed", lead_user.pk, "api"),
            ("ticket.priority_changed", lead_user.pk, "api"),
            ("ticket.assigned", lead_user.pk, "api"),
            ("tags.added", lead_user.pk, "api"),
            ("tracker.added", lead_user.pk, "api"),
        ]
        assert t.version == 2
    assert len(history(done)) == before_done
    assert [(e.type, e.actor_id, e.via, e.data["id"], e.data["changes"]) for e in events] == [
        ("ticket.updated", lead_user.pk, "api", t.pk, ["status", "priority", "assignee", "tags", "trackers"])
        for t in tickets[:3]
    ]


def test_bulk_update_refusals_change_nothing_req_ops21_adm4(
    channel_group, agent_user, other_agent, reader_user
):
    tickets = [factories.ingest(channel_group, sender=f"psid-{i}").ticket for i in range(2)]
    ids = [t.pk for t in tickets]
    with pytest.raises(Invalid) as exc:
        bulk_update(ids, Changes(), actor=agent_user)
    assert exc.value.code == "no_changes"
    with pytest.raises(Invalid) as exc:
        bulk_update([], Changes(priority="low"), actor=agent_user)
    assert exc.value.code == "no_tickets"
    with pytest.raises(Forbidden):  # giving tickets to somebody else needs tickets.manage
        bulk_update(ids, Changes(priority="low", assignee=other_agent), actor=agent_user)
    with pytest.raises(Forbidden):
        bulk_update(ids, Changes(priority="low"), actor=reader_user)
    assert TicketEvent.objects.count() == 2
    assert set(Ticket.objects.values_list("priority", "assignee")) == {("normal", None)}


def test_bulk_update_by_someone_who_cannot_read_tickets_is_refused_req_adm4(ticket):
    from parlons.accounts.models import Role, RoleGrant

    writer = factories.UserFactory(username="writer-only")
    role = Role.objects.create(slug="write-only", name_en="W", name_fr="W", permissions=["tickets.write"])
    RoleGrant.objects.create(role=role, user=writer)
    with pytest.raises(Forbidden):
        bulk_update([ticket.pk], Changes(priority="low"), actor=writer)
    with pytest.raises(NotFound):
        change_priority(ticket, "low", actor=writer)
    ticket.refresh_from_db()
    assert ticket.priority == "normal"


# --- events after commit --------------------------------------------------------------------------
def test_events_are_published_only_after_commit(ticket, agent_user):
    tag = factories.TagFactory()
    with capture_events() as events:
        add_tags(ticket, [tag], actor=agent_user)  # the test transaction never commits
    assert events == []


def test_nothing_is_published_or_kept_when_the_transaction_rolls_back(ticket, agent_user, committed_events):
    tag = factories.TagFactory()
    with committed_events() as events, pytest.raises(RuntimeError), transaction.atomic():
        add_tags(ticket, [tag], actor=agent_user)
        change_priority(ticket, "urgent", actor=agent_user)
        raise RuntimeError("the caller failed after the services ran")
    assert events == []
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.version, ticket.tags.count()) == ("normal", 1, 0)
    assert [k for k, *_ in history(ticket)] == ["ticket.created"]


def test_a_refused_call_inside_a_larger_transaction_leaves_no_trace(ticket, agent_user, committed_events):
    archived = factories.TagFactory(is_archived=True)
    with committed_events() as events, transaction.atomic():
        change_priority(ticket, "high", actor=agent_user)
        with pytest.raises(Invalid):
            add_tags(ticket, [archived], actor=agent_user)
    # The priority change committed and was published once; the refused tag left no trace.
    assert [(e.type, e.data["changes"]) for e in events] == [("ticket.updated", ["priority"])]
    assert ticket.tags.count() == 0


# --- row locks (PostgreSQL: SQLite serialises writers anyway) --------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_waits_for_another_transaction_holding_the_ticket_req_ops21():
    """Services re-read the ticket under a row lock, so two agents changing one ticket never lose an update."""
    import threading

    from django.db import connection

    agent = factories.UserFactory(username="lock-agent", roles=["agent"])
    ticket = factories.ingest(factories.ChannelGroupFactory(), sender="psid-lock").ticket
    tag = factories.TagFactory()
    locked, release, done = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def holder():
        try:
            with transaction.atomic():
                row = Ticket.objects.select_for_update().get(pk=ticket.pk)
                locked.set()
                release.wait(10)
                row.priority = "urgent"
                row.version += 1
                row.save(update_fields=["priority", "version"])
        finally:
            connection.close()

    def tagger():
        try:
            add_tags(ticket.pk, [tag], actor=agent)
            done.set()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=holder)
    first.start()
    assert locked.wait(10)
    second = threading.Thread(target=tagger)
    second.start()
    assert not done.wait(0.5), "the change did not wait for the row lock"
    release.set()
    first.join(10)
    second.join(10)
    assert errors == [] and done.is_set()
    ticket.refresh_from_db()
    # Both changes are there, one after the other.
    assert (ticket.priority, ticket.version, ticket.tags.count()) == ("urgent", 3, 1)
