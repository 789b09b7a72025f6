"""Contract tests: every sample payload from Meta's documentation and public fixtures (copies in payloads/,
sources in payloads/SOURCES.txt) is split into the right stored items and parses into the right normalized
messages or platform events (ENV-10, ENV-11, OPS-17)."""

from __future__ import annotations

import copy

import pytest

from parlons.connectors.base import connector_for
from parlons.connectors.meta.delivery import split
from parlons.connectors.models import InboundEvent
from parlons.connectors.services import store_inbound
from parlons.tickets.services import InboundMessage, PlatformEvent
from tests.connectors.meta.conftest import IG_ID, PAGE_ID, payload

pytestmark = pytest.mark.django_db


def parsed(data: dict):
    """Split a delivery, store each item, and parse every stored item with its connector."""
    out = []
    for item in split(data):
        event, _created = store_inbound(item.platform, item.external_id, item.body)
        out += connector_for(event.platform).parse(event)
    return out


def visitor(data: dict, visitor_id="5550001", name="Marie Tremblay") -> dict:
    data = copy.deepcopy(data)
    value = data["entry"][0]["changes"][0]["value"]
    if "from" in value:
        value["from"] = {"id": visitor_id, "name": name}
    else:
        value["sender_id"], value["sender_name"] = int(visitor_id), name
    return data


def test_split_keys_deduplicate_by_platform_ids():
    keys = {
        name: [(i.platform, i.external_id, i.group_external_id) for i in split(payload(name))]
        for name in (
            "facebook_feed_comment_add",
            "facebook_feed_comment_remove",
            "messenger_text",
            "messenger_delivery",
            "whatsapp_text",
            "whatsapp_status_read",
        )
    }
    assert keys["facebook_feed_comment_add"] == [
        ("facebook", "comment:901097836652708_903438993085259:add", PAGE_ID)
    ]
    assert keys["facebook_feed_comment_remove"] == [
        ("facebook", "comment:905578656204626_905579239537901:remove", PAGE_ID)
    ]
    assert keys["messenger_text"] == [
        ("messenger", "message:mid.1457764197618:41d102a3e1ae206a38", "12345654332")
    ]
    assert keys["messenger_delivery"][0][1].startswith("delivery:987654321432:1458668856253")
    assert keys["whatsapp_text"] == [("whatsapp", "message:wamid.xyzxyz", "1122334455667")]
    assert keys["whatsapp_status_read"] == [("whatsapp", "status:wamid.xyzxyz:read", "1122334455667")]


def test_page_comment_add_current_and_legacy_shapes_req_env10_ops17(fb_group):
    for name in ("facebook_feed_comment_add", "facebook_feed_comment_add_legacy_sender_fields"):
        InboundEvent.objects.all().delete()
        (item,) = parsed(visitor(payload(name)))
        assert isinstance(item, InboundMessage)
        assert item.channel_group == fb_group
        assert (item.sender.external_id, item.sender.name) == ("5550001", "Marie Tremblay")
        assert item.kind == "comment"
        assert item.body == "and the next one"
        assert item.external_id == "901097836652708_903438993085259"
        assert item.conversation_key == "facebook:1234567890321_901097836652708:5550001"
        assert item.parent_external_id == ""  # a top-level comment
        assert (
            item.permalink
            == "https://www.facebook.com/1234567890321_901097836652708?comment_id=903438993085259"
        )
        assert item.created_at.year == 2015


def test_the_pages_own_comments_are_filtered_out_req_env10(fb_group):
    # In both samples the author is the page itself (from.id / sender_id == the page id).
    assert parsed(payload("facebook_feed_comment_add")) == []
    InboundEvent.objects.all().delete()
    assert parsed(payload("facebook_feed_comment_add_legacy_sender_fields")) == []


def test_a_reply_to_a_comment_keeps_its_parent(fb_group):
    data = visitor(payload("facebook_feed_comment_add"))
    data["entry"][0]["changes"][0]["value"]["parent_id"] = "901097836652708_900000000000001"
    (item,) = parsed(data)
    assert item.parent_external_id == "901097836652708_900000000000001"


@pytest.mark.parametrize(
    ("name", "kind", "external_id"),
    [
        ("facebook_feed_comment_edited", "edited", "900728623356296_900744590021366"),
        ("facebook_feed_comment_remove", "deleted", "905578656204626_905579239537901"),
        ("facebook_feed_comment_hide", "hidden", "900728623356296_900744590021366"),
    ],
)
def test_comment_edits_removals_and_hiding_are_platform_events(fb_group, name, kind, external_id):
    (item,) = parsed(payload(name))
    assert isinstance(item, PlatformEvent)
    assert (item.kind, item.external_id, item.channel_group) == (kind, external_id, fb_group)
    if kind == "edited":
        assert item.body == "Let's see the Webhooks in action :D"


def test_messenger_text_req_env10(messenger_group):
    (item,) = parsed(payload("messenger_text"))
    assert isinstance(item, InboundMessage)
    assert (item.sender.external_id, item.body, item.kind) == ("987654321432", "hello, world!", "message")
    assert item.external_id == "mid.1457764197618:41d102a3e1ae206a38"
    assert item.conversation_key == "messenger:987654321432"


def test_messenger_image_that_cannot_be_fetched_is_noted(messenger_group):
    (item,) = parsed(payload("messenger_image"))
    assert item.attachments == []
    assert item.metadata["attachments_unavailable"][0]["type"] == "image"


