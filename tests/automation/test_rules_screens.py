"""Automation screens (REQ OPS-12, OPS-25, OPS-6, OPS-24): who sees them, building a rule with rows, errors
at the row, dry run, order and on/off, auto-tagging, assignment settings, available/away."""

from __future__ import annotations

import pytest
from django.test import Client

from parlons.automation.models import AssignmentPolicy, AutoTag, Rule
from parlons.automation.services import create_rule
from parlons.tickets.models import TicketEvent
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(admin_user):
    return client_for(admin_user)


DOC = {
    "trigger": "message_received",
    "conditions": [{"field": "text", "op": "contains_any", "value": ["passport"]}],
    "actions": [{"type": "set_priority", "value": "high"}],
}


def test_agents_are_refused_and_leads_only_read_req_ops12(agent_user, lead_user, admin_user):
    rule = create_rule(actor=admin_user, name="R", document=DOC)
    agent = client_for(agent_user)
    for url in (
        "/rules/",
        "/rules/new/",
        f"/rules/{rule.pk}/",
        "/rules/auto-tags/",
        "/rules/assignment/",
        "/rules/row/condition/",
    ):
        assert agent.get(url).status_code == 403, url
    assert agent.post(f"/rules/{rule.pk}/toggle/").status_code == 403
    assert agent.post(f"/rules/{rule.pk}/delete/").status_code == 403
    lead = client_for(lead_user)
    page = lead.get("/rules/")
    assert page.status_code == 200 and "R" in page.content.decode()
    assert "New rule" not in page.content.decode()
    assert lead.post(f"/rules/{rule.pk}/toggle/").status_code == 403
    assert lead.post(f"/rules/{rule.pk}/", {"name": "X", "trigger": "message_received"}).status_code == 403
    assert lead.post("/rules/assignment/", {"method": "round_robin", "sticky_days": "3"}).status_code == 403
    rule.refresh_from_db()
    assert rule.is_enabled and rule.name == "R"
    assert "Rules" in client_for(admin_user).get("/").content.decode()
    assert 'href="/rules/"' not in agent.get("/").content.decode()


