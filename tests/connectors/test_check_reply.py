"""Each connector's ``check_reply``: the platform's rules for a reply, reached through the seam the ticket
services use (``parlons.tickets.outbound.check_reply``): the metadata its sender reads, or a refusal with a
stable code (ENV-10, ENV-11, ENV-12, OPS-10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.core.crypto import encrypt_json
from parlons.core.errors import Invalid
from parlons.simulator.graph import GraphSimulator
from parlons.tickets.files import IncomingFile
from parlons.tickets.models import Message
from parlons.tickets.outbound import CheckedReply, ReplyOptions, Template, check_reply
from parlons.tickets.services import reply
from tests import factories

pytestmark = pytest.mark.django_db
TOKEN = "sim-token-123"


def ticket_on(platform: str, *, hours_ago: float = 0, kind: str = "message", **creds):
    group = factories.ChannelGroupFactory(platform=platform, credentials_encrypted=encrypt_json(creds))
    at = timezone.now() - timedelta(hours=hours_ago)
    return factories.ingest(group, kind=kind, created_at=at).ticket


def refused(ticket, options: ReplyOptions, body: str = "Bonjour") -> str:
    with pytest.raises(Invalid) as exc:
        check_reply(ticket, body, options)
    return exc.value.code


@pytest.mark.parametrize("platform", ["messenger", "instagram"])
def test_messenger_and_instagram_dms_window_then_human_agent_tag_req_env10_ops10(platform):
    ticket = ticket_on(platform, hours_ago=1)
    assert check_reply(ticket, "Bonjour", ReplyOptions()) == CheckedReply("Bonjour", {})
    assert refused(ticket, ReplyOptions(human_agent=True)) == "human_agent_unavailable"  # window still open
    Message.objects.update(created_at=timezone.now() - timedelta(hours=30))
    assert refused(ticket, ReplyOptions()) == "outside_window"
    tagged = check_reply(ticket, "Bonjour", ReplyOptions(human_agent=True))
    assert tagged.metadata == {"messaging_tag": "HUMAN_AGENT"}
    Message.objects.update(created_at=timezone.now() - timedelta(days=8))
    assert refused(ticket, ReplyOptions(human_agent=True)) == "human_agent_unavailable"
    assert refused(ticket, ReplyOptions(private_reply=True)) == "private_reply_unavailable"
    assert refused(ticket, ReplyOptions(template=Template("t", "fr"))) == "template_unavailable"


def test_the_window_refusal_says_what_is_still_possible_req_env10_env11():
    messenger = ticket_on("messenger", hours_ago=30)
    with pytest.raises(Invalid) as exc:
        check_reply(messenger, "Bonjour", ReplyOptions())
    assert "human-agent tag" in exc.value.message
    assert exc.value.details["closed_at"]
    whatsapp = ticket_on("whatsapp", hours_ago=30)
    with pytest.raises(Invalid) as exc:
        check_reply(whatsapp, "Bonjour", ReplyOptions())
    assert "approved template" in exc.value.message


@pytest.fixture
def graph(settings):
    with GraphSimulator(token=TOKEN) as sim:
        settings.PARLONS_META_GRAPH_URL = sim.graph_url
        settings.PARLONS_META_TIMEOUT_SECONDS = 5
        yield sim


def test_whatsapp_template_rules_req_env11(graph):
    ticket = ticket_on("whatsapp", hours_ago=30, access_token=TOKEN, waba_id="waba-77")
    full = Template("suivi_demande", "fr_CA", ("Émilie", "A-123", "ignored: the template has two values"))
    checked = check_reply(ticket, "", ReplyOptions(template=full))
    assert checked == CheckedReply(
        "Bonjour Émilie, nous avons une réponse à votre demande A-123.",
        {"template": {"name": "suivi_demande", "language": "fr_CA", "parameters": ["Émilie", "A-123"]}},
    )
    assert refused(ticket, ReplyOptions(template=Template("suivi_demande", "fr_CA", ("Émilie", " ")))) == (
        "template_parameters"
    )
    assert refused(ticket, ReplyOptions(template=Template("suivi_demande", "en_US", ("a", "b")))) == (
        "unknown_template"
    )
    assert (
        refused(ticket, ReplyOptions(template=Template("draft_not_approved", "en_US"))) == "unknown_template"
    )
    with_file = ReplyOptions(template=full, attachments=[IncomingFile("a.pdf", factories.PDF_BYTES)])
    assert refused(ticket, with_file) == "template_attachments"
    assert refused(ticket, ReplyOptions(human_agent=True)) == "human_agent_unavailable"
    assert refused(ticket, ReplyOptions()) == "outside_window"


def test_whatsapp_without_its_business_account_says_so_req_env11():
    ticket = ticket_on("whatsapp", hours_ago=30, access_token=TOKEN)
    with pytest.raises(Invalid) as exc:
        check_reply(ticket, "", ReplyOptions(template=Template("suivi_demande", "fr_CA", ("a", "b"))))
    assert exc.value.code == "templates_unavailable" and "waba_id" in exc.value.message


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_a_comment_takes_one_private_reply_within_7_days_req_env10_ops10(platform, agent_user):
    ticket = ticket_on(platform, kind="comment")
    comment = ticket.messages.get()
    assert check_reply(ticket, "Bonjour", ReplyOptions()) == CheckedReply("Bonjour", {})
    private = ReplyOptions(private_reply=True)
    assert check_reply(ticket, "Bonjour", private).metadata == {"private_reply_to": comment.external_id}
    assert refused(ticket, ReplyOptions(human_agent=True)) == "human_agent_unavailable"
    reply(ticket, "En privé", actor=agent_user, options=private)
    assert refused(ticket, private) == "private_reply_used"
    other = ticket_on(platform, kind="comment", hours_ago=24 * 8)
    assert refused(other, private) == "private_reply_unavailable"


def test_x_lengths_and_direct_messages_req_env12_ops10():
    mention = ticket_on("x", kind="mention")
    too_long = "é" * 270 + " https://www.canada.ca/fr/services.html"
    with pytest.raises(Invalid) as exc:
        check_reply(mention, too_long, ReplyOptions())
    assert (exc.value.code, exc.value.details["length"]) == ("too_long_for_x", 294)
    # The same text is a fine direct message, which is how the mention may be answered instead.
    assert check_reply(mention, too_long, ReplyOptions(x_dm=True)) == CheckedReply(too_long, {"x_dm": True})
    assert refused(mention, ReplyOptions(x_dm=True), body="x" * 10001) == "too_long_for_x"
    dm = ticket_on("x", kind="dm")
    assert check_reply(dm, too_long, ReplyOptions()).metadata == {}
    assert refused(dm, ReplyOptions(x_dm=True)) == "x_dm_unavailable"
    assert refused(dm, ReplyOptions(private_reply=True)) == "private_reply_unavailable"


def test_x_takes_images_only_and_four_per_post_req_env12_ops10():
    """Files are checked by content before anything is stored: a PDF named .jpg is still a PDF."""
    from tests.factories import JPEG_BYTES, PDF_BYTES

    def image(n: int) -> IncomingFile:
        return IncomingFile(filename=f"photo-{n}.jpg", data=JPEG_BYTES, declared_type="image/jpeg")

    mention, dm = ticket_on("x", kind="mention"), ticket_on("x", kind="dm")
    disguised = IncomingFile(filename="scan.jpg", data=PDF_BYTES, declared_type="image/jpeg")
    for ticket in (mention, dm):
        assert refused(ticket, ReplyOptions(attachments=[disguised])) == "x_media_refused"
        assert check_reply(ticket, "Voici", ReplyOptions(attachments=[image(1)])).body == "Voici"
    four, five = [image(n) for n in range(4)], [image(n) for n in range(5)]
    assert check_reply(mention, "Voici", ReplyOptions(attachments=four)).body == "Voici"
    assert refused(mention, ReplyOptions(attachments=five)) == "x_media_refused"
    assert check_reply(dm, "Voici", ReplyOptions(attachments=five)).body == "Voici"  # one DM per extra image


@pytest.mark.parametrize("platform", ["email", "api", "phone"])
def test_platforms_without_options_accept_a_plain_reply_only_req_ops10(platform):
    ticket = ticket_on(platform)
    assert check_reply(ticket, "Bonjour", ReplyOptions()) == CheckedReply("Bonjour", {})
    assert refused(ticket, ReplyOptions(human_agent=True)) == "human_agent_unavailable"
    assert refused(ticket, ReplyOptions(private_reply=True)) == "private_reply_unavailable"
    assert refused(ticket, ReplyOptions(x_dm=True)) == "x_dm_unavailable"
    assert (
        refused(ticket, ReplyOptions(template=Template("suivi_demande", "fr_CA"))) == "template_unavailable"
    )


def test_the_send_time_check_stays_for_a_reply_sent_after_the_window_req_env11(agent_user):
    from parlons.connectors.models import OutboundMessage
    from parlons.connectors.services import send_outbound

    ticket = ticket_on("messenger", hours_ago=23)
    message = reply(ticket, "Bonjour", actor=agent_user)  # accepted: the window is open
    Message.objects.filter(direction="in").update(created_at=timezone.now() - timedelta(hours=25))
    assert send_outbound(OutboundMessage.objects.get(message=message).pk) == "failed"
    message.refresh_from_db()
    assert message.delivery_status == "failed" and "24 hours" in message.delivery_error
