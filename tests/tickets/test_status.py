"""Status transitions decided in one place (issue 14, item 5): every cause from every status, the timestamps that
follow, the history row; and the services that use the table (manual changes, inbound messages, a batch of
them) agree with it (OPS-1, OPS-19)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parlons.accounts.models import User
from parlons.core.actors import SYSTEM
from parlons.tickets.models import Ticket, TicketEvent
from parlons.tickets.services import change_status, ingest_inbound_messages
from parlons.tickets.status import INBOUND_OPENS_NEW_TICKET, Cause, Transition, transition
from tests import factories

STATUSES = ["new", "open", "pending", "resolved", "closed"]
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
RESOLVED_BEFORE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
LEAD = User(username="lead")
CLEARED = {"resolved_at": None, "closed_at": None, "closed_by": None}

# The timestamps set on reaching each status (a ticket never resolved before: closing resolves it too).
ON_REACHING = {
    "new": CLEARED,
    "open": CLEARED,
    "pending": CLEARED,
    "resolved": {"resolved_at": NOW},
    "closed": {"closed_at": NOW, "closed_by": LEAD, "resolved_at": NOW},
}
# (status after, allowed) for a client's message and for an agent's reply, from each status.
INBOUND = {
    "new": ("new", True),
    "open": ("open", True),
    "pending": ("open", True),
    "resolved": ("open", True),
    "closed": ("closed", False),
}
REPLY = {
    "new": ("open", True),
    "open": ("open", True),
    "pending": ("pending", True),
    "resolved": ("resolved", True),
    "closed": ("closed", False),
}


def a_ticket(status: str, **fields) -> Ticket:
    return Ticket(status=status, **fields)


def check(move: Transition, before: str, after: str, allowed: bool, timestamps: dict) -> None:
    changed = allowed and after != before
    assert (move.before, move.after, move.allowed, move.changed) == (before, after, allowed, changed)
    assert move.timestamps == (timestamps if changed else {})
    assert move.history == (("ticket.status_changed", {"from": before, "to": after}) if changed else None)
    assert move.values() == ({"status": after, **timestamps} if changed else {})


@pytest.mark.parametrize("before", STATUSES)
@pytest.mark.parametrize("to", STATUSES)
def test_a_manual_change_goes_to_any_status_with_its_timestamps_req_ops19(before, to):
    move = transition(a_ticket(before), Cause.MANUAL, to, actor=LEAD, now=NOW)
    check(move, before, to, True, ON_REACHING[to])
    assert not move.opens_new_ticket


@pytest.mark.parametrize("before", STATUSES)
def test_a_client_message_reopens_pending_and_resolved_never_closed_req_ops1(before):
    after, allowed = INBOUND[before]
    move = transition(a_ticket(before, resolved_at=RESOLVED_BEFORE), Cause.INBOUND, actor=SYSTEM, now=NOW)
    check(move, before, after, allowed, ON_REACHING[after])
    assert move.opens_new_ticket is (before == "closed")


@pytest.mark.parametrize("before", STATUSES)
def test_a_reply_opens_a_new_ticket_and_is_refused_on_a_closed_one(before):
    after, allowed = REPLY[before]
    move = transition(a_ticket(before), Cause.REPLY, actor=LEAD, now=NOW)
    check(move, before, after, allowed, ON_REACHING[after])
    assert not move.opens_new_ticket


def test_closing_keeps_the_time_it_was_resolved_and_the_system_closes_as_nobody():
    move = transition(
        a_ticket("resolved", resolved_at=RESOLVED_BEFORE), Cause.MANUAL, "closed", actor=SYSTEM, now=NOW
    )
    assert move.timestamps == {"closed_at": NOW, "closed_by": None, "resolved_at": RESOLVED_BEFORE}


def test_an_unknown_status_is_refused_and_changes_nothing():
    move = transition(a_ticket("open"), Cause.MANUAL, "lost", actor=LEAD, now=NOW)
    assert (move.allowed, move.changed, move.after, move.values()) == (False, False, "open", {})


def test_a_manual_change_names_its_status_and_only_it_does():
    with pytest.raises(TypeError):
        transition(a_ticket("open"), Cause.MANUAL)
    with pytest.raises(TypeError):
        transition(a_ticket("open"), Cause.INBOUND, "closed")


def test_apply_sets_the_status_and_its_timestamps_and_names_the_fields_to_save():
    ticket = a_ticket("closed", resolved_at=RESOLVED_BEFORE, closed_at=RESOLVED_BEFORE, closed_by=LEAD)
    fields = transition(ticket, Cause.MANUAL, "open", actor=LEAD, now=NOW).apply(ticket)
    assert sorted(fields) == ["closed_at", "closed_by", "resolved_at", "status"]
    assert (ticket.status, ticket.resolved_at, ticket.closed_at, ticket.closed_by) == (
        "open",
        None,
        None,
        None,
    )
    assert transition(ticket, Cause.MANUAL, "open", actor=LEAD, now=NOW).apply(ticket) == []


def test_an_inbound_message_threads_into_every_ticket_but_those_it_may_not_reopen():
    assert tuple(s for s in STATUSES if not INBOUND[s][1]) == INBOUND_OPENS_NEW_TICKET


# --- the services follow the table ---------------------------------------------------------------------------
def status_fields(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (ticket.status, ticket.resolved_at, ticket.closed_at, ticket.closed_by_id)


@pytest.mark.django_db
def test_a_client_message_reopens_a_once_closed_ticket_as_an_agent_would_req_ops1(channel_group, lead_user):
    """Closed, then resolved by hand (which keeps who closed it), then the client writes: the ticket is open with
    no resolved or closed time left, exactly as reopening it by hand leaves it."""
    by_hand, by_message = (factories.ingest(channel_group, sender=f"c-{n}").ticket for n in range(2))
    for ticket in (by_hand, by_message):
        change_status(ticket, "closed", actor=lead_user)
        change_status(ticket, "resolved", actor=lead_user)
        assert status_fields(ticket)[0] == "resolved"
        assert ticket.closed_at is not None and ticket.closed_by_id == lead_user.pk
    change_status(by_hand, "open", actor=lead_user)
    factories.ingest(channel_group, sender="c-1", body="Encore moi")
    assert status_fields(by_message) == status_fields(by_hand) == ("open", None, None, None)


@pytest.mark.django_db
def test_a_batch_reopens_each_ticket_by_the_table_and_leaves_the_others_alone_req_ops1_ops9(
    channel_group, lead_user
):
    tickets = {
        status: factories.ingest(channel_group, sender=f"s-{status}", name=status).ticket
        for status in STATUSES
    }
    for status, ticket in tickets.items():
        if status != "new":
            change_status(ticket, status, actor=lead_user)
    ingest_inbound_messages(
        [
            factories.inbound(channel_group, sender=f"s-{status}", name=status, body="Bonjour")
            for status in STATUSES
        ]
    )
    for status, ticket in tickets.items():
        after, allowed = INBOUND[status]
        assert status_fields(ticket)[0] == after
        changes = list(TicketEvent.objects.filter(ticket=ticket, via="ingest", kind="ticket.status_changed"))
        assert [e.data for e in changes] == ([{"from": status, "to": after}] if after != status else [])
        assert ticket.messages.count() == (2 if allowed else 1)  # a closed one's message went to a new ticket
    assert Ticket.objects.count() == len(STATUSES) + 1
