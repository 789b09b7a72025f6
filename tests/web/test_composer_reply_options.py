"""The composer's fields become ``ReplyOptions`` for the one reply path (issue 14 item 1): send and set a
status, answer an X mention by direct message; refusals are the platform's, shown in the user's language
(OPS-4, OPS-19, ENV-12, UI-6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from parlons.tickets.models import Message, TicketEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(client, agent_user):
    client.force_login(agent_user)
    return client


def compose(client, ticket, **fields):
    return client.post(f"/tickets/{ticket.pk}/compose/", {"mode": "reply", **fields})


def test_the_composer_offers_a_status_after_the_reply_req_ops19(agent, ticket):
    page = agent.get(f"/tickets/{ticket.pk}/").content.decode()
    assert '<select name="status_after" id="composer-status-after">' in page
    assert '<label for="composer-status-after">After the reply, set the status to</label>' in page


def test_send_and_set_pending_from_the_composer_req_ops4_ops19(agent, ticket):
    response = compose(agent, ticket, body="Envoyez-nous le formulaire.", status_after="pending")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "pending"
    kinds = list(TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", "data"))
    assert kinds[-2:] == [
        ("reply.sent", {"message": ticket.messages.get(direction="out").pk, "attachments": 0}),
        ("ticket.status_changed", {"from": "new", "to": "pending"}),
    ]


def test_a_note_ignores_the_status_after_field(agent, ticket):
    assert compose(agent, ticket, mode="note", body="Pour nous", status_after="resolved").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_answering_an_x_mention_privately_sends_a_direct_message_req_env12(agent):
    group = factories.ChannelGroupFactory(platform="x")
    ticket = factories.ingest(group, kind="mention").ticket
    too_long_for_a_post = "é" * 300
    assert compose(agent, ticket, body=too_long_for_a_post, reply_via="private").status_code == 302
    assert Message.objects.get(direction="out").metadata == {"x_dm": True}


def test_the_window_refusal_is_shown_in_french_req_env10_ui6(agent, agent_user):
    agent_user.language = "fr"
    agent_user.save(update_fields=["language"])
    group = factories.ChannelGroupFactory(platform="whatsapp")
    ticket = factories.ingest(group, created_at=timezone.now() - timedelta(hours=26)).ticket
    response = compose(agent, ticket, body="Un message libre")
    assert response.status_code == 400
    assert escape("WhatsApp ne livre plus qu'un modèle approuvé.") in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()
