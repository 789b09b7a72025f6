"""The worker processes stored deliveries in batches (one transaction, oldest first): a bad delivery fails alone,
a conversation's messages keep their order, duplicates stay single, a deadlock retries the batch, and the
listeners hear one "ticket updated" per ticket per batch (OPS-9, ENV-9)."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError, connection
from django_tasks_db.models import DBTaskResult

from parlons.connectors.models import InboundEvent
from parlons.connectors.services import process_inbound, store_inbound
from parlons.core.worker import run_pending_tasks
from parlons.tickets.models import Message, Ticket, TicketEvent
from tests import factories
from tests.concurrency import held_elsewhere

pytestmark = pytest.mark.django_db


def body(mid: str, text: str, *, sender: str = "visitor-7", conversation: str = "chat-42") -> str:
    return json.dumps(
        {
            "id": mid,
            "sender": {"id": sender, "name": "Zoé Gagnon"},
            "body": text,
            "conversation": conversation,
        }
    )


def ingest_tasks():
    return DBTaskResult.objects.filter(task_path="parlons.connectors.tasks.process_inbound_event")


def test_one_bad_delivery_among_good_ones_fails_alone_req_ops9(channel_group):
    good1, _ = store_inbound("api", "d-1", body("m-1", "Bonjour"), channel_group=channel_group)
    bad, _ = store_inbound("api", "d-2", "this is not json", channel_group=channel_group)
    good2, _ = store_inbound("api", "d-3", body("m-3", "Encore moi"), channel_group=channel_group)

    assert run_pending_tasks() == 1  # one task did the batch; the others were finished with it

    states = dict(InboundEvent.objects.values_list("external_id", "state"))
    assert states == {"d-1": "done", "d-2": "failed", "d-3": "done"}
    bad.refresh_from_db()
    assert bad.error and bad.attempts == 1 and bad.processed_at is not None
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["m-1", "m-3"]
    assert set(ingest_tasks().values_list("status", flat=True)) == {"SUCCESSFUL"}


@pytest.mark.parametrize("where", ["inside-a-service", "outside-any-savepoint"])
def test_a_database_error_in_one_delivery_does_not_undo_the_others_req_ops9(
    channel_group, monkeypatch, where
):
    """A statement the database refuses fails that delivery only, whether it breaks a service's savepoint or
    the batch's transaction itself (then the batch runs again one delivery at a time)."""
    from parlons.connectors import local
    from parlons.tickets.services import ingest as ingest_module

    def refuse():
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_here")

    if where == "inside-a-service":
        real = ingest_module._store_attachments

        def store_attachments(message, files):
            if message.body == "boom":
                refuse()
            return real(message, files)

        monkeypatch.setattr(ingest_module, "_store_attachments", store_attachments)
    else:
        real_parse = local.LocalConnector.parse

        def parse(self, event):
            if "boom" in event.body:
                refuse()
            return real_parse(self, event)

        monkeypatch.setattr(local.LocalConnector, "parse", parse)
    store_inbound("api", "d-1", body("m-1", "Bonjour"), channel_group=channel_group)
    store_inbound("api", "d-2", body("m-2", "boom", sender="other"), channel_group=channel_group)
    store_inbound("api", "d-3", body("m-3", "Encore moi"), channel_group=channel_group)

    run_pending_tasks()

    states = dict(InboundEvent.objects.values_list("external_id", "state"))
    assert states == {"d-1": "done", "d-2": "failed", "d-3": "done"}
    assert "no_such_table_here" in InboundEvent.objects.get(external_id="d-2").error
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["m-1", "m-3"]
    assert Ticket.objects.count() == 1


