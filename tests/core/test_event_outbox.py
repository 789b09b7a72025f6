"""The event catalogue and the durable subscribers (ADR 0006): events are checked against their declaration;
the events a durable subscriber follows are written to the outbox in the transaction of the change, run right
after the commit, and run again by a worker when a subscriber failed or the process died before it ran them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from parlons.core import events
from parlons.core.db import atomic
from parlons.core.event_types import EventError, MessageCreated, NoteCreated, TagCreated, TicketUpdated
from parlons.core.events import DomainEvent, publish, redeliver_due, subscribe, subscribe_batch
from parlons.core.models import EventOutbox


@pytest.fixture
def bus(monkeypatch):
    """A private registry: a durable batch subscriber, a durable per-event one and an inline one; each records
    what it hears and fails while its name is in ``failing``."""
    monkeypatch.setattr(events, "_subscribers", events.defaultdict(list))
    monkeypatch.setattr(events, "_batch_subscribers", [])
    monkeypatch.setattr(events, "_durable", {})
    monkeypatch.setattr(events, "_durable_types", events.defaultdict(set))
    state = {"heard": [], "failing": set()}

    def hear(name, what):
        if name in state["failing"]:
            raise RuntimeError(f"{name} is down")
        state["heard"].append((name, what))

    @subscribe_batch(MessageCreated, TicketUpdated, durable=True)
    def figures(batch):
        hear("figures", [(e.type, e.data["id"]) for e in batch])

    @subscribe(NoteCreated, durable=True)
    def notes(event):
        hear("notes", event.data["id"])

    @subscribe(MessageCreated, NoteCreated)
    def push(event):
        hear("push", event.data["id"])

    return state


def message(n: int, ticket: int = 9) -> MessageCreated:
    return MessageCreated(via="web", actor_id=None, id=n, ticket_id=ticket)


def test_an_event_is_checked_against_the_catalogue():
    with pytest.raises(EventError, match="via"):
        MessageCreated(via="", id=1, ticket_id=2)
    with pytest.raises(EventError, match="ticket_id"):
        MessageCreated(via="web", id=1, ticket_id="2")
    with pytest.raises(TypeError):
        MessageCreated(via="web", id=1)  # a payload field is missing
    with pytest.raises(EventError, match="not in the event catalogue"):
        subscribe("ticket.exploded")
    with pytest.raises(EventError, match="catalogue"):
        publish(DomainEvent("message.created", via="web", data={"id": 1, "ticket_id": 2}))
    assert TicketUpdated(
        via="api", id=1, version=2, changes=["status"], assignee_id=None, team_id=3
    ).data == {
        "id": 1,
        "version": 2,
        "changes": ["status"],
        "assignee_id": None,
        "team_id": 3,
    }


def test_a_unit_of_work_writes_one_outbox_row_deleted_once_every_durable_subscriber_ran(bus, db):
    with TestCase.captureOnCommitCallbacks() as callbacks:
        with atomic():
            for n in (1, 2, 3):
                publish(message(n))
            publish(NoteCreated(via="web", id=7, ticket_id=9))
            publish(TagCreated(via="web", id=4))  # no durable subscriber follows it: not in the row
        (row,) = EventOutbox.objects.all()
        assert sorted(row.pending) == [
            "tests.core.test_event_outbox.bus.<locals>.figures",
            "tests.core.test_event_outbox.bus.<locals>.notes",
        ]
        assert [e["type"] for e in row.events] == ["message.created"] * 3 + ["note.created"]
        assert row.run_after > timezone.now() + timedelta(seconds=60)  # left to this process for now
        assert bus["heard"] == []  # nothing runs before the commit
    for callback in callbacks:
        callback()
    assert not EventOutbox.objects.exists()
    assert ("notes", 7) in bus["heard"] and ("push", 1) in bus["heard"]


def test_a_rolled_back_change_leaves_no_row_and_tells_nobody(bus, db):
    with TestCase.captureOnCommitCallbacks(execute=True), pytest.raises(RuntimeError), atomic():
        publish(message(1))
        raise RuntimeError("the change failed")
    assert not EventOutbox.objects.exists() and bus["heard"] == []


def test_events_of_a_savepoint_rolled_back_inside_a_unit_are_not_written(bus, db):
    with TestCase.captureOnCommitCallbacks(execute=True):
        with atomic():
            publish(message(1))
            try:
                with transaction.atomic():
                    publish(message(2))
                    raise RuntimeError("this part failed")
            except RuntimeError:
                pass
            row_ids_before_commit = list(EventOutbox.objects.values_list("pk", flat=True))
        assert row_ids_before_commit == []  # written at the end of the unit, not before
        (row,) = EventOutbox.objects.all()
        assert [e["data"]["id"] for e in row.events] == [1]


def test_a_failing_durable_subscriber_is_run_again_later_and_only_it(bus, db):
    bus["failing"].add("notes")
    with TestCase.captureOnCommitCallbacks(execute=True), atomic():
        publish(message(1))
        publish(NoteCreated(via="web", id=7, ticket_id=9))
    (row,) = EventOutbox.objects.all()
    assert row.pending == ["tests.core.test_event_outbox.bus.<locals>.notes"]
    assert row.attempts == 1 and "notes is down" in row.last_error
    assert timezone.now() + timedelta(seconds=20) < row.run_after < timezone.now() + timedelta(seconds=40)
    assert ("figures", [("message.created", 1)]) in bus["heard"]  # the others ran

    bus["heard"].clear()
    assert redeliver_due(timezone.now()) == 0  # not yet: its backoff has not passed
    later = timezone.now() + timedelta(minutes=1)
    assert redeliver_due(later) == 1  # still failing: kept, next try further away
    row.refresh_from_db()
    assert row.attempts == 2 and row.run_after > later + timedelta(seconds=50)

    bus["failing"].clear()
    assert redeliver_due(later + timedelta(minutes=2)) == 1
    assert bus["heard"] == [("notes", 7)]  # only the one that had failed, not figures, not the browser push
    assert not EventOutbox.objects.exists()


def test_events_committed_by_a_process_that_died_before_dispatching_are_run_by_a_worker(bus, db):
    # Committed, but the process never ran the callbacks.
    with TestCase.captureOnCommitCallbacks(execute=False), atomic():
        publish(message(1))
        publish(message(2, ticket=8))
    assert redeliver_due(timezone.now()) == 0  # the committing process still holds its lease
    assert redeliver_due(timezone.now() + events.LEASE + timedelta(seconds=1)) == 1
    assert bus["heard"] == [("figures", [("message.created", 1), ("message.created", 2)])]
    assert not EventOutbox.objects.exists()


def test_a_publish_outside_a_unit_of_work_still_gets_its_row_in_the_transaction(bus, db):
    with TestCase.captureOnCommitCallbacks() as callbacks, transaction.atomic():
        publish(message(1))
        assert EventOutbox.objects.count() == 1
    for callback in callbacks:
        callback()
    assert not EventOutbox.objects.exists() and ("figures", [("message.created", 1)]) in bus["heard"]


def test_healthz_reports_outbox_rows_that_keep_failing(bus, db, client):
    bus["failing"].add("notes")
    with TestCase.captureOnCommitCallbacks(execute=True), atomic():
        publish(NoteCreated(via="web", id=7, ticket_id=9))
    EventOutbox.objects.update(attempts=events.FAILING_AFTER)
    body = client.get("/healthz").json()
    assert body["events"] == {"status": "error", "waiting": 1, "failing": 1}
