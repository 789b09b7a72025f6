"""End to end through the real HTTP endpoint, the task worker and the Graph API simulator on loopback: a
delivery becomes a ticket, an agent's reply reaches the platform exactly once, media is fetched and stored,
statuses update our replies, and failures are retried as the platform asks (ENV-10, ENV-11, ENV-6, OPS-9,
OPS-10, OPS-11, OPS-15, OPS-17)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.connectors.models import InboundEvent, OutboundMessage
from parlons.connectors.services import send_outbound
from parlons.core.worker import run_pending_tasks
from parlons.simulator import traffic
from parlons.tickets.models import Attachment, Message, Ticket, TicketEvent
from parlons.tickets.outbound import ReplyOptions
from parlons.tickets.services import reply
from tests.connectors.meta.conftest import MESSENGER_PAGE_ID, PAGE_ID, TOKEN, WA_PHONE_ID
from tests.factories import JPEG_BYTES, PDF_BYTES

pytestmark = pytest.mark.django_db
POST_ID = f"{PAGE_ID}_777"
COMMENT_ID = "777_1001"


def comment(
    message="Combien de temps pour un passeport?", *, verb="add", comment_id=COMMENT_ID, user="5550001"
):
    return traffic.page_comment(PAGE_ID, POST_ID, comment_id, user, "Marie Tremblay", message, verb=verb)


def wa_text(body="Bonjour, j'ai une question.", wamid="wamid.IN1"):
    return traffic.whatsapp_message(WA_PHONE_ID, "16135550101", "Émilie Gagnon", wamid, "text", body=body)


def deliver(post_delivery, data, expected=200):
    response = post_delivery(data)
    assert response.status_code == expected
    run_pending_tasks()
    return response


def the_ticket() -> Ticket:
    (ticket,) = Ticket.objects.all()
    return ticket


def test_comment_in_ticket_reply_posts_the_exact_graph_call_req_env10_ops10_ops17(
    post_delivery, graph, fb_group, agent_user
):
    deliver(post_delivery, comment())
    ticket = the_ticket()
    assert (ticket.kind, ticket.channel_group, ticket.conversation_key) == (
        "comment",
        fb_group,
        f"facebook:{POST_ID}:5550001",
    )
    (incoming,) = ticket.messages.all()
    assert incoming.permalink == f"https://www.facebook.com/{POST_ID}?comment_id=1001"

    message = reply(ticket, "Bonjour Marie, les délais sont de 10 jours ouvrables.", actor=agent_user)
    run_pending_tasks()

    (call,) = graph.posts("/comments$")
    assert (call.method, call.path) == ("POST", f"/v23.0/{COMMENT_ID}/comments")
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.form == {"message": "Bonjour Marie, les délais sont de 10 jours ouvrables."}
    message.refresh_from_db()
    assert message.delivery_status == "sent"
    assert message.external_id.startswith("777_")
    assert message.permalink.startswith(f"https://www.facebook.com/{POST_ID}?comment_id=")

    # The page's own reply comes back through the feed webhook: filtered out, no new ticket or message.
    deliver(post_delivery, traffic.page_comment(PAGE_ID, POST_ID, message.external_id, PAGE_ID, "Page", "x"))
    assert Message.objects.count() == 2 and Ticket.objects.count() == 1


def test_one_ticket_per_commenter_per_post_req_env10(post_delivery, fb_group):
    deliver(post_delivery, comment("First", comment_id="777_1"))
    deliver(post_delivery, comment("Second", comment_id="777_2"))
    deliver(post_delivery, comment("Other person", comment_id="777_3", user="5550002"))
    assert Ticket.objects.count() == 2
    assert sorted(Ticket.objects.values_list("conversation_key", flat=True)) == [
        f"facebook:{POST_ID}:5550001",
        f"facebook:{POST_ID}:5550002",
    ]


def test_comment_edits_and_removals_are_kept_in_history(post_delivery, fb_group):
    deliver(post_delivery, comment("Original text"))
    deliver(post_delivery, comment("Edited text", verb="edited"))
    message = Message.objects.get()
    assert message.body == "Edited text"
    assert message.metadata["edits"][0]["body"] == "Original text"
    deliver(post_delivery, comment("", verb="remove"))
    message.refresh_from_db()
    assert message.deleted_at is not None
    kinds = list(TicketEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["message.edited", "message.deleted"]


def test_a_comment_hidden_on_facebook_is_marked_hidden_req_ops15(post_delivery, fb_group):
    deliver(post_delivery, comment("Achetez des abonnés pas chers!!!"))
    deliver(post_delivery, comment("Achetez des abonnés pas chers!!!", verb="hide"))
    assert Message.objects.get().metadata["hidden"] is True
    assert TicketEvent.objects.filter(kind="message.hidden").count() == 1


def test_messenger_message_reply_and_receipts_req_env10_ops10(
    post_delivery, graph, messenger_group, agent_user
):
    deliver(post_delivery, traffic.messenger_message(MESSENGER_PAGE_ID, "psid-42", "m_in_1", "Bonjour!"))
    ticket = the_ticket()
    message = reply(ticket, "Bonjour, comment puis-je vous aider?", actor=agent_user)
    run_pending_tasks()
    (call,) = graph.posts(f"/{MESSENGER_PAGE_ID}/messages$")
    assert call.json == {
        "recipient": {"id": "psid-42"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Bonjour, comment puis-je vous aider?"},
    }
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id) == ("sent", "m_SIM00000001")

    receipt = {
        "sender": {"id": "psid-42"},
        "recipient": {"id": MESSENGER_PAGE_ID},
        "delivery": {"mids": ["m_SIM00000001"], "watermark": int(time.time() * 1000)},
    }
    deliver(
        post_delivery,
        {"object": "page", "entry": [{"id": MESSENGER_PAGE_ID, "time": 1, "messaging": [receipt]}]},
    )
    message.refresh_from_db()
    assert message.delivery_status == "delivered"
    read = {
        "sender": {"id": "psid-42"},
        "recipient": {"id": MESSENGER_PAGE_ID},
        "read": {"watermark": int(time.time() * 1000) + 1000},
    }
    deliver(
        post_delivery,
        {"object": "page", "entry": [{"id": MESSENGER_PAGE_ID, "time": 2, "messaging": [read]}]},
    )
    message.refresh_from_db()
    assert message.delivery_status == "read"

    # The echo of our own reply is not stored twice; a reply typed in Meta's inbox is kept in the history.
    echo = traffic.messenger_message(
        MESSENGER_PAGE_ID, MESSENGER_PAGE_ID, "m_SIM00000001", "Bonjour, comment…"
    )
    echo["entry"][0]["messaging"][0].update(recipient={"id": "psid-42"})
    echo["entry"][0]["messaging"][0]["message"]["is_echo"] = True
    deliver(post_delivery, echo)
    assert ticket.messages.count() == 2
    echo["entry"][0]["messaging"][0]["message"].update(
        mid="m_from_inbox", text="Réponse depuis Meta Business Suite"
    )
    deliver(post_delivery, echo)
    other = ticket.messages.get(external_id="m_from_inbox")
    assert (other.direction, other.metadata["echo"], other.delivery_status) == ("out", True, "sent")


def test_messenger_image_and_pdf_are_fetched_and_stored_req_env6_ops11(post_delivery, graph, messenger_group):
    image = graph.add_cdn_file("photo.jpg", JPEG_BYTES, "image/jpeg")
    pdf = graph.add_cdn_file("lettre.pdf", PDF_BYTES, "application/pdf")
    attachments = [{"type": "image", "payload": {"url": image}}, {"type": "file", "payload": {"url": pdf}}]
    deliver(
        post_delivery,
        traffic.messenger_message(MESSENGER_PAGE_ID, "psid-7", "m_in_2", attachments=attachments),
    )
    stored = {a.content_type: a for a in Attachment.objects.all()}
    assert set(stored) == {"image/jpeg", "application/pdf"}
    assert stored["image/jpeg"].file.read() == JPEG_BYTES


def test_whatsapp_image_is_fetched_with_the_token_and_stored_req_env11_env6_ops11(
    post_delivery, graph, wa_group
):
    graph.add_media("55501", JPEG_BYTES, "image/jpeg")
    data = traffic.whatsapp_message(
        WA_PHONE_ID,
        "16135550101",
        "Émilie",
        "wamid.IMG",
        "image",
        id="55501",
        mime_type="image/jpeg",
        caption="Ma lettre",
    )
    deliver(post_delivery, data)
    message = Message.objects.get()
    assert message.body == "Ma lettre"
    (attachment,) = message.attachments.all()
    assert (attachment.content_type, attachment.size) == ("image/jpeg", len(JPEG_BYTES))
    assert attachment.file.read() == JPEG_BYTES
    paths = [(r.method, r.path, r.headers.get("authorization")) for r in graph.requests]
    assert paths == [
        ("GET", "/v23.0/55501", f"Bearer {TOKEN}"),
        ("GET", "/media-download/55501", f"Bearer {TOKEN}"),
    ]


def test_whatsapp_pdf_document_is_stored_req_env11_env6(post_delivery, graph, wa_group):
    graph.add_media("55502", PDF_BYTES, "application/pdf")
    data = traffic.whatsapp_message(
        WA_PHONE_ID,
        "16135550101",
        "Émilie",
        "wamid.DOC",
        "document",
        id="55502",
        mime_type="application/pdf",
        filename="formulaire.pdf",
    )
    deliver(post_delivery, data)
    (attachment,) = Attachment.objects.all()
    assert (attachment.filename, attachment.content_type) == ("formulaire.pdf", "application/pdf")


def test_whatsapp_media_that_fails_then_recovers_is_fetched(post_delivery, graph, wa_group):
    graph.add_media("55503", JPEG_BYTES, "image/jpeg")
    graph.fail_next(500, path="^/media-download/")
    data = traffic.whatsapp_message(
        WA_PHONE_ID, "16135550101", "Émilie", "wamid.IMG3", "image", id="55503", mime_type="image/jpeg"
    )
    deliver(post_delivery, data)
    assert Attachment.objects.count() == 1


def test_whatsapp_reply_and_statuses_never_move_backwards_req_env11_ops10(
    post_delivery, graph, wa_group, agent_user
):
    deliver(post_delivery, wa_text())
    message = reply(the_ticket(), "Bonjour Émilie, voici la réponse.", actor=agent_user)
    run_pending_tasks()
    (call,) = graph.posts(f"/{WA_PHONE_ID}/messages$")
    assert call.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16135550101",
        "context": {"message_id": "wamid.IN1"},
        "type": "text",
        "text": {"body": "Bonjour Émilie, voici la réponse.", "preview_url": False},
    }
    message.refresh_from_db()
    wamid = message.external_id
    assert wamid.startswith("wamid.SIM")
    for status, expected in (
        ("delivered", "delivered"),
        ("sent", "delivered"),
        ("read", "read"),
        ("delivered", "read"),
    ):
        deliver(post_delivery, traffic.whatsapp_status(WA_PHONE_ID, wamid, status, "16135550101"))
        message.refresh_from_db()
        assert message.delivery_status == expected
    assert TicketEvent.objects.filter(kind="message.delivery_changed").count() == 2


def test_whatsapp_failed_status_marks_the_reply_failed(post_delivery, graph, wa_group, agent_user):
    deliver(post_delivery, wa_text())
    message = reply(the_ticket(), "Réponse", actor=agent_user)
    run_pending_tasks()
    message.refresh_from_db()
    errors = [{"code": 131047, "title": "Re-engagement message"}]
    deliver(
        post_delivery,
        traffic.whatsapp_status(WA_PHONE_ID, message.external_id, "failed", "16135550101", errors),
    )
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == ("failed", "Re-engagement message")


def test_whatsapp_attachment_reply_uploads_then_sends_req_env11_env6(
    post_delivery, graph, wa_group, agent_user
):
    from parlons.tickets.files import IncomingFile

    deliver(post_delivery, wa_text())
    reply(
        the_ticket(),
        "",
        actor=agent_user,
        options=ReplyOptions(attachments=[IncomingFile("guide.pdf", PDF_BYTES)]),
    )
    run_pending_tasks()
    upload, send = graph.posts(f"/{WA_PHONE_ID}/")
    assert upload.path == f"/v23.0/{WA_PHONE_ID}/media"
    assert upload.form["file"] == PDF_BYTES
    assert send.json["type"] == "document"
    assert send.json["document"]["filename"] == "guide.pdf"


def test_a_reply_outside_the_24_hour_window_fails_clearly_req_env11(
    post_delivery, graph, wa_group, agent_user
):
    deliver(post_delivery, wa_text())
    # Accepted inside the window (a reply outside it is refused before it is queued: test_reply_rules.py),
    # then sent after it: the connector's own check at send time refuses it.
    message = reply(the_ticket(), "Trop tard?", actor=agent_user)
    Message.objects.filter(direction="in").update(created_at=timezone.now() - timedelta(hours=25))
    run_pending_tasks()
    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert "24 hours" in message.delivery_error
    assert OutboundMessage.objects.get().error_code == "outside_window"
    assert graph.posts() == []


def test_send_fails_with_500_then_succeeds_posts_once_req_ops10(post_delivery, graph, fb_group, agent_user):
    deliver(post_delivery, comment())
    graph.fail_next(500)
    message = reply(the_ticket(), "Merci!", actor=agent_user)
    run_pending_tasks()
    outbound = OutboundMessage.objects.get()
    assert (outbound.state, outbound.attempts, outbound.error_code) == ("queued", 1, "platform_unavailable")
    assert send_outbound(outbound.pk) == "sent"
    assert send_outbound(outbound.pk) == "sent"  # a late duplicate task changes nothing
    assert len(graph.posts("/comments$")) == 1
    assert [r.status for r in graph.requests] == [500, 200]
    message.refresh_from_db()
    assert message.delivery_status == "sent"


def test_429_retry_after_is_respected_req_ops10(post_delivery, graph, fb_group, agent_user):
    deliver(post_delivery, comment())
    graph.fail_next(429, retry_after="120")
    reply(the_ticket(), "Merci!", actor=agent_user)
    before = timezone.now()
    run_pending_tasks()
    outbound = OutboundMessage.objects.get()
    assert (outbound.state, outbound.error_code) == ("queued", "rate_limited")
    wait = (outbound.next_attempt_at - before).total_seconds()
    assert 115 <= wait <= 125
    assert run_pending_tasks() == 0  # not before its time
    assert graph.posts() == []


def test_a_refused_send_fails_at_once(post_delivery, graph, fb_group, agent_user):
    deliver(post_delivery, comment())
    graph.fail_next(400)
    message = reply(the_ticket(), "Merci!", actor=agent_user)
    run_pending_tasks()
    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert OutboundMessage.objects.get().attempts == 1


def test_duplicate_delivery_makes_one_message_req_ops9(post_delivery, wa_group):
    post_delivery(wa_text())
    post_delivery(wa_text())
    run_pending_tasks()
    deliver(post_delivery, wa_text())
    assert Message.objects.count() == 1
    assert InboundEvent.objects.count() == 1


def test_whatsapp_reaction_is_a_readable_event(post_delivery, wa_group):
    deliver(post_delivery, wa_text())
    reaction = traffic.whatsapp_message(
        WA_PHONE_ID, "16135550101", "Émilie", "wamid.R1", "reaction", message_id="wamid.IN1", emoji="👍"
    )
    deliver(post_delivery, reaction)
    event = TicketEvent.objects.get(kind="message.reaction")
    assert (event.data["emoji"], event.data["action"]) == ("👍", "react")


def test_the_simulator_traffic_generator_end_to_end(live_server, graph, settings, db):
    from tests.connectors.meta.conftest import SECRET, _group

    gen = traffic.Traffic(page_id="900001", phone_id="900002", graph=graph, seed=7)
    _group("facebook", gen.page_id, "FB", page_token=TOKEN)
    _group("messenger", gen.page_id, "Messenger", page_token=TOKEN)
    _group("whatsapp", gen.phone_id, "WA", access_token=TOKEN)
    statuses, _seconds = gen.run(f"{live_server.url}/webhooks/meta", SECRET, count=15, duplicates=0.3)
    assert set(statuses) == {200}
    run_pending_tasks()
    assert InboundEvent.objects.filter(state="failed").count() == 0
    assert Message.objects.count() == 15


@pytest.mark.django_db(transaction=True)
def test_media_is_downloaded_outside_any_database_transaction(post_delivery, graph, wa_group, monkeypatch):
    """A slow platform must never hold the database (SQLite takes its write lock at BEGIN)."""
    from django.db import connection

    from parlons.connectors.meta.graph import GraphClient

    seen = []
    original = GraphClient.download

    def spy(self, *args, **kwargs):
        seen.append(connection.in_atomic_block)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(GraphClient, "download", spy)
    graph.add_media("55509", JPEG_BYTES, "image/jpeg")
    data = traffic.whatsapp_message(
        WA_PHONE_ID, "16135550101", "Émilie", "wamid.IMG9", "image", id="55509", mime_type="image/jpeg"
    )
    deliver(post_delivery, data)
    assert seen == [False]
    assert Attachment.objects.count() == 1


def test_an_echo_stored_before_the_send_result_is_not_a_second_message(
    post_delivery, graph, messenger_group, agent_user
):
    from parlons.connectors.services import process_inbound

    deliver(post_delivery, traffic.messenger_message(MESSENGER_PAGE_ID, "psid-9", "m_in_9", "Allô?"))
    ticket = the_ticket()
    message = reply(ticket, "Oui, bonjour!", actor=agent_user)
    echo = traffic.messenger_message(MESSENGER_PAGE_ID, MESSENGER_PAGE_ID, "m_SIM00000001", "Oui, bonjour!")
    echo["entry"][0]["messaging"][0].update(recipient={"id": "psid-9"})
    echo["entry"][0]["messaging"][0]["message"]["is_echo"] = True
    assert post_delivery(echo).status_code == 200
    process_inbound(InboundEvent.objects.get(external_id="message:m_SIM00000001").pk)
    assert ticket.messages.count() == 3  # the echo arrived first
    send_outbound(OutboundMessage.objects.get().pk)
    message.refresh_from_db()
    assert (message.external_id, message.delivery_status) == ("m_SIM00000001", "sent")
    assert ticket.messages.count() == 2


def test_the_public_profile_is_fetched_once_req_ops1(post_delivery, graph, messenger_group):
    from parlons.tickets.models import ContactIdentity

    graph.profiles["psid-55"] = {
        "first_name": "Noémie",
        "last_name": "Bélanger",
        "profile_pic": "https://x.test/a.jpg",
    }
    deliver(post_delivery, traffic.messenger_message(MESSENGER_PAGE_ID, "psid-55", "m_p1", "Bonjour"))
    deliver(post_delivery, traffic.messenger_message(MESSENGER_PAGE_ID, "psid-55", "m_p2", "Encore moi"))
    identity = ContactIdentity.objects.get(platform="messenger", external_id="psid-55")
    assert (identity.display_name, identity.avatar_url, identity.contact.name) == (
        "Noémie Bélanger",
        "https://x.test/a.jpg",
        "Noémie Bélanger",
    )
    assert identity.profile["first_name"] == "Noémie"
    (call,) = [r for r in graph.requests if r.path == "/v23.0/psid-55"]
    assert call.query == {"fields": "first_name,last_name,profile_pic"}


def test_an_agent_hides_a_spam_comment_on_facebook_req_ops15(
    post_delivery, graph, fb_group, agent_user, reader_user
):
    from parlons.core.errors import Forbidden, Invalid
    from parlons.tickets.services import set_comment_hidden

    deliver(post_delivery, comment("Achetez des abonnés pas chers!!!"))
    message = Message.objects.get()
    with pytest.raises(Forbidden):
        set_comment_hidden(message, True, actor=reader_user)
    set_comment_hidden(message, True, actor=agent_user)
    (call,) = graph.posts(f"/{COMMENT_ID}$")
    assert call.form == {"is_hidden": "true"}
    message.refresh_from_db()
    assert message.metadata["hidden"] is True
    event = TicketEvent.objects.get(kind="message.hidden")
    assert event.actor == agent_user
    graph.fail_next(400)
    with pytest.raises(Invalid):
        set_comment_hidden(message, False, actor=agent_user)
    message.refresh_from_db()
    assert message.metadata["hidden"] is True
