"""Rules (REQ OPS-12): validation, every condition and action, order, on/off, no loops, history, dry run,
the "time since last update" job and the SLA triggers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from parlons.automation import services
from parlons.automation.models import Rule, RuleRun
from parlons.automation.schemas import validate_document
from parlons.core.actors import SYSTEM
from parlons.core.errors import Forbidden, Invalid
from parlons.core.event_types import SlaBreached, SlaWarning
from parlons.core.events import publish
from parlons.tickets import services as tickets
from parlons.tickets.history import describe
from parlons.tickets.models import Message, Ticket, TicketEvent, TrackerTicket
from tests import factories

pytestmark = pytest.mark.django_db


def tag_slugs(ticket):
    return set(ticket.tags.values_list("slug", flat=True))


# --- validation -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "document, where",
    [
        ({"trigger": "never", "actions": [{"type": "mark_spam"}]}, "trigger"),
        ({"trigger": "message_received", "actions": []}, "actions"),
        ({"trigger": "message_received", "actions": [{"type": "explode"}]}, "actions.0.type"),
        (
            {
                "trigger": "message_received",
                "conditions": [{"field": "status", "op": "contains_any", "value": ["new"]}],
                "actions": [{"type": "mark_spam"}],
            },
            "conditions.0.op",
        ),
        (
            {
                "trigger": "message_received",
                "conditions": [{"field": "text", "op": "matches", "value": "(unclosed"}],
                "actions": [{"type": "mark_spam"}],
            },
            "conditions.0.value",
        ),
        (
            {
                "trigger": "message_received",
                "conditions": [{"field": "text", "op": "matches", "value": "(a+)+$"}],
                "actions": [{"type": "mark_spam"}],
            },
            "conditions.0.value",
        ),
        (
            {
                "trigger": "message_received",
                "conditions": [{"field": "text", "op": "matches", "value": "x" * 201}],
                "actions": [{"type": "mark_spam"}],
            },
            "conditions.0.value",
        ),
        (
            {"trigger": "message_received", "actions": [{"type": "add_tags", "value": ["nope"]}]},
            "actions.0.value",
        ),
        (
            {"trigger": "message_received", "actions": [{"type": "set_priority", "value": "huge"}]},
            "actions.0.value",
        ),
        (
            {"trigger": "message_received", "actions": [{"type": "assign_agent", "value": 999999}]},
            "actions.0.value",
        ),
        ({"trigger": "time_since_update", "actions": [{"type": "mark_spam"}]}, "hours"),
        (
            {
                "trigger": "ticket_updated",
                "conditions": [{"field": "text", "op": "contains_any", "value": ["x"]}],
                "actions": [{"type": "mark_spam"}],
            },
            "conditions",
        ),
        ({"trigger": "message_received", "actions": [{"type": "mark_spam"}], "surprise": 1}, "surprise"),
    ],
)
def test_invalid_documents_are_refused_with_the_place_of_the_error_req_ops12(document, where):
    with pytest.raises(Invalid) as info:
        validate_document(document)
    fields = [e["field"] for e in info.value.details["errors"]]
    assert where in fields, fields


def test_only_administrators_manage_rules_req_ops12(agent_user, lead_user, admin_user):
    doc = {"trigger": "message_received", "actions": [{"type": "mark_spam"}]}
    for user in (agent_user, lead_user):
        with pytest.raises(Forbidden):
            services.create_rule(actor=user, name="x", document=doc)
    assert not Rule.objects.exists()
    rule = services.create_rule(actor=admin_user, name="Spam", document=doc)
    with pytest.raises(Forbidden):
        services.update_rule(rule, actor=lead_user, is_enabled=False)
    with pytest.raises(Forbidden):
        services.delete_rule(rule, actor=agent_user)
    services.dry_run(actor=lead_user, rule=rule)  # leads may try rules
    with pytest.raises(Forbidden):
        services.dry_run(actor=agent_user, rule=rule)


# --- conditions -------------------------------------------------------------------------------------
def _cond(field, op, value=None):
    return {"field": field, "op": op, "value": value}


@pytest.mark.parametrize(
    "condition, body, expected",
    [
        (_cond("text", "contains_any", ["passeport", "visa"]), "Où est mon PASSEPORT ?", True),
        (_cond("text", "contains_any", ["études"]), "permis d'etudes svp", True),  # accents optional
        (_cond("text", "contains_any", ["etude"]), "mes études", False),  # whole words only
        (_cond("text", "contains_all", ["passport", "urgent"]), "urgent: my passport", True),
        (_cond("text", "contains_all", ["passport", "urgent"]), "my passport", False),
        (_cond("text", "not_contains", ["merci"]), "Bonjour", True),
        (_cond("text", "not_contains", ["merci"]), "Merci beaucoup", False),
        (_cond("text", "matches", r"\b[A-Z]{2}\d{6}\b"), "Dossier AB123456", True),
        (_cond("text", "matches", r"\b[A-Z]{2}\d{6}\b"), "Dossier 123", False),
        (_cond("channel", "in", ["api"]), "x", True),
        (_cond("channel", "not_in", ["api"]), "x", False),
        (_cond("language", "in", ["en"]), "x", True),
        (_cond("language", "in", ["fr"]), "x", False),
        (_cond("status", "in", ["new"]), "x", True),
        (_cond("status", "not_in", ["new", "open"]), "x", False),
        (_cond("priority", "in", ["normal"]), "x", True),
        (_cond("priority", "in", ["urgent"]), "x", False),
        (_cond("contact", "is", "new"), "x", True),
        (_cond("contact", "is", "returning"), "x", False),
        (_cond("team", "is_empty"), "x", True),
        (_cond("team", "is_set"), "x", False),
        (_cond("assignee", "is_empty"), "x", True),
        (_cond("assignee", "is_set"), "x", False),
    ],
)
def test_each_condition_req_ops12(make_rule, incoming, condition, body, expected):
    make_rule([{"type": "set_priority", "value": "high"}], [condition])
    ticket = incoming(body=body)
    assert (ticket.priority == "high") is expected


def test_condition_channel_group_team_assignee_and_tags_req_ops12(
    make_rule, incoming, channel_group, agent_user, committed_events
):
    team = factories.TeamFactory(name="Passeports")
    other_group = factories.ChannelGroupFactory()
    vip = factories.TagFactory(slug="vip")
    make_rule([{"type": "set_priority", "value": "high"}], [_cond("channel_group", "in", [channel_group.pk])])
    assert incoming(sender="a").priority == "high"
    assert incoming(group=other_group, sender="b").priority == "normal"
    Rule.objects.all().delete()
    # Team, assignee and tags are read on "ticket updated".
    make_rule(
        [{"type": "add_tags", "value": ["vip"]}],
        [
            _cond("team", "in", [team.pk]),
            _cond("assignee", "in", [agent_user.pk]),
            _cond("tags", "none", ["vip"]),
        ],
        trigger="ticket_updated",
        name="VIP",
    )
    ticket = incoming(sender="c")
    with committed_events():
        tickets.update_ticket(ticket, tickets.Changes(team=team), actor=SYSTEM)
    assert tag_slugs(ticket) == set()  # not assigned to the agent yet
    with committed_events():
        tickets.update_ticket(ticket, tickets.Changes(assignee=agent_user), actor=SYSTEM)
    assert tag_slugs(ticket) == {"vip"}
    assert vip.pk in set(ticket.tags.values_list("pk", flat=True))


def test_condition_tags_any_all_and_returning_contact_req_ops12(make_rule, incoming, committed_events):
    factories.TagFactory(slug="a")
    factories.TagFactory(slug="b")
    factories.TagFactory(slug="done")
    make_rule(
        [{"type": "add_tags", "value": ["done"]}],
        [_cond("tags", "all", ["a", "b"])],
        trigger="ticket_updated",
    )
    ticket = incoming(sender="t1")
    with committed_events():
        tickets.add_tags(ticket, tickets.tags_by_slug(["a"]), actor=SYSTEM)
    assert "done" not in tag_slugs(ticket)
    with committed_events():
        tickets.add_tags(ticket, tickets.tags_by_slug(["b"]), actor=SYSTEM)
    assert "done" in tag_slugs(ticket)

    Rule.objects.all().delete()
    make_rule([{"type": "set_priority", "value": "low"}], [_cond("contact", "is", "returning")])
    first = incoming(sender="same")
    assert first.priority == "normal"
    tickets.change_status(first, "closed", actor=SYSTEM)
    second = incoming(sender="same")
    assert second.pk != first.pk and second.priority == "low"


def test_condition_business_hours_req_ops12(make_rule, incoming, monkeypatch):
    make_rule([{"type": "set_priority", "value": "low"}], [_cond("business_hours", "is", "outside")])
    monkeypatch.setattr("parlons.automation.engine.is_business_hours", lambda now: True)
    assert incoming(sender="day").priority == "normal"
    monkeypatch.setattr("parlons.automation.engine.is_business_hours", lambda now: False)
    assert incoming(sender="night").priority == "low"


def test_business_hours_are_monday_to_friday_nine_to_five_eastern_req_ops12():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from parlons.automation.engine import is_business_hours

    toronto = ZoneInfo("America/Toronto")
    assert is_business_hours(datetime(2026, 11, 18, 10, 0, tzinfo=toronto))  # Wednesday 10:00
    assert not is_business_hours(datetime(2026, 11, 18, 18, 0, tzinfo=toronto))  # Wednesday 18:00
    assert not is_business_hours(datetime(2026, 11, 21, 10, 0, tzinfo=toronto))  # Saturday


def test_match_any_and_all_req_ops12(make_rule, incoming):
    conditions = [_cond("text", "contains_any", ["visa"]), _cond("text", "contains_any", ["passport"])]
    make_rule([{"type": "set_priority", "value": "high"}], conditions, match="any")
    assert incoming(sender="x", body="visa please").priority == "high"
    Rule.objects.all().delete()
    make_rule([{"type": "set_priority", "value": "high"}], conditions, match="all")
    assert incoming(sender="y", body="visa please").priority == "normal"
    assert incoming(sender="z", body="visa and passport").priority == "high"


# --- actions ----------------------------------------------------------------------------------------
def test_each_property_action_and_history_names_the_rule_req_ops12_ops19(
    make_rule, incoming, agent_user, other_agent
):
    team = factories.TeamFactory(name="Immigration")
    factories.TagFactory(slug="urgent")
    factories.TagFactory(slug="to-remove")
    tracker = factories.TrackerFactory(name="Outage")
    rule = make_rule(
        [
            {"type": "add_tags", "value": ["urgent", "to-remove"]},
            {"type": "remove_tags", "value": ["to-remove"]},
            {"type": "assign_team", "value": team.pk},
            {"type": "assign_agent", "value": agent_user.pk},
            {"type": "set_priority", "value": "urgent"},
            {"type": "set_status", "value": "pending"},
            {"type": "add_note", "value": "Routed by the rule."},
            {"type": "add_to_tracker", "value": tracker.pk},
            {"type": "mark_spam"},
        ],
        name="Route urgent passports",
    )
    ticket = incoming(body="urgent")
    assert tag_slugs(ticket) == {"urgent"}
    assert ticket.team == team and ticket.assignee == agent_user
    assert ticket.priority == "urgent" and ticket.status == "pending" and ticket.is_spam
    assert ticket.notes.get().body == "Routed by the rule."
    assert TrackerTicket.objects.filter(ticket=ticket, tracker=tracker).exists()
    events = TicketEvent.objects.filter(ticket=ticket, via=f"rule:{rule.pk}")
    kinds = set(events.values_list("kind", flat=True))
    assert {"tags.added", "tags.removed", "ticket.team_changed", "ticket.assigned"} <= kinds
    assert {"ticket.priority_changed", "ticket.status_changed", "note.added", "tracker.added"} <= kinds
    assert "ticket.spam_changed" in kinds
    text = describe(events.get(kind="ticket.priority_changed"), "en")
    assert "Route urgent passports" in text
    assert "Route urgent passports" in describe(events.get(kind="ticket.priority_changed"), "fr")
    run = RuleRun.objects.get(rule=rule, ticket=ticket)
    assert all(r["ok"] for r in run.results) and len(run.results) == 9


def test_a_failing_action_is_recorded_and_the_next_ones_run_req_ops12(make_rule, incoming, channel_group):
    canned = pytest.importorskip("parlons.tickets.models").CannedResponse.objects.create(
        name="Merci", body_en="Thanks, we are on it.", body_fr="Merci, nous nous en occupons."
    )
    rule = make_rule(
        [
            {"type": "mark_spam"},
            {"type": "send_canned_reply", "value": canned.pk},
            {"type": "set_priority", "value": "low"},
        ]
    )
    ticket = incoming()
    run = RuleRun.objects.get(rule=rule)
    assert [r["ok"] for r in run.results] == [True, False, True]  # no reply on a spam ticket
    assert ticket.priority == "low"
    assert not ticket.messages.filter(direction="out").exists()


def test_send_canned_reply_in_the_ticket_language_req_ops12(make_rule, incoming, channel_group):
    from parlons.tickets.models import CannedResponse

    canned = CannedResponse.objects.create(
        name="Ack", body_en="We received it.", body_fr="Bien reçu, votre billet est le {ticket_id}."
    )
    make_rule([{"type": "send_canned_reply", "value": canned.pk}], trigger="ticket_created")
    ticket = incoming(language="fr")
    out = ticket.messages.get(direction=Message.Direction.OUT)
    assert out.body == f"Bien reçu, votre billet est le {ticket.pk}."  # placeholders filled
    assert TicketEvent.objects.filter(ticket=ticket, kind="reply.sent", via__startswith="rule:").exists()


def test_notify_action_calls_the_notifications_contract_req_ops12(
    make_rule, incoming, agent_user, monkeypatch
):
    pytest.importorskip("parlons.notifications.services")
    calls = []
    monkeypatch.setattr(
        "parlons.notifications.services.notify",
        lambda recipients, kind, context, ticket: calls.append((list(recipients), kind, context, ticket.pk)),
    )
    rule = make_rule([{"type": "notify", "value": [agent_user.pk]}], name="Tell Gabriel")
    ticket = incoming()
    assert calls == [
        (
            [agent_user],
            "rule.notify",
            {"rule_id": rule.pk, "rule": "Tell Gabriel", "ticket_id": ticket.pk, "subject": ticket.subject},
            ticket.pk,
        )
    ]


def test_notify_action_reaches_the_notifications_app_req_ops12(make_rule, incoming, agent_user):
    pytest.importorskip("parlons.notifications.services")
    from parlons.notifications.models import Notification

    make_rule([{"type": "notify", "value": [agent_user.pk]}], name="Tell Gabriel")
    ticket = incoming()
    note = Notification.objects.get(recipient=agent_user, kind="rule.notify")
    assert note.context["rule"] == "Tell Gabriel" and note.context["ticket_id"] == ticket.pk


def test_webhook_action_queues_a_delivery_req_ops12(make_rule, incoming):
    integrations = pytest.importorskip("parlons.integrations.services")
    if not hasattr(integrations, "queue_delivery"):
        pytest.skip("the integrations contract is not there yet")
    from parlons.integrations.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        name="Bot", url="https://bot.example/hook", events=["rule.triggered"]
    )
    rule = make_rule([{"type": "webhook", "value": endpoint.pk}])
    ticket = incoming()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint, event_type="rule.triggered")
    assert delivery.payload["ticket"]["id"] == ticket.pk and delivery.payload["rule"]["id"] == rule.pk


# --- order, on/off, loops ---------------------------------------------------------------------------
def test_rules_run_in_order_and_see_earlier_changes_req_ops12(make_rule, incoming, admin_user):
    factories.TagFactory(slug="escalated")
    first = make_rule([{"type": "set_priority", "value": "urgent"}], name="Urgent")
    second = make_rule(
        [{"type": "add_tags", "value": ["escalated"]}], [_cond("priority", "in", ["urgent"])], name="Escalate"
    )
    assert "escalated" in tag_slugs(incoming(sender="one"))
    services.reorder_rules([second.pk, first.pk], actor=admin_user)
    assert list(Rule.objects.values_list("pk", flat=True)) == [second.pk, first.pk]
    ticket = incoming(sender="two")
    assert ticket.priority == "urgent" and "escalated" not in tag_slugs(ticket)
    with pytest.raises(Invalid):
        services.reorder_rules([first.pk], actor=admin_user)  # every rule, once


def test_a_disabled_rule_does_nothing_req_ops12(make_rule, incoming, admin_user):
    rule = make_rule([{"type": "set_priority", "value": "urgent"}], is_enabled=False)
    assert incoming(sender="a").priority == "normal"
    services.update_rule(rule, actor=admin_user, is_enabled=True)
    assert incoming(sender="b").priority == "urgent"
    services.update_rule(rule, actor=admin_user, is_enabled=False)
    assert incoming(sender="c").priority == "normal"


def test_a_rule_does_not_retrigger_itself_req_ops12(make_rule, incoming):
    rule = make_rule([{"type": "add_note", "value": "Seen by the rule."}], trigger="ticket_updated")
    ticket = incoming(sender="loop")  # a new ticket publishes no ticket.updated
    assert ticket.notes.count() == 0
    with_message = incoming(sender="loop")  # second message: ticket.updated → one note, not more
    assert with_message.pk == ticket.pk
    assert ticket.notes.count() == 1
    assert RuleRun.objects.filter(rule=rule).count() == 1


def test_two_rules_feeding_each_other_are_cut_off_req_ops12(make_rule, incoming):
    a = make_rule([{"type": "add_note", "value": "A"}], trigger="note_added", name="A")
    b = make_rule([{"type": "add_note", "value": "B"}], trigger="note_added", name="B")
    ticket = incoming(sender="pingpong")
    with TestCase.captureOnCommitCallbacks(execute=True):
        tickets.add_note(ticket, "Agent note", actor=SYSTEM, via="web")
    runs = RuleRun.objects.filter(rule__in=[a, b]).count()
    # The agent's note triggers A and B (2 runs); the chain that follows is cut after MAX_CHAIN runs.
    assert runs == services.MAX_CHAIN + 2
    assert ticket.notes.count() == runs + 1


# --- dry run ----------------------------------------------------------------------------------------
def test_dry_run_shows_matches_and_changes_nothing_req_ops12(incoming, lead_user, admin_user):
    factories.TagFactory(slug="passports")
    incoming(sender="p", body="Where is my passport?")
    incoming(sender="q", body="Question about taxes")
    document = {
        "trigger": "message_received",
        "conditions": [
            _cond("text", "contains_any", ["passport", "passeport"]),
            _cond("status", "in", ["new"]),
        ],
        "actions": [{"type": "add_tags", "value": ["passports"]}, {"type": "set_priority", "value": "high"}],
    }
    before = (TicketEvent.objects.count(), Ticket.objects.filter(priority="high").count())
    result = services.dry_run(actor=lead_user, document=document, limit=10)
    assert result["tried"] == 2 and result["matched"] == 1
    by_subject = {row["subject"]: row for row in result["tickets"]}
    hit = by_subject["Where is my passport?"]
    assert hit["matched"] and [c["matched"] for c in hit["conditions"]] == [True, True]
    assert [a["type"] for a in hit["actions"]] == ["add_tags", "set_priority"]
    miss = by_subject["Question about taxes"]
    assert not miss["matched"] and miss["actions"] == [] and miss["conditions"][0]["matched"] is False
    assert (TicketEvent.objects.count(), Ticket.objects.filter(priority="high").count()) == before
    assert not RuleRun.objects.exists()
    saved = services.create_rule(actor=admin_user, name="Passports", document=document, is_enabled=False)
    assert services.dry_run(actor=admin_user, rule=saved, limit=1)["tried"] == 1
    with pytest.raises(Invalid):
        services.dry_run(actor=admin_user, rule=saved, limit=0)


# --- other triggers ---------------------------------------------------------------------------------
def test_note_and_reply_triggers_req_ops12(make_rule, incoming, agent_user, committed_events):
    factories.TagFactory(slug="noted")
    factories.TagFactory(slug="answered")
    make_rule(
        [{"type": "add_tags", "value": ["noted"]}],
        [_cond("text", "contains_any", ["escalate"])],
        trigger="note_added",
    )
    make_rule([{"type": "add_tags", "value": ["answered"]}], trigger="reply_sent")
    ticket = incoming()
    with committed_events():
        tickets.add_note(ticket, "Please escalate", actor=agent_user)
    assert tag_slugs(ticket) == {"noted"}
    with committed_events():
        tickets.reply(ticket, "Bonjour, c'est fait.", actor=agent_user)
    assert tag_slugs(ticket) == {"noted", "answered"}


def test_sla_triggers_req_ops12(make_rule, incoming, committed_events):
    make_rule([{"type": "set_priority", "value": "high"}], trigger="sla_warning")
    make_rule([{"type": "set_priority", "value": "urgent"}], trigger="sla_breached")
    ticket = incoming()
    with committed_events():
        publish(SlaWarning(via="sla", id=ticket.pk, target="first_response", due_at=""))
    ticket.refresh_from_db()
    assert ticket.priority == "high"
    with committed_events():
        publish(SlaBreached(via="sla", id=ticket.pk, target="first_response", due_at=""))
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"


def test_time_since_last_update_fires_once_per_ticket_req_ops12(make_rule, incoming):
    from parlons.core import scheduler

    rule = make_rule(
        [{"type": "add_note", "value": "No news for two days."}], trigger="time_since_update", hours=48
    )
    stale = incoming(sender="old")
    fresh = incoming(sender="new")
    closed = incoming(sender="closed")
    long_ago = timezone.now() - timedelta(hours=50)
    Ticket.objects.filter(pk__in=[stale.pk, closed.pk]).update(updated_at=long_ago)
    Ticket.objects.filter(pk=closed.pk).update(status="closed")
    now = timezone.now()
    assert scheduler.run_due_jobs(now, only=["automation.idle_rules"]) == ["automation.idle_rules"]
    assert stale.notes.count() == 1 and fresh.notes.count() == 0 and closed.notes.count() == 0
    Ticket.objects.filter(pk=stale.pk).update(updated_at=long_ago)
    assert services.run_idle_rules(now + timedelta(hours=1)) == 0
    assert stale.notes.count() == 1
    assert RuleRun.objects.filter(rule=rule, ticket=stale).count() == 1


def test_history_of_a_deleted_rule_names_its_number_req_ops12_ops19(make_rule, incoming, admin_user):
    rule = make_rule([{"type": "set_priority", "value": "high"}], name="Temporary")
    ticket = incoming()
    event = TicketEvent.objects.get(ticket=ticket, kind="ticket.priority_changed")
    assert "Temporary" in describe(event, "en")
    services.delete_rule(rule, actor=admin_user)
    assert f"rule #{rule.pk} (since deleted)" in describe(event, "en")
    assert f"règle no {rule.pk}" in describe(event, "fr")
