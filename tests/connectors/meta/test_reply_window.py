"""Replying within the platforms' rules, through the composer, the worker and the Graph API simulator: the
24-hour window shown and enforced, the human-agent tag within 7 days, WhatsApp templates outside the window,
private replies to comments (once, within 7 days), and the agent's "try again" on a failed reply
(ENV-10, ENV-11, OPS-10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.connectors.models import OutboundMessage
from parlons.connectors.window import reply_choices
from parlons.core.crypto import encrypt_json
from parlons.core.worker import run_pending_tasks
from parlons.simulator import traffic
from parlons.tickets.models import Message, Ticket, TicketEvent
from parlons.tickets.services import reply
from tests.connectors.meta.conftest import MESSENGER_PAGE_ID, PAGE_ID, TOKEN, WA_PHONE_ID

pytestmark = pytest.mark.django_db
COMMENT_ID = "777_2002"


def deliver(post_delivery, data):
    assert post_delivery(data).status_code == 200
    run_pending_tasks()
    return Ticket.objects.get()


def age_inbound(hours: float):
    Message.objects.filter(direction="in").update(created_at=timezone.now() - timedelta(hours=hours))


def compose(client, ticket, **fields):
    return client.post(f"/tickets/{ticket.pk}/compose/", {"mode": "reply", **fields})


def test_the_composer_shows_when_the_window_closes_req_env10(
    client, agent_user, post_delivery, graph, messenger_group
):
    ticket = deliver(post_delivery, traffic.messenger_message(MESSENGER_PAGE_ID, "psid-1", "m_1", "Allô?"))
    client.force_login(agent_user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Replies are accepted until" in page and "human_agent" not in page
    age_inbound(30)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "The 24-hour reply window is closed." in page
    assert 'name="human_agent"' in page  # within 7 days: the tag is offered
    age_inbound(24 * 8)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'name="human_agent"' not in page and "Wait for the client to write again" in page


def test_a_human_agent_tagged_reply_goes_out_after_24_hours_req_env10_ops10(
    client, agent_user, post_delivery, graph, messenger_group
):
    ticket = deliver(post_delivery, traffic.messenger_message(MESSENGER_PAGE_ID, "psid-2", "m_2", "Bonjour"))
    age_inbound(30)
    client.force_login(agent_user)
    response = compose(client, ticket, body="Désolée du délai, voici la réponse.", human_agent="1")
    assert response.status_code == 302
    run_pending_tasks()
    (call,) = graph.posts(f"/{MESSENGER_PAGE_ID}/messages$")
    assert call.json == {
        "recipient": {"id": "psid-2"},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Désolée du délai, voici la réponse."},
    }
    assert Message.objects.get(direction="out").delivery_status == "sent"


def test_the_human_agent_tag_is_refused_after_7_days_req_env10(
    client, agent_user, post_delivery, graph, messenger_group
):
    ticket = deliver(post_delivery, traffic.messenger_message(MESSENGER_PAGE_ID, "psid-3", "m_3", "Bonjour"))
    age_inbound(24 * 8)
    client.force_login(agent_user)
    response = compose(client, ticket, body="Trop tard", human_agent="1")
    assert response.status_code == 400
    assert "within 7 days" in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()


@pytest.fixture
def wa_waba(wa_group):
    wa_group.credentials_encrypted = encrypt_json({"access_token": TOKEN, "waba_id": "waba-77"})
    wa_group.save()
    return wa_group


def test_whatsapp_offers_approved_templates_outside_the_window_and_sends_one_req_env11(
    client, agent_user, post_delivery, graph, wa_waba
):
    ticket = deliver(
        post_delivery,
        traffic.whatsapp_message(WA_PHONE_ID, "16135550101", "Émilie", "wamid.IN9", "text", body="Allô"),
    )
    age_inbound(26)
    options = reply_choices(ticket)
    assert [t["name"] for t in options.templates] == ["suivi_demande", "request_follow_up"]  # approved only
    client.force_login(agent_user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Send an approved template instead" in page and "suivi_demande" in page
    # Values missing: a clear error, nothing sent.
    response = compose(client, ticket, body="", template="suivi_demande|fr_CA", template_param=["Émilie"])
    assert response.status_code == 400 and not Message.objects.filter(direction="out").exists()
    response = compose(
        client, ticket, body="", template="suivi_demande|fr_CA", template_param=["Émilie", "A-123", ""]
    )
    assert response.status_code == 302
    run_pending_tasks()
    (call,) = graph.posts(f"/{WA_PHONE_ID}/messages$")
    assert call.json["type"] == "template"
    assert call.json["template"] == {
        "name": "suivi_demande",
        "language": {"code": "fr_CA"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Émilie"}, {"type": "text", "text": "A-123"}],
            }
        ],
    }
    sent = Message.objects.get(direction="out")
    assert sent.body == "Bonjour Émilie, nous avons une réponse à votre demande A-123."
    assert sent.delivery_status == "sent"


def test_a_free_form_whatsapp_reply_outside_the_window_is_still_refused_req_env11(
    client, agent_user, post_delivery, graph, wa_waba
):
    ticket = deliver(
        post_delivery,
        traffic.whatsapp_message(WA_PHONE_ID, "16135550101", "Émilie", "wamid.IN8", "text", body="Allô"),
    )
    client.force_login(agent_user)
    # Accepted inside the window (outside it the composer refuses it: test_reply_rules.py), sent after it.
    compose(client, ticket, body="Un message libre")
    age_inbound(26)
    run_pending_tasks()
    assert graph.posts(f"/{WA_PHONE_ID}/messages$") == []
    assert OutboundMessage.objects.get().error_code == "outside_window"


def _comment(comment_id=COMMENT_ID):
    return traffic.page_comment(
        PAGE_ID, f"{PAGE_ID}_777", comment_id, "5550009", "Marie Tremblay", "Et mon dossier?"
    )


def test_a_private_reply_to_a_comment_goes_by_direct_message_once_req_env10_ops10(
    client, agent_user, post_delivery, graph, fb_group
):
    ticket = deliver(post_delivery, _comment())
    client.force_login(agent_user)
    assert 'value="private"' in client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert compose(client, ticket, body="Je vous écris en privé.", reply_via="private").status_code == 302
    run_pending_tasks()
    (call,) = graph.posts(f"/{PAGE_ID}/messages$")
    assert call.json == {
        "recipient": {"comment_id": COMMENT_ID},
        "message": {"text": "Je vous écris en privé."},
    }
    assert graph.posts("/comments$") == []  # nothing public
    # Only once per comment: the option is gone and a second try is refused.
    assert 'value="private"' not in client.get(f"/tickets/{ticket.pk}/").content.decode()
    response = compose(client, ticket, body="Encore?", reply_via="private")
    assert response.status_code == 400 and "once" in response.content.decode()


def test_no_private_reply_after_7_days_req_env10(client, agent_user, post_delivery, graph, fb_group):
    ticket = deliver(post_delivery, _comment("777_3003"))
    age_inbound(24 * 8)
    assert reply_choices(ticket).private_reply_to is None
    client.force_login(agent_user)
    assert compose(client, ticket, body="Bonjour", reply_via="private").status_code == 400


def test_a_failed_reply_can_be_tried_again_and_posts_once_req_ops10(
    client, agent_user, post_delivery, graph, fb_group
):
    ticket = deliver(post_delivery, _comment("777_4004"))
    graph.fail_next(400, path="/comments$")  # refused: not retryable, the reply fails at once
    message = reply(ticket, "Voici la réponse.", actor=agent_user)
    run_pending_tasks()
    message.refresh_from_db()
    assert message.delivery_status == "failed"
    client.force_login(agent_user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Try sending again" in page
    response = client.post(f"/tickets/{ticket.pk}/messages/{message.pk}/retry/")
    assert response.status_code == 302
    run_pending_tasks()
    message.refresh_from_db()
    assert message.delivery_status == "sent" and message.delivery_error == ""
    assert len(graph.posts("/comments$")) == 1  # the refused call made nothing; the retry made one comment
    outbound = OutboundMessage.objects.get()
    assert outbound.state == "sent"
    assert TicketEvent.objects.filter(ticket=ticket, kind="reply.retried").count() == 1
    # A reply that did not fail cannot be "retried".
    again = client.post(f"/tickets/{ticket.pk}/messages/{message.pk}/retry/", follow=True)
    assert "Only a reply that failed can be sent again." in again.content.decode()


def test_retry_needs_publish_permission_req_adm4(
    client, reader_user, agent_user, post_delivery, graph, fb_group
):
    ticket = deliver(post_delivery, _comment("777_5005"))
    graph.fail_next(400, path="/comments$")
    message = reply(ticket, "Réponse", actor=agent_user)
    run_pending_tasks()
    client.force_login(reader_user)
    assert client.post(f"/tickets/{ticket.pk}/messages/{message.pk}/retry/").status_code == 403
    message.refresh_from_db()
    assert message.delivery_status == "failed"
