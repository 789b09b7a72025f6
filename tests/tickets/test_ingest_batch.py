"""A batch of inbound messages is stored by a few statements for all of them (issue 5: the worker's cost per
message), with exactly what storing them one after the other gives: the same tickets, messages, threading,
reopenings, profile changes, duplicates, history and events (OPS-1, OPS-9, OPS-19)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from parlons.connectors.models import InboundEvent
from parlons.connectors.services import store_inbound
from parlons.core.errors import Invalid
from parlons.core.worker import run_pending_tasks
from parlons.tickets.files import IncomingFile
from parlons.tickets.models import Contact, ContactIdentity, Message, Ticket
from parlons.tickets.services import (
    change_status,
    ingest_inbound_message,
    ingest_inbound_messages,
)
from parlons.tickets.services import ingest as ingest_module
from tests import factories

pytestmark = pytest.mark.django_db

GIF = b"GIF89a" + b"\x00" * 32
T0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


class _Undo(Exception):
    pass


@pytest.fixture
def before(channel_group, lead_user):
    """What is stored before the batch: a client whose ticket is resolved, one whose ticket waits for them
    (pending), a message a reply will point to, a message delivered again."""
    resolved = factories.ingest(
        channel_group, sender="old-1", name="Léa Roy", body="Merci", external_id="p-db"
    )
    change_status(resolved.ticket, "resolved", actor=lead_user)
    pending = factories.ingest(
        channel_group, sender="old-2", name="Sam Lee", body="Hello", external_id="dup-db"
    )
    change_status(pending.ticket, "pending", actor=lead_user)
    return channel_group


def items(group):
    """Everything a batch may hold, in an order where each item depends on the ones before it."""
    at = [T0 + timedelta(minutes=n) for n in range(10)]
    msg = factories.inbound
    return [
        msg(group, sender="n-1", name="Noé Caron", body="Première question", external_id="m-1", created_at=at[0]),
        # Same new person again, their name changed meanwhile: threads into the ticket the batch opened.
        msg(group, sender="n-1", name="Noé Caron-Roy", handle="noe", body="Encore", external_id="m-2",
            created_at=at[1]),
        # A reply to a message stored before: reopens the resolved ticket.
        msg(group, sender="old-1", name="Léa Roy", body="Ça recommence", external_id="m-3", parent_external_id="p-db",
            created_at=at[2]),
        msg(group, sender="n-1", name="Noé Caron-Roy", body="Première question", external_id="m-1",
            created_at=at[0]),  # delivered twice in the batch
        msg(group, sender="old-2", name="Sam Lee", body="Hello", external_id="dup-db"),  # stored before
        # A reply to a message of this very batch, with a picture.
        msg(group, sender="n-2", name="Ana Silva", body="Moi aussi", external_id="m-6", parent_external_id="m-1",
            attachments=[IncomingFile("photo.gif", GIF)], created_at=at[5]),
        msg(group, sender="old-2", name="Sam Lee", body="Any news?", external_id="m-7", created_at=at[6]),
        msg(group, sender="old-1", name="Léa Roy", body="Toujours là", external_id="m-8", created_at=at[7]),
        msg(group, sender="n-3", name="", handle="", body="", external_id="", conversation="thread-9",
            created_at=at[8]),  # no platform id: never a duplicate
    ]  # fmt: skip


def snapshot(results, published):
    """What the batch left, with ids replaced by stable names (platform ids), so that two runs compare."""
    messages = {m.pk: m.external_id or f"#{m.body}" for m in Message.objects.all()}
    identities = {i.pk: i.external_id for i in ContactIdentity.objects.all()}
    tickets = {
        t.pk: f"ticket of {messages[t.messages.order_by('pk').first().pk]}" for t in Ticket.objects.all()
    }

    def named(data: dict, kind: str = "") -> dict:
        out = dict(data)
        for key, names in (
            ("message", messages),
            ("identity", identities),
            ("ticket_id", tickets),
            ("id", messages if kind.startswith("message.") else tickets),
        ):
            if key in out:
                out[key] = names[out[key]]
        return out

    return {
        "tickets": [
            (
                tickets[t.pk],
                t.subject,
                t.status,
                t.version,
                t.resolved_at,
                t.contact.name,
                t.conversation_key,
                [
                    (
                        messages[m.pk],
                        m.body,
                        m.parent_id and messages[m.parent_id],
                        m.created_at,
                        [(a.filename, a.content_type, a.sha256) for a in m.attachments.all()],
                    )
                    for m in t.messages.order_by("pk")
                ],
                [
                    (e.kind, named(e.data), e.created_at if e.kind != "contact.profile_changed" else None)
                    for e in t.events.order_by("pk")
                ],
            )
            for t in Ticket.objects.order_by("pk")
        ],  # fmt: skip
        "identities": sorted(
            (i.external_id, i.handle, i.display_name, i.profile, i.contact.name)
            for i in ContactIdentity.objects.select_related("contact")
        ),
        "contacts": Contact.objects.count(),
        "results": [
            (tickets[r.ticket.pk], messages[r.message.pk], r.created_ticket, r.duplicate) for r in results
        ],
        "events": [(kind, named(data, kind)) for kind, data in published],
    }


def run_undone(fn, monkeypatch):
    """Run ``fn`` in a savepoint, take the snapshot, and undo it all."""
    published = []
    monkeypatch.setattr(
        ingest_module,
        "publish",
        lambda event: published.append(
            (event.type, {"actor_id": event.actor_id, "via": event.via, **event.data})
        ),
    )
    taken = {}
    with pytest.raises(_Undo), transaction.atomic():
        taken.update(snapshot(fn(), published))
        raise _Undo
    return taken


def test_a_batch_stores_what_one_message_after_the_other_stores_req_ops1_ops9_ops19(before, monkeypatch):
    one_by_one = run_undone(lambda: [ingest_inbound_message(item) for item in items(before)], monkeypatch)
    together = run_undone(lambda: ingest_inbound_messages(items(before)), monkeypatch)

    assert together == one_by_one
    # And what that is: the resolved ticket reopened (two messages, version +2), the pending one open again,
    # the new person's two messages in one new ticket with their name change noted, the in-batch duplicate
    # and the stored one not stored again, the reply threaded under its parent of the same batch.
    tickets = {name: rest for name, *rest in together["tickets"]}
    assert tickets["ticket of p-db"][1:3] == ["open", 4]  # status, version (resolved 2, then two messages)
    assert [m[0] for m in tickets["ticket of p-db"][6]] == ["p-db", "m-3", "m-8"]
    assert tickets["ticket of p-db"][6][1][2] == "p-db"  # m-3's parent
    assert tickets["ticket of dup-db"][1] == "open"
    new = tickets["ticket of m-1"]
    assert [m[0] for m in new[6]] == ["m-1", "m-2"]
    assert [kind for kind, *_ in new[7]] == ["ticket.created", "contact.profile_changed", "message.received"]
    assert new[7][1][1]["changes"] == {
        "display_name": {"from": "Noé Caron", "to": "Noé Caron-Roy"},
        "handle": {"from": "marie.tremblay", "to": "noe"},  # the factory's handle, then theirs
    }
    assert (
        tickets["ticket of m-6"][6][0][2] == "m-1" and tickets["ticket of m-6"][6][0][4][0][1] == "image/gif"
    )
    assert [r[2:] for r in together["results"]] == [
        (True, False), (False, False), (False, False), (False, True), (False, True),
        (True, False), (False, False), (False, False), (True, False),
    ]  # fmt: skip
    assert [kind for kind, _ in together["events"]].count("message.created") == 7


def test_a_batch_costs_the_same_few_statements_whatever_its_size_req_ops9(channel_group):
    """Issue 5: one statement per table for the whole batch (it was ~8 per message)."""
    for n in range(10):
        factories.ingest(channel_group, sender=f"known-{n}", body="Bonjour", external_id=f"seed-{n}")

    def statements(count: int, offset: int) -> int:
        batch = [
            factories.inbound(
                channel_group,
                # half from people with a ticket, half from new people, some writing twice
                sender=f"known-{n % 10}" if n % 2 else f"new-{offset + n // 3}",
                body=f"Message {n}",
                external_id=f"b-{offset}-{n}",
            )
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            results = ingest_inbound_messages(batch)
        assert len(results) == count and not any(r.duplicate for r in results)
        return len(captured.captured_queries)

    small, large = statements(6, 0), statements(60, 100)
    assert small == large <= 14, (small, large)
    assert Message.objects.count() == 10 + 66


def test_a_batch_with_one_bad_item_stores_nothing_and_names_it(channel_group):
    batch = [factories.inbound(channel_group, body="fine"), factories.inbound(channel_group, sender="")]
    with pytest.raises(Invalid) as raised:
        ingest_inbound_messages(batch)
    assert raised.value.code == "missing_sender"
    assert not Message.objects.exists() and not Contact.objects.exists()


def test_an_identity_made_by_another_writer_meanwhile_is_taken_and_ours_undone_req_ops1(
    channel_group, monkeypatch
):
    """Two batches (two channel groups of one platform) may meet a new person at once: the identity that is
    stored first is kept, the other batch's contact is removed, and its message goes to the kept contact."""
    other = Contact.objects.create(name="Made elsewhere")
    real_bulk_create = ContactIdentity.objects.bulk_create

    def meanwhile(objs, **kwargs):  # the other writer's identity lands between our read and our insert
        ContactIdentity.objects.create(contact=other, platform="api", external_id="racer", display_name="R")
        monkeypatch.setattr(ContactIdentity.objects, "bulk_create", real_bulk_create)
        return real_bulk_create(objs, **kwargs)

    monkeypatch.setattr(ContactIdentity.objects, "bulk_create", meanwhile)
    results = ingest_inbound_messages(
        [
            factories.inbound(channel_group, sender="racer", name="Racer", body="one"),
            factories.inbound(channel_group, sender="fresh", name="Fresh", body="two"),
        ]
    )
    assert results[0].ticket.contact == other
    assert Contact.objects.filter(name="Racer").count() == 0  # ours, undone
    assert ContactIdentity.objects.get(external_id="fresh").contact.name == "Fresh"
    assert Contact.objects.count() == 2


