"""The domain event bus: per-event subscribers, batch subscribers (one call for a batch of work), coalescing of
a ticket's updates, and a failing subscriber that does not stop the others (ARCHITECTURE: events after commit)."""

from __future__ import annotations

import logging

import pytest

from parlons.core import events
from parlons.core.events import DomainEvent, batched_dispatch, dispatch, subscribe, subscribe_batch


@pytest.fixture
def heard(monkeypatch):
    """A private subscriber registry with a per-event and a batch subscriber that record what they hear."""
    monkeypatch.setattr(events, "_subscribers", events.defaultdict(list))
    monkeypatch.setattr(events, "_batch_subscribers", [])
    calls: list = []

    @subscribe("message.created", "ticket.updated")
    def one(event):
        calls.append(("one", event.type, event.data.get("id")))

    @subscribe_batch("message.created", "ticket.updated")
    def many(batch):
        calls.append(("many", [(e.type, e.data.get("id")) for e in batch]))

    return calls


def test_a_batch_subscriber_hears_a_batch_in_one_call_after_the_per_event_ones(heard):
    with batched_dispatch():
        for n in (1, 2, 3):
            dispatch(DomainEvent("message.created", data={"id": n, "ticket_id": 9}))
        dispatch(DomainEvent("ticket.updated", data={"id": 9, "changes": ["messages"]}))
        dispatch(DomainEvent("note.created", data={"id": 4}))  # neither subscriber follows it
        assert heard == []  # held until the batch ends
    assert heard == [
        ("one", "message.created", 1),
        ("one", "message.created", 2),
        ("one", "message.created", 3),
        ("one", "ticket.updated", 9),
        (
            "many",
            [("message.created", 1), ("message.created", 2), ("message.created", 3), ("ticket.updated", 9)],
        ),
    ]


def test_an_event_on_its_own_reaches_a_batch_subscriber_as_a_list_of_one(heard):
    dispatch(DomainEvent("message.created", data={"id": 5}))
    assert heard == [("one", "message.created", 5), ("many", [("message.created", 5)])]


def test_a_batch_hears_each_tickets_updates_once(heard):
    with batched_dispatch():
        dispatch(DomainEvent("ticket.updated", data={"id": 9, "changes": ["messages"], "version": 2}))
        dispatch(DomainEvent("ticket.updated", data={"id": 9, "changes": ["status"], "version": 3}))
    (batch,) = [call[1] for call in heard if call[0] == "many"]
    assert batch == [("ticket.updated", 9)]


def test_a_failing_batch_subscriber_is_logged_and_the_others_still_run(heard, caplog):
    @subscribe_batch("message.created")
    def broken(batch):
        raise RuntimeError("boom")

    @subscribe_batch("message.created")
    def after(batch):
        heard.append(("after", len(batch)))

    with caplog.at_level(logging.ERROR, logger="parlons.core.events"), batched_dispatch():
        dispatch(DomainEvent("message.created", data={"id": 1}))
        dispatch(DomainEvent("message.created", data={"id": 2}))
    assert ("after", 2) in heard
    assert "broken failed on message.created" in caplog.text
