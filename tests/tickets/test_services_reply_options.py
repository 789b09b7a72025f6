"""The reply service's options and its one seam to the platforms (issue 14 items 1 and 2): the platform's check
runs before anything is written, a refusal writes nothing, send-and-set-status changes the status in the same
transaction with its own history and event, and the ticket services never import the connectors
(OPS-10, OPS-19, ENV-9)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from parlons.connectors.models import OutboundMessage
from parlons.core.errors import Invalid
from parlons.core.events import DomainEvent
from parlons.tickets import outbound
from parlons.tickets.models import Message, TicketEvent
from parlons.tickets.outbound import CheckedReply, ReplyOptions
from parlons.tickets.services import change_status, reply

pytestmark = pytest.mark.django_db
TICKETS = Path(outbound.__file__).parent


def history(ticket):
    return [(e.kind, e.via, e.data) for e in TicketEvent.objects.filter(ticket=ticket).order_by("id")]


class Recording:
    """A stand-in for the connectors' side of the seam: records the check, accepts or refuses."""

    def __init__(self, refuse: Invalid | None = None):
        self.refuse = refuse
        self.checked, self.queued = [], []

    def check_reply(self, ticket, body, options):
        self.checked.append((ticket.pk, body, options))
        if self.refuse:
            raise self.refuse
        return CheckedReply(body=f"{body} (checked)", metadata={"how": "test"})

    def queue(self, message, *, idempotency_key):
        self.queued.append((message.pk, idempotency_key))

    def set_hidden(self, message, hidden):
        raise AssertionError("not called here")


def test_the_reply_service_checks_through_the_seam_and_stores_what_it_returns_req_ops10(
    ticket, agent_user, monkeypatch
):
    seam = Recording()
    monkeypatch.setattr(outbound, "_installed", seam)
    options = ReplyOptions(human_agent=True)
    message = reply(ticket, "  Bonjour  ", actor=agent_user, options=options)
    assert seam.checked == [(ticket.pk, "Bonjour", options)]
    assert (message.body, message.metadata) == ("Bonjour (checked)", {"how": "test"})
    assert seam.queued == [(message.pk, seam.queued[0][1])] and len(seam.queued[0][1]) == 32


def test_a_refused_reply_writes_nothing_req_ops10(ticket, agent_user, monkeypatch):
    seam = Recording(refuse=Invalid("Not now.", code="outside_window"))
    monkeypatch.setattr(outbound, "_installed", seam)
    events_before = TicketEvent.objects.count()
    with pytest.raises(Invalid) as exc:
        reply(ticket, "Bonjour", actor=agent_user, options=ReplyOptions(status_after="resolved"))
    assert exc.value.code == "outside_window"
    assert not Message.objects.filter(direction="out").exists()
    assert (OutboundMessage.objects.count(), DBTaskResult.objects.count(), seam.queued) == (0, 0, [])
    assert TicketEvent.objects.count() == events_before
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_a_closed_ticket_is_refused_before_the_platform_is_asked(ticket, agent_user, lead_user, monkeypatch):
    seam = Recording()
    monkeypatch.setattr(outbound, "_installed", seam)
    change_status(ticket, "closed", actor=lead_user)
    with pytest.raises(Invalid) as exc:
        reply(ticket, "Bonjour", actor=agent_user)
    assert exc.value.code == "ticket_closed" and seam.checked == []


def test_send_and_set_pending_in_one_step_req_ops19(ticket, agent_user, committed_events):
    with committed_events() as events:
        message = reply(
            ticket,
            "Envoyez-nous le formulaire.",
            actor=agent_user,
            options=ReplyOptions(status_after="pending"),
        )
    ticket.refresh_from_db()
    assert ticket.status == "pending"
    assert history(ticket)[1:] == [
        ("reply.sent", "web", {"message": message.pk, "attachments": 0}),
        ("ticket.status_changed", "web", {"from": "new", "to": "pending"}),
    ]
    assert [(e.type, e.data.get("changes")) for e in events] == [
        ("message.created", None),
        ("ticket.updated", ["messages"]),
        ("ticket.updated", ["status"]),
    ]
    assert events[-1] == DomainEvent(
        "ticket.updated",
        actor_id=agent_user.pk,
        via="web",
        data={
            "id": ticket.pk,
            "version": ticket.version,
            "changes": ["status"],
            "assignee_id": None,
            "team_id": None,
        },
    )


def test_send_and_resolve_sets_the_resolved_time_req_ops19(ticket, agent_user):
    reply(ticket, "Premier message", actor=agent_user)
    message = reply(
        ticket, "C'est réglé.", actor=agent_user, via="api", options=ReplyOptions(status_after="resolved")
    )
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    assert ticket.resolved_at >= message.created_at
    assert history(ticket)[-1] == ("ticket.status_changed", "api", {"from": "open", "to": "resolved"})


@pytest.mark.parametrize("status", ["new", "spam", "whatever"])
def test_a_status_a_reply_cannot_leave_is_refused_and_nothing_written(ticket, agent_user, status):
    with pytest.raises(Invalid) as exc:
        reply(ticket, "Bonjour", actor=agent_user, options=ReplyOptions(status_after=status))
    assert (exc.value.code, exc.value.details) == ("invalid_status", {"field": "status_after"})
    assert not Message.objects.filter(direction="out").exists()
    assert OutboundMessage.objects.count() == 0


def test_the_ticket_services_never_import_the_connectors():
    offenders = []
    for path in sorted([*(TICKETS / "services").glob("*.py"), TICKETS / "outbound.py"]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            offenders += [f"{path.name}:{node.lineno}" for n in names if n.startswith("parlons.connectors")]
    assert offenders == []
