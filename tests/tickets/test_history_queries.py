"""A ticket's history names the rules that made its rows in one query for the whole page, on the ticket page and
in the API's ticket detail (OPS-12, OPS-19): as many queries for 1 row made by a rule as for 20."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parlons.accounts.services import create_token
from parlons.automation.models import Rule
from parlons.core.actors import SYSTEM
from parlons.tickets.services import Changes, update_ticket

pytestmark = pytest.mark.django_db


def _rules_change_priority(ticket, count: int, start: int) -> None:
    """``count`` rows, each made by its own rule (as a rule's action writes them: ``via="rule:<id>"``)."""
    for n in range(start, start + count):
        rule = Rule.objects.create(name=f"Route {n}", trigger="message_received")
        priority = "urgent" if n % 2 == 0 else "high"
        update_ticket(ticket, Changes(priority=priority), actor=SYSTEM, via=f"rule:{rule.pk}")


def _queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_ticket_page_history_costs_the_same_for_1_and_20_rule_rows_req_ops12_ops19(
    client, ticket, agent_user
):
    client.force_login(agent_user)
    url = f"/tickets/{ticket.pk}/"
    _rules_change_priority(ticket, 1, 0)
    few, html = _queries(client, url)
    assert "by rule “Route 0”" in html
    _rules_change_priority(ticket, 19, 1)
    many, html = _queries(client, url)
    assert "by rule “Route 0”" in html and "by rule “Route 19”" in html
    assert many == few


def test_api_ticket_history_costs_the_same_for_1_and_20_rule_rows_req_ops12_ops19(ticket, agent_user):
    _token, key = create_token(agent_user, actor=SYSTEM)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/v1/tickets/{ticket.pk}"
    client.get(url)  # the token's first use is written down once; not part of what is compared
    _rules_change_priority(ticket, 1, 0)
    few, _body = _queries(client, url)
    _rules_change_priority(ticket, 19, 1)
    many, _body = _queries(client, url)
    texts = [e["text"] for e in client.get(url).json()["history"] if e["via"].startswith("rule:")]
    assert len(texts) == 20 and texts[-1].endswith("by rule “Route 19”")
    assert many == few
