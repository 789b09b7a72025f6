"""The ticket history is typed data rendered into the reader's language when read (OPS-19, UI-6)."""

from __future__ import annotations

import pytest
from django.utils import translation

from parlons.tickets.history import describe
from parlons.tickets.models import TicketEvent
from parlons.tickets.services import (
    Changes,
    add_note,
    add_tags,
    add_to_tracker,
    assign_ticket,
    change_priority,
    delete_tag,
    mark_spam,
    remove_from_tracker,
    remove_tags,
    reply,
    split_message,
    update_ticket,
)
from tests import factories

pytestmark = pytest.mark.django_db

EVERY_KIND = {
    "ticket.created",
    "message.received",
    "reply.sent",
    "note.added",
    "ticket.status_changed",
    "ticket.priority_changed",
    "ticket.subject_changed",
    "ticket.spam_changed",
    "ticket.assigned",
    "ticket.team_changed",
    "ticket.channel_group_changed",
    "tags.added",
    "tags.removed",
    "tracker.added",
    "tracker.removed",
    "ticket.split",
    "ticket.split_from",
}


@pytest.fixture
def full_history(channel_group, agent_user, lead_user):
    """One ticket that went through every kind of change, made with the services."""
    ticket = factories.ingest(channel_group, sender="psid-1", body="Bonjour").ticket
    second = factories.ingest(channel_group, sender="psid-1", body="Autre question").message
    reply(ticket, "Réponse", actor=agent_user)
    add_note(ticket, "Note", actor=agent_user)
    change_priority(ticket, "urgent", actor=agent_user)
    update_ticket(ticket, Changes(subject="Passeport égaré"), actor=agent_user)
    mark_spam(ticket, actor=agent_user)
    mark_spam(ticket, False, actor=agent_user)
    team = factories.TeamFactory(name="Passeports")
    assign_ticket(ticket, agent_user, team=team, actor=lead_user)
    fb = factories.ChannelGroupFactory(platform="facebook", name="Page Facebook")
    update_ticket(ticket, Changes(channel_group=fb), actor=lead_user)
    passport = factories.TagFactory(slug="passport", name_en="Passport", name_fr="Passeport")
    visa = factories.TagFactory(slug="visa", name_en="Visa", name_fr="Visa de séjour")
    lost = factories.TagFactory(slug="lost", name_en="Lost", name_fr="Égaré")
    add_tags(ticket, [passport, visa, lost], actor=agent_user)
    remove_tags(ticket, [visa], actor=agent_user)
    delete_tag(lost, actor=lead_user, confirm=True)
    tracker = factories.TrackerFactory(name="Panne")
    add_to_tracker(ticket, tracker, actor=agent_user)
    remove_from_tracker(ticket, tracker, actor=agent_user)
    new = split_message(second.pk, actor=agent_user)
    return ticket, new


def test_every_kind_reads_as_a_sentence_in_english_req_ops19(full_history):
    ticket, new = full_history
    with translation.override("en"):
        lines = [describe(e) for e in TicketEvent.objects.filter(ticket=ticket)]
        new_lines = [describe(e) for e in TicketEvent.objects.filter(ticket=new)]
    assert lines == [
        "Ticket created",
        "Message received from the client",
        "Status changed from New to Open",
        "Reply sent to the client",
        "Internal note added",
        "Priority changed from Normal to Urgent",
        "Subject changed to “Passeport égaré”",
        "Marked as spam",
        "No longer marked as spam",
        "Assigned to Gabriel Agent (was nobody)",
        "Team changed to Passeports (was nobody)",
        "Moved to channel group Page Facebook (was Passports API)",
        "Tags added: Passport, Visa, Lost",
        "Tags removed: Visa",
        "Tag removed because it was deleted: Lost",
        "Added to tracker “Panne”",
        "Removed from tracker “Panne”",
        f"A message was split out into ticket #{new.pk}",
    ]
    assert new_lines == ["Ticket created", f"Split out of ticket #{ticket.pk}"]
    kinds = set(TicketEvent.objects.values_list("kind", flat=True))
    assert kinds == EVERY_KIND


def test_every_kind_reads_as_a_sentence_in_french_req_ops19_ui6(full_history):
    ticket, new = full_history
    events = list(TicketEvent.objects.filter(ticket__in=[ticket, new]))
    assert {e.kind for e in events} == EVERY_KIND
    with translation.override("fr"):
        lines = {e.pk: describe(e) for e in events}
    for event in events:
        text = lines[event.pk]
        assert isinstance(text, str) and text.strip(), event.kind
        assert event.kind not in text, f"{event.kind} rendered as its raw code"
    by_kind = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(lines[event.pk])
    # Tag names are shown in the reader's language.
    assert "Passeport" in by_kind["tags.added"][0]
    assert "Visa de séjour" in by_kind["tags.added"][0]
    assert "Égaré" in by_kind["tags.added"][0]
    assert "Visa de séjour" in by_kind["tags.removed"][0]
    assert "Égaré" in by_kind["tags.removed"][1]
    assert "Lost" not in " ".join(by_kind["tags.removed"])
    # Names and numbers carried by the data are there whatever the language.
    assert "Gabriel Agent" in by_kind["ticket.assigned"][0]
    assert "Passeports" in by_kind["ticket.team_changed"][0]
    assert "Page Facebook" in by_kind["ticket.channel_group_changed"][0]
    assert "Panne" in by_kind["tracker.added"][0]
    assert str(new.pk) in by_kind["ticket.split"][0]


def test_an_explicit_language_renders_the_whole_sentence_in_it_req_ui6(full_history):
    """``describe(event, "fr")`` reads like ``describe(event)`` with French active (an e-mail to a French
    reader is rendered while another language is active)."""
    ticket, _new = full_history
    for event in TicketEvent.objects.filter(ticket=ticket, kind__in=["tags.added", "ticket.status_changed"]):
        with translation.override("fr"):
            french = describe(event)
        with translation.override("en"):
            assert describe(event, "fr") == french
            english = describe(event)
        with translation.override("fr"):
            assert describe(event, "en") == english


def test_history_keeps_names_as_they_were_req_ops19(ticket, lead_user, agent_user):
    assign_ticket(ticket, agent_user, actor=lead_user)
    agent_user.first_name = "Renamed"
    agent_user.save()
    event = TicketEvent.objects.get(kind="ticket.assigned")
    with translation.override("en"):
        assert describe(event) == "Assigned to Gabriel Agent (was nobody)"


def test_a_kind_unknown_to_this_version_still_renders(ticket):
    event = TicketEvent(ticket=ticket, kind="future.kind", data={})
    assert describe(event) == "future.kind"
