"""Derived data does not drift (ADR 0006): after a randomized sequence of changes through the services — messages
in, replies, notes, status, priority, assignment, tags, spam, a tag moved to another group — during which the
durable subscribers that keep the due times and the report figures sometimes fail, the incrementally kept rows
equal those recomputed from scratch once the worker has run the outbox again.

REQ OPS-7 (service standards: due times) REQ RPT-1 (report figures kept as the work happens)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from parlons.core.events import redeliver_due
from parlons.core.models import EventOutbox
from parlons.reports import metrics
from parlons.reports.models import TermDay, TicketFacet, TicketMetrics, TicketTerm
from parlons.sla import services as sla
from parlons.sla.models import SlaPolicy, TicketSla
from parlons.tickets import services as tickets
from parlons.tickets.models import Ticket
from tests import factories

# The due-time fields that are a function of the ticket's current state and its policy (the "warned"/"breached"
# marks record when a check ran, and a reopened ticket's resolution clock starts when it was reopened: history,
# which a recomputation from scratch cannot know).
SLA_FIELDS = (
    "policy_id",
    "priority",
    "channel_group_id_seen",
    "first_response_due_at",
    "first_response_met_at",
)


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, rng: random.Random):
        self.now += timedelta(minutes=rng.choice([1, 7, 45, 180, 60 * 20]))


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(timezone.now().replace(microsecond=0) - timedelta(days=30))
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def outage(monkeypatch):
    """``outage.down`` names the derived data whose recomputation fails while it is set (``"sla"``,
    ``"figures"``): the service's change commits, its durable subscriber fails and leaves the outbox row."""

    class Outage:
        down: set[str] = set()

    real_sync, real_compute = sla.sync_tickets, metrics.compute

    def sync(*args, **kwargs):
        if "sla" in Outage.down:
            raise ConnectionError("SLA store unavailable")
        return real_sync(*args, **kwargs)

    def compute(*args, **kwargs):
        if "figures" in Outage.down:
            raise ConnectionError("report store unavailable")
        return real_compute(*args, **kwargs)

    monkeypatch.setattr(sla, "sync_tickets", sync)
    monkeypatch.setattr(metrics, "compute", compute)
    return Outage


def sla_rows() -> dict:
    rows = TicketSla.objects.order_by("ticket_id").values("ticket_id", *SLA_FIELDS)
    due = dict(Ticket.objects.values_list("pk", "sla_due_at"))
    return {row["ticket_id"]: {**row, "ticket.sla_due_at": due[row["ticket_id"]]} for row in rows}


def figure_rows() -> tuple:
    per_ticket = list(
        TicketMetrics.objects.order_by("ticket_id").values(
            *[f.attname for f in TicketMetrics._meta.concrete_fields if f.name != "computed_at"]
        )
    )
    facets = Counter(
        tuple(row.values())
        for row in TicketFacet.objects.values(
            *[f.attname for f in TicketFacet._meta.concrete_fields if f.name not in ("id", "computed_at")]
        )
    )
    days = sorted(tuple(row.values()) for row in TermDay.objects.values("day", "language", "term", "tickets"))
    terms = sorted(TicketTerm.objects.values_list("ticket_id", "term", "language", "created_at"))
    return per_ticket, facets, days, terms


@pytest.mark.parametrize("seed", range(4))
def test_due_times_and_report_figures_equal_a_recomputation_after_random_changes_req_ops7_rpt1(
    seed, clock, outage, db
):
    rng = random.Random(seed)
    sla.ensure_defaults()
    SlaPolicy.objects.create(
        name="Urgent",
        priority="urgent",
        first_response_minutes=30,
        resolution_minutes=240,
        business_hours=False,
    )
    agents = [factories.UserFactory(username=f"agent{n}", roles=["agent"]) for n in range(2)]
    lead = factories.UserFactory(username="lead", roles=["lead"])
    lines = [factories.LineOfBusinessFactory(slug=f"lob{n}") for n in range(2)]
    groups = [factories.TagGroupFactory(slug=f"group{n}", line_of_business=lines[n]) for n in range(2)]
    tags = [factories.TagFactory(slug=f"tag{n}", group=groups[n % 2]) for n in range(3)]
    channel = factories.ChannelGroupFactory(platform="api", external_id="bot")
    words = ["passeport", "visa", "délai", "rendez-vous", "formulaire", "renouvellement", "urgent"]

    def change() -> None:
        ticket = rng.choice(list(Ticket.objects.all())) if Ticket.objects.exists() else None
        op = rng.choice(
            ["message"] * 3 + ["reply", "note", "status", "priority", "assign", "tags", "spam", "tag"]
        )
        actor = rng.choice([*agents, lead])
        if ticket is None or op == "message":
            who = f"visitor-{rng.randrange(6)}"
            text = " ".join(rng.choice(words) for _ in range(4))
            factories.ingest(channel, sender=who, conversation=who, body=text)
        elif op == "reply" and ticket.status != "closed" and not ticket.is_spam:
            tickets.reply(ticket, "Bonjour, voici la réponse.", actor=actor)
        elif op == "note":
            tickets.add_note(ticket, "À vérifier", actor=actor)
        elif op == "status" and ticket.status != "closed":
            status = rng.choice(["open", "pending", "resolved", "closed"])
            if status != ticket.status:
                tickets.update_ticket(ticket, tickets.Changes(status=status), actor=lead)
        elif op == "priority":
            tickets.update_ticket(
                ticket, tickets.Changes(priority=rng.choice(["low", "normal", "urgent"])), actor=lead
            )
        elif op == "assign":
            tickets.update_ticket(ticket, tickets.Changes(assignee=rng.choice([None, *agents])), actor=lead)
        elif op == "tags":
            chosen = rng.sample(tags, rng.randrange(1, 3))
            if rng.random() < 0.6:
                tickets.add_tags(ticket, chosen, actor=actor)
            else:
                tickets.remove_tags(ticket, chosen, actor=actor)
        elif op == "spam":
            tickets.update_ticket(ticket, tickets.Changes(is_spam=not ticket.is_spam), actor=lead)
        elif op == "tag":
            tag = rng.choice(tags)
            tickets.update_tag(tag, actor=lead, group=rng.choice(groups))

    for _ in range(30):
        outage.down = set(rng.sample(["sla", "figures"], rng.choice([0, 0, 0, 1, 2])))
        with TestCase.captureOnCommitCallbacks(execute=True):
            change()
        clock.advance(rng)
    outage.down = set()
    assert Ticket.objects.exists()

    # The worker runs what the outages left in the outbox (every row's lease and backoff long past).
    clock.now += timedelta(hours=2)
    with TestCase.captureOnCommitCallbacks(execute=True):
        while EventOutbox.objects.exists():
            assert redeliver_due(clock.now) > 0
            clock.now += timedelta(hours=2)

    kept_sla, kept_figures = sla_rows(), figure_rows()

    TicketSla.objects.all().delete()
    sla.sync_tickets(list(Ticket.objects.values_list("pk", flat=True)), force=True)
    # Figures of a ticket still being handled grow with time: each is recomputed as of when the kept one was.
    as_of: dict = {}
    for ticket_id, at in TicketMetrics.objects.values_list("ticket_id", "computed_at"):
        as_of.setdefault(at, []).append(ticket_id)
    TicketMetrics.objects.all().delete()
    TicketFacet.objects.all().delete()
    TermDay.objects.all().delete()
    TicketTerm.objects.all().delete()
    for at, ids in sorted(as_of.items()):
        metrics.compute(ids, now=at)

    assert kept_sla == sla_rows()
    assert kept_figures == figure_rows()