def test_build_a_rule_on_the_form_req_ops12(admin, channel_group):
    factories.TagFactory(slug="passports", name_en="Passports", name_fr="Passeports")
    team = factories.TeamFactory(name="Passeports")
    page = admin.get("/rules/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<fieldset" in html and "<legend>" in html and 'for="rule-name"' in html
    data = {
        "name": "Passports to the team",
        "is_enabled": "on",
        "trigger": "message_received",
        "match": "all",
        "cond-a1-field": "text",
        "cond-a1-op": "contains_any",
        "cond-a1-value": "passport\npasseport",
        "cond-b2-field": "channel",
        "cond-b2-op": "in",
        "cond-b2-value": ["api", "facebook"],
        "act-c3-type": "add_tags",
        "act-c3-value": ["passports"],
        "act-d4-type": "assign_team",
        "act-d4-value": str(team.pk),
        "act-e5-type": "mark_spam",
    }
    response = admin.post("/rules/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get()
    assert rule.document["conditions"] == [
        {"field": "text", "op": "contains_any", "value": ["passport", "passeport"]},
        {"field": "channel", "op": "in", "value": ["api", "facebook"]},
    ]
    assert rule.document["actions"] == [
        {"type": "add_tags", "value": ["passports"]},
        {"type": "assign_team", "value": team.pk},
        {"type": "mark_spam", "value": None},
    ]
    edit = admin.get(f"/rules/{rule.pk}/").content.decode()
    assert "passeport" in edit and "Passports to the team" in edit
    listing = admin.get("/rules/").content.decode()
    assert "Passports to the team" in listing and "Add tags: Passports" in listing


def test_errors_are_shown_at_their_row_and_nothing_is_saved_req_ops12(admin):
    data = {
        "name": "Bad",
        "trigger": "message_received",
        "match": "all",
        "cond-a1-field": "text",
        "cond-a1-op": "matches",
        "cond-a1-value": "(a+)+",
        "act-b2-type": "set_priority",
        "act-b2-value": "",
    }
    response = admin.post("/rules/new/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "repeats a group" in html
    assert 'id="cond-a1-error"' in html and 'id="act-b2-error"' in html
    assert not Rule.objects.exists()


def test_rows_are_added_with_htmx_and_without_javascript_req_ops12(admin):
    row = admin.get("/rules/row/condition/", HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and "<fieldset" in row.content.decode()
    redrawn = admin.get("/rules/row/condition/?key=abc&cond-abc-field=status").content.decode()
    assert 'name="cond-abc-value"' in redrawn and "multiple" in redrawn and 'value="pending"' in redrawn
    pattern = admin.get(
        "/rules/row/condition/?key=abc&cond-abc-field=text&cond-abc-op=matches"
    ).content.decode()
    assert '<input type="text" name="cond-abc-value"' in pattern and 'value="matches" selected' in pattern
    emptied = admin.get(
        "/rules/row/condition/?key=abc&cond-abc-field=team&cond-abc-op=is_empty"
    ).content.decode()
    assert 'name="cond-abc-value"' not in emptied
    action = admin.get("/rules/row/action/?key=xyz&act-xyz-type=add_note").content.decode()
    assert "<textarea" in action and 'name="act-xyz-value"' in action
    assert admin.get("/rules/row/empty/").content.decode().strip() == ""
    # Without JavaScript, "Add a condition" posts the form and gets it back with one more row.
    response = admin.post(
        "/rules/new/",
        {"name": "x", "trigger": "message_received", "_add": "condition", "act-a1-type": "mark_spam"},
    )
    assert response.status_code == 200
    assert response.content.decode().count('class="side-card rule-row"') == 2
    assert not Rule.objects.exists()


def test_dry_run_on_the_form_changes_nothing_req_ops12(admin, lead_user, channel_group):
    factories.ingest(channel_group, body="My passport is lost", sender="a")
    factories.ingest(channel_group, body="Taxes", sender="b")
    events = TicketEvent.objects.count()
    data = {
        "name": "Try",
        "trigger": "message_received",
        "match": "all",
        "cond-a1-field": "text",
        "cond-a1-op": "contains_any",
        "cond-a1-value": "passport",
        "act-b2-type": "set_priority",
        "act-b2-value": "urgent",
        "limit": "10",
        "_dry_run": "1",
    }
    for client in (admin, client_for(lead_user)):
        html = client.post("/rules/new/", data).content.decode()
        assert "would act on 1 of the last 2 tickets" in html
        assert "Set the priority: Urgent" in html
    assert TicketEvent.objects.count() == events and not Rule.objects.exists()


def test_order_switch_and_delete_on_the_list_req_ops12(admin, admin_user):
    a = create_rule(actor=admin_user, name="A", document=DOC)
    b = create_rule(actor=admin_user, name="B", document=DOC)
    assert admin.post(f"/rules/{b.pk}/move/", {"direction": "up"}).status_code == 302
    assert list(Rule.objects.values_list("name", flat=True)) == ["B", "A"]
    admin.post(f"/rules/{a.pk}/toggle/")
    a.refresh_from_db()
    assert a.is_enabled is False
    admin.post(f"/rules/{a.pk}/delete/")
    assert list(Rule.objects.values_list("name", flat=True)) == ["B"]


def test_auto_tag_screen_req_ops25(admin, lead_user):
    factories.TagFactory(slug="refund", name_en="Refund", name_fr="Remboursement")
    response = admin.post(
        "/rules/auto-tags/",
        {
            "tag": "refund",
            "keywords_en": "refund\nmoney back",
            "keywords_fr": "remboursement",
            "sources": ["messages"],
        },
    )
    assert response.status_code == 302
    auto = AutoTag.objects.get()
    assert auto.keywords_en == ["refund", "money back"] and auto.on_messages and not auto.on_notes
    assert admin.post("/rules/auto-tags/", {"tag": "refund", "sources": ["messages"]}).status_code == 400
    assert (
        client_for(lead_user).post("/rules/auto-tags/", {"tag": "refund", "keywords_en": "x"}).status_code
        == 403
    )
    admin.post(f"/rules/auto-tags/{auto.pk}/", {"do": "toggle"})
    auto.refresh_from_db()
    assert auto.is_enabled is False
    admin.post(f"/rules/auto-tags/{auto.pk}/", {"do": "delete"})
    assert not AutoTag.objects.exists()


def test_assignment_screen_req_ops24_ops6(admin):
    team = factories.TeamFactory(name="Visas")
    response = admin.post("/rules/assignment/", {"method": "least_open", "sticky": "on", "sticky_days": "14"})
    assert response.status_code == 302
    general = AssignmentPolicy.objects.get(team__isnull=True)
    assert (general.method, general.sticky, general.sticky_days) == ("least_open", True, 14)
    admin.post("/rules/assignment/", {"team": str(team.pk), "method": "round_robin", "sticky_days": "7"})
    assert AssignmentPolicy.objects.get(team=team).sticky is False
    assert admin.post("/rules/assignment/", {"method": "x", "sticky_days": "7"}).status_code == 400
    admin.post("/rules/assignment/", {"do": "clear", "team": str(team.pk)})
    assert not AssignmentPolicy.objects.filter(team=team).exists()


def test_agents_set_themselves_away_and_back_req_ops6(agent_user):
    client = client_for(agent_user)
    assert "Set me away" in client.get("/").content.decode()
    assert client.post("/account/availability/", {"away": "1", "next": "/trackers/"}).url == "/trackers/"
    agent_user.refresh_from_db()
    assert agent_user.is_away is True
    assert "Set me available" in client.get("/").content.decode()
    client.post("/account/availability/", {"away": "0"})
    agent_user.refresh_from_db()
    assert agent_user.is_away is False