def test_a_bad_delivery_in_a_worker_batch_fails_alone_and_the_rest_are_stored_together_req_ops9(
    channel_group,
):
    def body(mid, sender="v-1"):
        return json.dumps({"id": mid, "sender": {"id": sender}, "body": f"text {mid}", "conversation": "c"})

    for n in range(5):
        store_inbound(
            "api", f"d-{n}", body(f"m-{n}", sender="" if n == 2 else "v-1"), channel_group=channel_group
        )
    with CaptureQueriesContext(connection) as captured:
        run_pending_tasks()
    states = dict(InboundEvent.objects.values_list("external_id", "state"))
    assert states == {"d-0": "done", "d-1": "done", "d-2": "failed", "d-3": "done", "d-4": "done"}
    assert "sender" in InboundEvent.objects.get(external_id="d-2").error
    assert list(Message.objects.order_by("pk").values_list("external_id", flat=True)) == [
        "m-0", "m-1", "m-3", "m-4"
    ]  # fmt: skip
    inserts = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "tickets_message"')
    ]
    assert len(inserts) == 1  # the four good ones in one statement


def test_a_connector_whose_parse_reads_stored_messages_sees_the_deliveries_before_it(
    channel_group, monkeypatch
):
    """Email and X thread a reply by the message it refers to: a batch stores what comes before such a
    delivery before parsing it, so a reply delivered right after its parent finds it."""
    from parlons.connectors import local

    real_parse = local.LocalConnector.parse

    def parse(self, event):
        items = real_parse(self, event)
        data = json.loads(event.body)
        if data.get("answers"):  # like X: the conversation of the message it answers, if stored
            parent = Message.objects.filter(external_id=data["answers"]).select_related("ticket").first()
            items[0].conversation_key = parent.ticket.conversation_key if parent else "unknown"
        return items

    monkeypatch.setattr(local.LocalConnector, "parse", parse)
    monkeypatch.setattr(local.LocalConnector, "parse_reads_stored", True, raising=False)
    store_inbound("api", "d-1", json.dumps({"id": "m-1", "sender": {"id": "a"}, "body": "Q", "conversation": "k"}),
                  channel_group=channel_group)  # fmt: skip
    store_inbound("api", "d-2", json.dumps({"id": "m-2", "sender": {"id": "a"}, "body": "R", "answers": "m-1"}),
                  channel_group=channel_group)  # fmt: skip
    run_pending_tasks()
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().messages.count() == 2