def test_messenger_echo_is_kept_as_history_event(messenger_group):
    (item,) = parsed(payload("messenger_echo"))
    assert isinstance(item, PlatformEvent)
    assert (item.kind, item.body, item.external_id) == (
        "echo",
        "hello, world!",
        "mid.1457764197618:41d102a3e1ae206a38",
    )


def test_messenger_delivery_and_read_receipts(messenger_group):
    (delivery,) = parsed(payload("messenger_delivery"))
    assert (delivery.kind, delivery.status) == ("status", "delivered")
    assert delivery.external_ids == ["mid.1458668856218:ed81099e15d3f4f233"]
    assert delivery.contact_external_id == "987654321432"
    (read,) = parsed(payload("messenger_read"))
    assert (read.kind, read.status, read.external_ids) == ("status", "read", [])
    assert read.watermark is not None


def test_messenger_sticker_and_reaction(messenger_group):
    sticker = copy.deepcopy(payload("messenger_image"))
    message = sticker["entry"][0]["messaging"][0]["message"]
    message["sticker_id"] = 369239263222822
    message["attachments"][0]["payload"]["sticker_id"] = 369239263222822
    (item,) = parsed(sticker)
    assert item.metadata["sticker"] == "369239263222822"
    reaction = copy.deepcopy(payload("messenger_text"))
    event = reaction["entry"][0]["messaging"][0]
    del event["message"]
    event["reaction"] = {"mid": "m_abc", "action": "react", "reaction": "love", "emoji": "❤"}
    (item,) = parsed(reaction)
    assert (item.kind, item.external_id, item.data["emoji"]) == ("reaction", "m_abc", "❤")


def test_instagram_comment_and_dms(ig_group):
    comment = copy.deepcopy(payload("instagram_comment"))
    comment["entry"][0]["id"] = IG_ID
    (item,) = parsed(comment)
    assert (item.kind, item.body, item.sender.handle) == ("comment", "This is an example.", "testuser")
    assert item.conversation_key == "instagram:76543987:1234536447"
    assert item.external_id == "123456789"
    (text,) = parsed(payload("instagram_dm_text"))
    assert (text.kind, text.body, text.sender.external_id) == ("dm", "Omg", "489760440872775")
    (image,) = parsed(payload("instagram_dm_image"))
    assert image.metadata["attachments_unavailable"][0]["type"] == "image"


def test_instagram_seen_is_a_read_receipt(db):
    from tests.connectors.meta.conftest import _group

    _group("instagram", "17841452691600098", "IG 2", page_token="x")
    (item,) = parsed(payload("instagram_messaging_seen"))
    assert (item.kind, item.status, item.external_ids) == ("status", "read", ["MESSAGE-ID"])


def test_whatsapp_text_and_reply_context_req_env11(wa_group):
    (item,) = parsed(payload("whatsapp_text"))
    assert isinstance(item, InboundMessage)
    assert (item.sender.external_id, item.sender.name, item.sender.handle) == (
        "972987654321",
        "Test Name",
        "+972987654321",
    )
    assert (item.body, item.external_id, item.conversation_key) == (
        "Body Text",
        "wamid.xyzxyz",
        "whatsapp:972987654321",
    )
    InboundEvent.objects.all().delete()
    (reply,) = parsed(payload("whatsapp_text_reply_context"))
    assert (reply.body, reply.parent_external_id) == ("replied text", "wamid.xyzxyz==")


def test_whatsapp_media_without_the_graph_is_noted_req_env11(wa_group):
    (image,) = parsed(payload("whatsapp_image"))
    assert image.attachments == []
    assert image.metadata["attachments_unavailable"][0] == {
        "type": "image",
        "media_id": "65463453",
        "reason": "unreachable",
    }
    InboundEvent.objects.all().delete()
    (document,) = parsed(payload("whatsapp_document_pdf"))
    assert (document.body, document.metadata["forwarded"]) == ("caption", True)


def test_whatsapp_location_and_contacts(wa_group):
    data = copy.deepcopy(payload("whatsapp_text"))
    message = data["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message.update(
        type="location",
        id="wamid.loc",
        location={
            "latitude": 45.4215,
            "longitude": -75.6972,
            "name": "Bureau des passeports",
            "address": "Ottawa",
        },
    )
    (item,) = parsed(data)
    assert item.body.splitlines()[:2] == ["Bureau des passeports", "Ottawa"]
    assert "mlat=45.4215" in item.body
    message.pop("location")
    message.update(
        type="contacts",
        id="wamid.contacts",
        contacts=[{"name": {"formatted_name": "Jean Roy"}, "phones": [{"phone": "+1 613 555 0100"}]}],
    )
    (item,) = parsed(data)
    assert item.body == "Jean Roy — +1 613 555 0100"


@pytest.mark.parametrize("status", ["sent", "delivered", "read"])
def test_whatsapp_statuses_req_env11(wa_group, status):
    (item,) = parsed(payload(f"whatsapp_status_{status}"))
    assert (item.kind, item.status, item.external_ids) == ("status", status, ["wamid.xyzxyz"])


def test_whatsapp_failed_status_carries_the_error(wa_group):
    data = copy.deepcopy(payload("whatsapp_status_sent"))
    status = data["entry"][0]["changes"][0]["value"]["statuses"][0]
    status.update(status="failed", errors=[{"code": 131047, "title": "Re-engagement message"}])
    (item,) = parsed(data)
    assert (item.status, item.error) == ("failed", "Re-engagement message")