def test_a_conversation_keeps_its_order_whichever_task_runs_first_req_ops9(channel_group):
    events = [
        store_inbound("api", f"d-{n}", body(f"m-{n}", text), channel_group=channel_group)[0]
        for n, text in enumerate(["First question", "Second", "Third"], start=1)
    ]
    # The newest delivery's task runs first: the older ones are processed before it, in one batch.
    ticket_ids = process_inbound(events[-1].pk)

    ticket = Ticket.objects.get()
    assert ticket_ids == [ticket.pk]
    assert ticket.subject == "First question"
    assert list(ticket.messages.order_by("pk").values_list("external_id", flat=True)) == ["m-1", "m-2", "m-3"]
    assert [e.kind for e in TicketEvent.objects.filter(ticket=ticket).order_by("pk")] == [
        "ticket.created",
        "message.received",
        "message.received",
    ]
    assert set(InboundEvent.objects.values_list("state", flat=True)) == {"done"}
    # Every task is finished: the one that ran by hand is left for the worker, which finds nothing to do.
    assert run_pending_tasks() == 1
    assert Message.objects.count() == 3


def test_the_same_message_in_two_deliveries_of_one_batch_is_stored_once_req_ops9(channel_group):
    store_inbound("api", "d-1", body("m-1", "Bonjour"), channel_group=channel_group)
    store_inbound("api", "d-2", body("m-1", "Bonjour"), channel_group=channel_group)  # redelivered
    run_pending_tasks()
    assert Message.objects.count() == 1
    assert set(InboundEvent.objects.values_list("state", flat=True)) == {"done"}


def test_batches_are_as_large_as_the_setting_says(channel_group, settings):
    settings.PARLONS_INGEST_BATCH = 2
    for n in range(5):
        store_inbound(
            "api", f"d-{n}", body(f"m-{n}", "Bonjour", sender=f"s-{n}"), channel_group=channel_group
        )
    assert run_pending_tasks() == 3  # 2 + 2 + 1
    assert Message.objects.count() == 5


def test_a_deadlock_runs_the_batch_again_instead_of_failing_deliveries_req_ops9(channel_group, monkeypatch):
    from parlons.tickets.services import ingest as ingest_module

    class Deadlock(Exception):
        sqlstate = "40P01"

    real = ingest_module._store_attachments
    raised = []

    def store_attachments(message, files):
        if not raised:
            raised.append(1)
            error = OperationalError("deadlock detected")
            error.__cause__ = Deadlock()
            raise error
        return real(message, files)

    monkeypatch.setattr(ingest_module, "_store_attachments", store_attachments)
    store_inbound("api", "d-1", body("m-1", "Bonjour"), channel_group=channel_group)
    store_inbound("api", "d-2", body("m-2", "Encore"), channel_group=channel_group)
    run_pending_tasks()
    assert raised == [1]
    assert set(InboundEvent.objects.values_list("state", flat=True)) == {"done"}
    assert Message.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_listeners_hear_one_ticket_update_per_ticket_per_batch():
    from parlons.core.events import capture_events

    group = factories.ChannelGroupFactory(platform="api", name="Bot", external_id="bot")
    for n in range(4):
        store_inbound("api", f"d-{n}", body(f"m-{n}", f"Message {n}"), channel_group=group)
    with capture_events() as events:
        run_pending_tasks()
    ticket = Ticket.objects.get()
    mine = [e for e in events if e.data.get("id") == ticket.pk or e.data.get("ticket_id") == ticket.pk]
    kinds = [e.type for e in mine if e.type in ("ticket.created", "ticket.updated", "message.created")]
    assert kinds.count("ticket.created") == 1
    assert kinds.count("message.created") == 4
    (updated,) = [e for e in mine if e.type == "ticket.updated"]
    assert updated.data["version"] == Ticket.objects.get().version
    assert updated.data["changes"] == ["messages"]


