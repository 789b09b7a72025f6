"""End to end through /webhooks/x, the task worker and the X API simulator on loopback: a mention becomes a
ticket and the agent's reply reaches X as a reply post to the right post; a DM round trip; media fetched and
checked; limits refused before sending; failures retried as X asks (ENV-12, OPS-10, OPS-17)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.connectors.models import InboundEvent, OutboundMessage
from parlons.connectors.services import send_outbound
from parlons.core.errors import Invalid
from parlons.core.worker import run_pending_tasks
from parlons.simulator import x as sim
from parlons.tickets.models import Attachment, Message, Ticket
from parlons.tickets.outbound import ReplyOptions
from parlons.tickets.services import reply
from tests.connectors.x.conftest import TOKEN, XAA_ACCOUNT
from tests.factories import JPEG_BYTES, PDF_BYTES

pytestmark = pytest.mark.django_db
MARIE = sim.user_v2(
    "2222222222222222222", "marie_tremblay", "Marie Tremblay", description="Gatineau", verified=True
)


def mention(post_id="1800000000000000001", text="@ServiceCanada Mon passeport est en retard", **kw):
    return sim.xaa_mention(XAA_ACCOUNT, sim.post_v2(post_id, MARIE["id"], text, **kw), MARIE)


def deliver(post_x, data):
    assert post_x(data).status_code == 200
    run_pending_tasks()


def the_ticket() -> Ticket:
    (ticket,) = Ticket.objects.all()
    return ticket


def test_mention_to_ticket_to_reply_post_with_in_reply_to_req_env12_ops10_ops17(
    post_x, xsim, xaa_group, agent_user
):
    xsim.summoned.add("1800000000000000001")
    deliver(post_x, mention())
    ticket = the_ticket()
    assert (ticket.kind, ticket.conversation_key) == ("mention", "x:post:1800000000000000001")
    incoming = ticket.messages.get()
    assert incoming.permalink == "https://x.com/marie_tremblay/status/1800000000000000001"

    message = reply(
        ticket, "Bonjour Marie, écrivez-nous en message privé avec votre numéro de dossier.", actor=agent_user
    )
    run_pending_tasks()

    (call,) = xsim.posts("^/2/tweets$")
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.json == {
        "text": "Bonjour Marie, écrivez-nous en message privé avec votre numéro de dossier.",
        "reply": {"in_reply_to_tweet_id": "1800000000000000001"},
    }
    message.refresh_from_db()
    assert message.delivery_status == "sent"
    assert message.permalink == f"https://x.com/ServiceCanada/status/{message.external_id}"

    # Marie answers in the same thread: same ticket, and the next reply goes to her latest post.
    deliver(
        post_x,
        mention(
            "1800000000000000009",
            "@ServiceCanada Merci!",
            conversation_id="1800000000000000001",
            reply_to=message.external_id,
        ),
    )
    assert the_ticket().messages.filter(direction="in").count() == 2
    xsim.summoned.add("1800000000000000009")
    reply(ticket, "Avec plaisir!", actor=agent_user)
    run_pending_tasks()
    assert xsim.posts("^/2/tweets$")[-1].json["reply"] == {"in_reply_to_tweet_id": "1800000000000000009"}


def test_reply_to_an_unsummoning_post_is_refused_by_x_and_fails_clearly_req_ops10(
    post_x, xsim, xaa_group, agent_user
):
    xsim.summoned.add("1")  # the simulator enforces the self-serve rule: only summoned posts may be answered
    deliver(post_x, mention())
    message = reply(the_ticket(), "Bonjour", actor=agent_user)
    run_pending_tasks()
    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert "not been mentioned" in message.delivery_error
    assert OutboundMessage.objects.get().error_code == "x_forbidden"


def test_a_reply_over_280_weighted_characters_is_refused_before_sending_req_ops10(
    post_x, xsim, xaa_group, agent_user
):
    deliver(post_x, mention())
    ticket = the_ticket()
    with pytest.raises(Invalid) as exc:
        reply(ticket, "é" * 270 + " https://www.canada.ca/fr/services.html", actor=agent_user)  # 270 + 1 + 23
    assert exc.value.code == "too_long_for_x"
    assert exc.value.details["length"] == 294
    assert Message.objects.filter(direction="out").count() == 0 and OutboundMessage.objects.count() == 0
    # 140 CJK characters weigh 280: accepted.
    reply(ticket, "あ" * 140, actor=agent_user)
    run_pending_tasks()
    assert len(xsim.posts("^/2/tweets$")) == 1


def test_dm_round_trip_req_env12_ops10(post_x, xsim, xaa_group, agent_user):
    dm = sim.legacy_dm("1800000000000000100", MARIE["id"], XAA_ACCOUNT, "Bonjour, mon dossier est le 12345.")
    deliver(post_x, sim.xaa_dm(XAA_ACCOUNT, dm, MARIE))
    ticket = the_ticket()
    assert (ticket.kind, ticket.conversation_key) == ("dm", f"x:dm:{XAA_ACCOUNT}-{MARIE['id']}")
    message = reply(ticket, "Merci, nous vérifions le dossier 12345.", actor=agent_user)
    run_pending_tasks()
    (call,) = xsim.posts("^/2/dm_conversations/")
    assert call.path == f"/2/dm_conversations/with/{MARIE['id']}/messages"
    assert call.json == {"text": "Merci, nous vérifions le dossier 12345."}
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id) == ("sent", xsim.echoes[0]["id"])

    # X echoes the DM we sent to the webhook: ignored, no new message; Marie's answer joins the ticket.
    deliver(post_x, sim.aaa_dm(XAA_ACCOUNT, xsim.echoes[0]))
    assert Message.objects.count() == 2
    answer = sim.legacy_dm("1800000000000000200", MARIE["id"], XAA_ACCOUNT, "Merci!")
    deliver(post_x, sim.aaa_dm(XAA_ACCOUNT, answer))
    assert the_ticket().messages.filter(direction="in").count() == 2


def test_dm_image_is_fetched_with_the_token_and_checked_by_content_req_env12(
    post_x, xsim, xaa_group, agent_user
):
    good = xsim.add_dm_media("photo.jpg", JPEG_BYTES, "image/jpeg")
    fake = xsim.add_dm_media("fake.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
    deliver(
        post_x,
        sim.xaa_dm(
            XAA_ACCOUNT, sim.legacy_dm("501", MARIE["id"], XAA_ACCOUNT, "photo", media_url=good), MARIE
        ),
    )
    deliver(
        post_x,
        sim.xaa_dm(
            XAA_ACCOUNT, sim.legacy_dm("502", MARIE["id"], XAA_ACCOUNT, "autre", media_url=fake), MARIE
        ),
    )
    (attachment,) = Attachment.objects.all()
    assert (attachment.content_type, attachment.message.external_id) == ("image/jpeg", "501")
    other = Message.objects.get(external_id="502")
    assert other.metadata["attachments_unavailable"][0]["reason"] == "file_type_refused"
    downloads = [r for r in xsim.requests if r.path.startswith("/dm-media/")]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in downloads)


def test_reply_with_an_image_uploads_then_posts_media_ids_and_refuses_pdf_req_ops10(
    post_x, xsim, xaa_group, agent_user
):
    from parlons.tickets.files import IncomingFile

    deliver(post_x, mention())
    reply(
        the_ticket(),
        "Voici le formulaire.",
        actor=agent_user,
        options=ReplyOptions(
            attachments=[IncomingFile(filename="a.jpg", data=JPEG_BYTES, declared_type="image/jpeg")]
        ),
    )
    run_pending_tasks()
    (upload,) = xsim.posts("^/2/media/upload$")
    (post,) = xsim.posts("^/2/tweets$")
    assert upload.form["media_category"] == "tweet_image"
    sent = Message.objects.filter(direction="out").get()
    # The simulator numbers what it creates: the upload, then the post; the post carries the upload's id.
    assert post.json["media"]["media_ids"] == [str(int(sent.external_id) - 1)]
    assert upload.form["media"] == JPEG_BYTES
    # A file X would refuse is refused before anything is stored or queued (one reply path, issue 14).
    with pytest.raises(Invalid) as refused:
        reply(
            the_ticket(),
            "PDF",
            actor=agent_user,
            options=ReplyOptions(
                attachments=[IncomingFile(filename="f.pdf", data=PDF_BYTES, declared_type="application/pdf")]
            ),
        )
    assert refused.value.code == "x_media_refused" and "JPEG" in str(refused.value)
    assert not Message.objects.filter(body="PDF").exists() and OutboundMessage.objects.count() == 1


def test_429_waits_for_x_rate_limit_reset_then_sends_once_req_ops10(post_x, xsim, xaa_group, agent_user):
    deliver(post_x, mention())
    xsim.fail_next(429, retry_after="300", path="^/2/tweets$")
    reply(the_ticket(), "Merci!", actor=agent_user)
    before = timezone.now()
    run_pending_tasks()
    outbound = OutboundMessage.objects.get()
    assert (outbound.state, outbound.error_code) == ("queued", "rate_limited")
    wait = (outbound.next_attempt_at - before).total_seconds()
    assert 290 <= wait <= 305
    assert run_pending_tasks() == 0 and xsim.posts() == []
    OutboundMessage.objects.filter(pk=outbound.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert send_outbound(outbound.pk) == "sent"
    assert len(xsim.posts("^/2/tweets$")) == 1


def test_5xx_is_retried_req_ops10(post_x, xsim, xaa_group, agent_user):
    deliver(post_x, mention())
    xsim.fail_next(503, path="^/2/tweets$")
    message = reply(the_ticket(), "Merci!", actor=agent_user)
    run_pending_tasks()
    outbound = OutboundMessage.objects.get()
    assert outbound.state == "queued"
    assert send_outbound(outbound.pk) == "sent"
    message.refresh_from_db()
    assert message.delivery_status == "sent"
    assert [r.status for r in xsim.requests if r.path == "/2/tweets"] == [503, 201]


def test_duplicate_mention_makes_one_message_req_env12(post_x, xaa_group):
    post_x(mention())
    post_x(mention())
    run_pending_tasks()
    assert Message.objects.count() == 1 and InboundEvent.objects.count() == 1


def test_legacy_reply_without_conversation_id_continues_the_thread_req_env12(
    post_x, xsim, xaa_group, agent_user
):
    # Account Activity API tweets have no conversation id: a reply to our reply post joins the same ticket.
    deliver(post_x, mention())
    message = reply(the_ticket(), "Bonjour!", actor=agent_user)
    run_pending_tasks()
    message.refresh_from_db()
    legacy = sim.aaa_tweet(
        XAA_ACCOUNT,
        "1800000000000000777",
        MARIE["id"],
        "marie_tremblay",
        "Marie Tremblay",
        "@ServiceCanada toujours rien",
        in_reply_to=message.external_id,
    )
    deliver(post_x, legacy)
    ticket = the_ticket()
    assert ticket.messages.filter(direction="in").count() == 2
    answer = ticket.messages.get(external_id="1800000000000000777")
    assert answer.parent == message
    # A reply post by the account itself (its own echo) is ignored.
    own = sim.aaa_tweet(XAA_ACCOUNT, "1800000000000000778", XAA_ACCOUNT, "ServiceCanada", "SC", "echo")
    deliver(post_x, own)
    assert Message.objects.count() == 3


def test_post_photo_is_downloaded_without_token_and_kept_req_env12(post_x, xsim, xaa_group):
    url = xsim.add_cdn_file("photo.jpg", JPEG_BYTES, "image/jpeg")
    post = sim.post_v2("1800000000000000301", MARIE["id"], "@ServiceCanada voici la lettre")
    post["attachments"] = {"media_keys": ["3_42"]}
    media = [{"media_key": "3_42", "type": "photo", "url": url}]
    deliver(post_x, sim.xaa_mention(XAA_ACCOUNT, post, MARIE, media=media))
    (attachment,) = Attachment.objects.all()
    assert (attachment.content_type, attachment.message.external_id) == ("image/jpeg", "1800000000000000301")
    (download,) = [r for r in xsim.requests if r.path == "/cdn/photo.jpg"]
    assert "authorization" not in download.headers  # public post media: no token sent


def test_a_mention_can_be_answered_by_direct_message_req_env12_ops10(
    client, post_x, xsim, xaa_group, agent_user
):
    """The composer offers a reply post or a DM on a mention; the DM goes to the person, not as a post, and
    a DM longer than 280 characters is fine."""
    deliver(post_x, mention("1800000000000000077"))
    ticket = the_ticket()
    client.force_login(agent_user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "By direct message" in page
    long_text = "Bonjour Marie, " + "voici les détails de votre dossier. " * 10
    response = client.post(
        f"/tickets/{ticket.pk}/compose/", {"mode": "reply", "body": long_text, "reply_via": "private"}
    )
    assert response.status_code == 302
    run_pending_tasks()
    assert xsim.posts("^/2/tweets$") == []
    (call,) = xsim.posts("^/2/dm_conversations/")
    assert call.path == f"/2/dm_conversations/with/{MARIE['id']}/messages"
    assert call.json["text"] == long_text.strip()
    assert Message.objects.get(direction="out").delivery_status == "sent"
