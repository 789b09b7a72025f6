"""Each role against each operation (ADM-4, ADM-5): what is allowed does its work; what is refused raises
``Forbidden`` (or ``NotFound`` when the actor cannot read the ticket at all), publishes nothing and leaves
every row as it was."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django_tasks_db.models import DBTaskResult

from parlons.accounts.models import ApiToken, Role, RoleGrant, SecurityEvent, Team, User
from parlons.accounts.services import create_user, grant_role
from parlons.connectors.models import OutboundMessage
from parlons.core.errors import Forbidden, NotFound
from parlons.tickets.models import (
    ChannelGroup,
    Message,
    Note,
    Tag,
    Ticket,
    TicketEvent,
    TicketTag,
    Tracker,
    TrackerTicket,
)
from parlons.tickets.services import (
    Changes,
    add_note,
    add_tags,
    assign_ticket,
    bulk_update,
    change_status,
    create_channel_group,
    create_tag,
    create_tracker,
    delete_tag,
    mark_spam,
    reply,
    split_message,
)
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["reader", "agent", "lead", "analyst", "admin", "none", "blind_writer"]
# "blind_writer" holds every ticket right except read (a custom role): it shows that a ticket the actor
# cannot read is answered NotFound, as if it did not exist, even for an action it holds.

A, F, N = "allowed", "Forbidden", "NotFound"

# The expected table, written out. Columns follow ROLES.
#                        reader agent lead analyst admin none blind_writer
EXPECTED = {
    "reply":                (F, A, A, F, A, F, N),
    "add_note":             (F, A, A, F, A, F, N),
    "add_tags":             (F, A, A, F, A, F, N),
    "assign_to_self":       (F, A, A, F, A, F, N),
    "assign_to_other":      (F, F, A, F, A, F, N),
    "change_status":        (F, A, A, F, A, F, N),
    "mark_spam":            (F, A, A, F, A, F, N),
    "bulk_update":          (F, A, A, F, A, F, F),
    "split":                (F, A, A, F, A, F, N),
    "create_tag":           (F, A, A, F, A, F, A),
    "delete_tag":           (F, F, A, F, A, F, A),
    "create_tracker":       (F, F, A, F, A, F, A),
    "create_channel_group": (F, F, F, F, A, F, F),
    "create_user":          (F, F, F, F, A, F, F),
    "grant_role":           (F, F, F, F, A, F, F),
}  # fmt: skip


@dataclass
class World:
    ticket: Ticket
    other_ticket: Ticket
    second_message: Message
    tag: Tag
    colleague: User
    newcomer: User
    roles: dict


@pytest.fixture
def world(channel_group, roles):
    first = factories.ingest(channel_group, sender="psid-1", body="Première question")
    second = factories.ingest(channel_group, sender="psid-1", body="Deuxième question")
    other = factories.ingest(channel_group, sender="psid-2", body="Autre client")
    return World(
        ticket=first.ticket,
        other_ticket=other.ticket,
        second_message=second.message,
        tag=factories.TagFactory(slug="unused", name_en="Unused", name_fr="Inutilisée"),
        colleague=factories.UserFactory(username="colleague", roles=["agent"]),
        newcomer=factories.UserFactory(username="newcomer-target"),
        roles=roles,
    )


def make_actor(role: str, roles) -> User:
    user = factories.UserFactory(username=f"actor-{role}")
    if role == "blind_writer":
        blind = Role.objects.create(
            slug="blind-writer",
            name_en="Blind writer",
            name_fr="Rédacteur aveugle",
            permissions=["tickets.write", "tickets.publish", "tickets.manage"],
        )
        RoleGrant.objects.create(role=blind, user=user)
    elif role != "none":
        RoleGrant.objects.create(role=roles[role], user=user)
    return user


OPERATIONS = {
    "reply": lambda actor, w: reply(w.ticket, "Bonjour, c'est noté.", actor=actor),
    "add_note": lambda actor, w: add_note(w.ticket, "Note interne", actor=actor),
    "add_tags": lambda actor, w: add_tags(w.ticket, [w.tag], actor=actor),
    "assign_to_self": lambda actor, w: assign_ticket(w.ticket, actor, actor=actor),
    "assign_to_other": lambda actor, w: assign_ticket(w.ticket, w.colleague, actor=actor),
    "change_status": lambda actor, w: change_status(w.ticket, "pending", actor=actor),
    "mark_spam": lambda actor, w: mark_spam(w.ticket, actor=actor),
    "bulk_update": lambda actor, w: bulk_update(
        [w.ticket.pk, w.other_ticket.pk], Changes(priority="urgent"), actor=actor
    ),
    "split": lambda actor, w: split_message(w.second_message.pk, actor=actor),
    "create_tag": lambda actor, w: create_tag(actor=actor, name_en="Refunds", name_fr="Remboursements"),
    "delete_tag": lambda actor, w: delete_tag(w.tag, actor=actor),
    "create_tracker": lambda actor, w: create_tracker(actor=actor, name="Panne"),
    "create_channel_group": lambda actor, w: create_channel_group(
        actor=actor, platform="email", name="Courriel", external_id="info@example.gc.ca"
    ),
    "create_user": lambda actor, w: create_user(actor=actor, username="brand-new"),
    "grant_role": lambda actor, w: grant_role(w.roles["agent"], actor=actor, user=w.newcomer),
}

# What each allowed operation did (checked after it ran).
EFFECTS = {
    "reply": lambda w: Message.objects.filter(ticket=w.ticket, direction="out").count() == 1,
    "add_note": lambda w: Note.objects.filter(ticket=w.ticket).count() == 1,
    "add_tags": lambda w: list(w.ticket.tags.all()) == [w.tag],
    "assign_to_self": lambda w: Ticket.objects.get(pk=w.ticket.pk).assignee.username.startswith("actor-"),
    "assign_to_other": lambda w: Ticket.objects.get(pk=w.ticket.pk).assignee == w.colleague,
    "change_status": lambda w: Ticket.objects.get(pk=w.ticket.pk).status == "pending",
    "mark_spam": lambda w: Ticket.objects.get(pk=w.ticket.pk).is_spam,
    "bulk_update": lambda w: set(Ticket.objects.values_list("priority", flat=True)) == {"urgent"},
    "split": lambda w: Message.objects.get(pk=w.second_message.pk).ticket_id != w.ticket.pk,
    "create_tag": lambda w: Tag.objects.filter(slug="refunds").exists(),
    "delete_tag": lambda w: not Tag.objects.filter(slug="unused").exists(),
    "create_tracker": lambda w: Tracker.objects.filter(name="Panne").exists(),
    "create_channel_group": lambda w: ChannelGroup.objects.filter(name="Courriel").exists(),
    "create_user": lambda w: User.objects.filter(username="brand-new").exists(),
    "grant_role": lambda w: RoleGrant.objects.filter(user=w.newcomer).exists(),
}

COUNTED = [
    Ticket,
    Message,
    Note,
    TicketEvent,
    TicketTag,
    Tag,
    Tracker,
    TrackerTicket,
    ChannelGroup,
    User,
    Team,
    Role,
    RoleGrant,
    ApiToken,
    SecurityEvent,
    OutboundMessage,
    DBTaskResult,
]


def snapshot() -> dict:
    """Everything a refused operation could have touched."""
    return {
        "counts": {model.__name__: model.objects.count() for model in COUNTED},
        "tickets": list(Ticket.objects.order_by("id").values()),
        "messages": list(Message.objects.order_by("id").values_list("id", "ticket_id", "delivery_status")),
        "tags": list(Tag.objects.order_by("id").values()),
        "grants": list(RoleGrant.objects.order_by("id").values_list("role_id", "user_id", "team_id")),
    }


CASES = [(op, role, EXPECTED[op][i]) for op in EXPECTED for i, role in enumerate(ROLES)]


def test_the_table_covers_every_operation_and_role():
    assert set(EXPECTED) == set(OPERATIONS) == set(EFFECTS)
    assert all(len(row) == len(ROLES) for row in EXPECTED.values())


@pytest.mark.parametrize("operation, role, expected", CASES, ids=[f"{op}-{role}" for op, role, _e in CASES])
def test_permission_matrix_req_adm4_adm5(operation, role, expected, world, roles, committed_events):
    actor = make_actor(role, roles)
    before = snapshot()

    with committed_events() as events:
        if expected == A:
            OPERATIONS[operation](actor, world)
        else:
            with pytest.raises(Forbidden if expected == F else NotFound) as exc:
                OPERATIONS[operation](actor, world)

    if expected == A:
        assert EFFECTS[operation](world)
        assert snapshot() != before
        assert events, "an allowed operation publishes its event"
    else:
        assert type(exc.value) is (Forbidden if expected == F else NotFound)
        assert snapshot() == before
        assert events == []
