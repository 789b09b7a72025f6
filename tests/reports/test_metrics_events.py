"""The figures are kept as the work happens (domain events) and rebuilt for existing data (command)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from parlons.reports.models import AgentTicketTime, TicketMetrics, TicketTerm
from parlons.tickets import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_metrics_follow_the_domain_events_req_rpt1_ops9(
    channel_group, admin_user, agent_user, committed_events
):
    with committed_events():
        ticket = factories.ingest(channel_group, conversation="c-1", body="Mon passeport est perdu").ticket
    m = TicketMetrics.objects.get(ticket=ticket)
    assert (m.status, m.replies_count, m.first_response_seconds) == ("new", 0, None)
    assert set(TicketTerm.objects.filter(ticket=ticket).values_list("term", flat=True)) == {
        "passeport",
        "perdu",
    }

    with committed_events():
        services.assign_ticket(ticket, agent_user, actor=admin_user)
    assert TicketMetrics.objects.get(ticket=ticket).assignee_id == agent_user.pk

    with committed_events():
        services.reply(ticket, "Bonjour, nous regardons votre dossier.", actor=agent_user)
    m = TicketMetrics.objects.get(ticket=ticket)
    assert m.replies_count == 1 and m.first_response_seconds is not None

    with committed_events():
        services.change_status(ticket, "resolved", actor=agent_user)
    m = TicketMetrics.objects.get(ticket=ticket)
    assert m.status == "resolved" and m.resolved_by_id == agent_user.pk and m.resolution_seconds is not None
    assert AgentTicketTime.objects.filter(ticket=ticket, user=agent_user).exists()

    with committed_events():  # the client writes again: the ticket reopens
        factories.ingest(channel_group, conversation="c-1", body="Encore une question")
    m = TicketMetrics.objects.get(ticket=ticket)
    assert m.reopen_count == 1 and m.status == "open" and m.resolved_at is None and m.resolved_by_id is None


def test_rebuild_command_backfills_existing_tickets_req_rpt1_ops9(dataset):
    TicketMetrics.objects.all().delete()
    AgentTicketTime.objects.all().delete()
    out = io.StringIO()
    call_command("reports", "rebuild", stdout=out)
    assert "6 tickets" in out.getvalue()
    assert TicketMetrics.objects.count() == 6
    assert TicketMetrics.objects.get(ticket=dataset.t["t6"]).reopen_count == 1
    assert AgentTicketTime.objects.filter(ticket=dataset.t["t3"]).count() == 2


@pytest.mark.postgres
def test_rebuild_with_copy_writes_the_same_figures_req_rpt1(dataset, monkeypatch):
    from parlons.reports import metrics

    before = sorted(TicketMetrics.objects.values_list("ticket_id", "resolution_seconds", "handling_seconds"))
    terms = TicketTerm.objects.count()
    monkeypatch.setattr(metrics, "COPY_MIN_ROWS", 0)  # PostgreSQL COPY for every batch
    metrics.compute([dataset.t[t].pk for t in dataset.t], now=None)
    after = sorted(TicketMetrics.objects.values_list("ticket_id", "resolution_seconds", "handling_seconds"))
    assert [r[:2] for r in after] == [r[:2] for r in before]
    assert TicketTerm.objects.count() == terms
    assert AgentTicketTime.objects.filter(ticket=dataset.t["t3"]).count() == 2