@pytest.mark.django_db(transaction=True)
def test_the_listeners_take_a_batchs_tickets_at_once_req_ops9(roles):
    """Due times, report figures, the search index and notifications follow every ticket of a batch, and the
    work after the commit does not grow per message: one reindex task for the batch, a bounded number of
    queries per delivery (it was about 50 when each listener ran once per message)."""
    from django.test.utils import CaptureQueriesContext

    from parlons.reports.models import TicketMetrics
    from parlons.search.selectors import search_tickets
    from parlons.sla.models import TicketSla
    from parlons.sla.services import ensure_defaults

    ensure_defaults()
    group = factories.ChannelGroupFactory(platform="api", name="Bot", external_id="bot")
    lead = factories.UserFactory(username="lead", roles=["lead"])
    n = 20
    for i in range(n):
        who = f"visitor-{i % 10}"  # ten conversations, two messages each
        store_inbound("api", f"d-{i}", body(f"m-{i}", f"Passeport numéro {i}", sender=who, conversation=who),
                      channel_group=group)  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        run_pending_tasks()
    tickets = list(Ticket.objects.values_list("pk", flat=True))
    assert len(tickets) == 10 and Message.objects.count() == n
    assert TicketSla.objects.filter(ticket_id__in=tickets, first_response_due_at__isnull=False).count() == 10
    assert TicketMetrics.objects.filter(ticket_id__in=tickets).count() == 10
    reindex = DBTaskResult.objects.filter(task_path__startswith="parlons.search.tasks.")
    assert reindex.count() == 1 and reindex.get().status == "SUCCESSFUL"
    assert len(search_tickets(lead, "passeport", with_facets=False).items) == 10
    assert len(queries) / n < 20, len(queries)


@pytest.mark.django_db(transaction=True)
def test_a_batchs_downloads_run_side_by_side_req_ops9(monkeypatch, settings):
    """The network work of a batch (media, profiles) runs ``PARLONS_INGEST_FETCHERS`` at a time, outside the
    transaction, each delivery's result handed to its own processing."""
    import threading
    import time

    from parlons.connectors import services

    settings.PARLONS_INGEST_FETCHERS = 4
    group = factories.ChannelGroupFactory(platform="api", name="Bot", external_id="bot")
    for n in range(8):
        store_inbound("api", f"d-{n}", body(f"m-{n}", f"Message {n}", sender=f"v-{n}", conversation=f"c-{n}"),
                      channel_group=group)  # fmt: skip
    lock, running, most, seen = threading.Lock(), [0], [0], {}

    def slow_prefetch(event):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return {"fetched-for": event.pk}

    real_parse = services._parse

    def parse(event):
        seen[event.pk] = event.prefetched
        return real_parse(event)

    monkeypatch.setattr(services, "_prefetch", slow_prefetch)
    monkeypatch.setattr(services, "_parse", parse)
    run_pending_tasks()
    assert most[0] == 4
    assert Message.objects.count() == 8
    assert len(seen) == 8 and all(value == {"fetched-for": pk} for pk, value in seen.items())


@pytest.mark.django_db(transaction=True)
def test_a_batch_takes_its_own_channel_groups_deliveries_and_groups_run_side_by_side_req_ops9():
    """One batch holds the deliveries of one channel group (a conversation never leaves its group, so its order
    is kept); on PostgreSQL a batch of another group does not wait for it."""
    from parlons.connectors import services

    one = factories.ChannelGroupFactory(platform="api", name="One", external_id="one")
    two = factories.ChannelGroupFactory(platform="api", name="Two", external_id="two")
    first, _ = store_inbound("api", "d-1", body("m-1", "Bonjour"), channel_group=one)
    store_inbound("api", "d-2", body("m-2", "Hello", sender="v-2", conversation="c-2"), channel_group=two)
    store_inbound("api", "d-3", body("m-3", "Encore", sender="v-3", conversation="c-3"), channel_group=one)
    services.process_inbound(first.pk)
    states = dict(InboundEvent.objects.values_list("external_id", "state"))
    assert states == {"d-1": "done", "d-2": "pending", "d-3": "done"}
    if connection.vendor != "postgresql":
        return
    third, _ = store_inbound(
        "api", "d-4", body("m-4", "Again", sender="v-4", conversation="c-4"), channel_group=two
    )
    with held_elsewhere(lambda: services._lock_ingest(one.pk)):  # group one's batch is running
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
            services.process_inbound(third.pk)  # group two: not held up by group one's batch
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    assert set(InboundEvent.objects.filter(channel_group=two).values_list("state", flat=True)) == {"done"}
