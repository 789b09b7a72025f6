"""Chatbot hand-off through the API with a bot token (OPS-2, ENV-9)."""

from __future__ import annotations

import pytest
from django.test import Client

from parlons.accounts.models import RoleGrant, User
from parlons.accounts.services import create_token
from parlons.core.actors import SYSTEM
from parlons.integrations.models import Handoff
from parlons.tickets.models import Ticket, TicketEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def bot_client(roles):
    bot = User.objects.create_user(
        username="clavardage", password="x" * 20, first_name="Clavardage", is_bot=True
    )
    RoleGrant.objects.create(role=roles["bot"], user=bot)
    _token, key = create_token(bot, actor=SYSTEM, scopes=["bots.handoff"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.user = bot
    return client


def _payload(channel_group, **over):
    payload = {
        "conversation_id": "conv-42",
        "channel_group_id": channel_group.pk,
        "client": {"external_id": "psid-9", "name": "Élise Tremblay", "language": "fr"},
        "transcript": [
            {"role": "client", "text": "Bonjour, mon permis d'études expire bientôt."},
            {"role": "bot", "text": "Je peux vous aider. Avez-vous déjà fait la demande?"},
            {"role": "client", "text": "Non, et je voyage le mois prochain!"},
        ],
        "triage": {
            "intent": "study_permit_extension",
            "topic": "études",
            "language": "fr",
            "suggested_tags": ["visa", "no-such-tag"],
            "priority": "high",
            "confidence": 0.82,
            "summary": "Permis d'études qui expire; voyage prévu.",
        },
    }
    payload.update(over)
    return payload


def test_a_bot_hands_over_a_conversation_req_ops2_env9(bot_client, channel_group, committed_events):
    tag = factories.TagFactory(slug="visa", name_en="Visa", name_fr="Visa")
    with committed_events() as events:
        response = bot_client.post(
            "/api/v1/handoffs", _payload(channel_group), content_type="application/json"
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True and body["ignored_tags"] == ["no-such-tag"]
    ticket = Ticket.objects.get(pk=body["ticket_id"])
    assert ticket.priority == "high" and ticket.language == "fr"
    assert list(ticket.tags.all()) == [tag]
    message = ticket.messages.get()
    assert "permis d'études" in message.body and "je voyage" in message.body
    assert "Je peux vous aider" not in message.body  # the bot's own turns stay in the transcript
    handoff = Handoff.objects.get(ticket=ticket)
    assert handoff.confidence == 0.82 and len(handoff.transcript) == 3
    assert handoff.bot == bot_client.user
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert "handoff.received" in kinds
    # Rules and assignment run on it as on any new ticket: they follow ticket.created.
    types = [e.type for e in events]
    assert "ticket.created" in types and "handoff.created" in types


def test_the_same_conversation_sent_twice_makes_one_ticket_req_ops2(bot_client, channel_group):
    first = bot_client.post("/api/v1/handoffs", _payload(channel_group), content_type="application/json")
    again = bot_client.post("/api/v1/handoffs", _payload(channel_group), content_type="application/json")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["ticket_id"] == first.json()["ticket_id"] and again.json()["created"] is False
    assert Handoff.objects.count() == 1 and Ticket.objects.count() == 1


def test_a_token_without_the_handoff_scope_is_refused_req_ops2_adm4(agent_user, channel_group):
    _token, key = create_token(agent_user, actor=SYSTEM)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(
        "/api/v1/handoffs", _payload(channel_group), content_type="application/json"
    )
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_a_bot_token_cannot_read_tickets_req_adm4(bot_client, channel_group):
    assert bot_client.get("/api/v1/tickets").status_code == 403


def test_no_token_is_401(channel_group):
    response = Client().post("/api/v1/handoffs", _payload(channel_group), content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"transcript": [{"role": "bot", "text": "Bonjour!"}]}, 400, "transcript"),
        ({"transcript": [{"role": "agent", "text": "?"}]}, 400, "transcript.0.role"),
        ({"transcript": []}, 400, "transcript"),
        ({"channel_group_id": 999999}, 404, None),
        ({"triage": {"priority": "whenever"}}, 400, "triage.priority"),
        ({"triage": {"confidence": 1.5}}, 400, "triage.confidence"),
        ({"client": {"external_id": ""}}, 400, "client.external_id"),
    ],
)
def test_bad_handoffs_get_a_clear_error_and_change_nothing_req_ops2(
    bot_client, channel_group, change, status, field
):
    response = bot_client.post(
        "/api/v1/handoffs", _payload(channel_group, **change), content_type="application/json"
    )
    assert response.status_code == status, response.content
    assert response.json()["message"]
    if field:
        details = response.json()["details"]
        fields = {e["field"] for e in details.get("errors", [])} | {details.get("field")}
        assert field in fields
    assert Ticket.objects.count() == 0


def test_the_ticket_page_shows_the_triage_and_transcript_req_ops2(bot_client, channel_group, admin_client):
    ticket_id = bot_client.post(
        "/api/v1/handoffs", _payload(channel_group), content_type="application/json"
    ).json()["ticket_id"]
    page = admin_client.get(f"/tickets/{ticket_id}/").content.decode()
    assert "Triaged by the chatbot" in page
    assert "study_permit_extension" in page and "82 %" in page
    assert "Je peux vous aider" in page  # the transcript, bot turns included
    listing = admin_client.get(f"/api/v1/tickets/{ticket_id}/handoffs").json()
    assert listing[0]["intent"] == "study_permit_extension"
