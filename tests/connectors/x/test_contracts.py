"""Every X sample payload of the platform contracts, through the real endpoint and the worker: what ticket,
contact, profile and permalink it gives (ENV-12, OPS-17), and the account's own echoes ignored."""

from __future__ import annotations

import pytest

from parlons.connectors.models import InboundEvent
from parlons.connectors.x import delivery
from parlons.connectors.x.jobs import poll_group
from parlons.core.worker import run_pending_tasks
from parlons.tickets.models import ContactIdentity, Message, Ticket
from tests.connectors.x.conftest import (
    AAA_DM_ACCOUNT,
    AAA_TWEET_ACCOUNT,
    POLL_ACCOUNT,
    XAA_ACCOUNT,
    payload,
    x_group,
)

pytestmark = pytest.mark.django_db


def deliver(post_x, data):
    assert post_x(data).status_code == 200
    run_pending_tasks()


def test_xaa_post_mention_create_opens_a_mention_ticket_with_permalink_and_profile_req_env12_ops17(
    post_x, xaa_group
):
    deliver(post_x, payload("x_xaa_post_mention_create"))
    (ticket,) = Ticket.objects.all()
    assert (ticket.kind, ticket.channel_group, ticket.conversation_key) == (
        "mention",
        xaa_group,
        "x:post:2080765813578191303",
    )
    (message,) = ticket.messages.all()
    assert (message.body, message.external_id, message.kind) == (
        "hey @ExampleUser",
        "2080765813578191303",
        "mention",
    )
    assert message.permalink == "https://x.com/OtherUser/status/2080765813578191303"
    identity = ContactIdentity.objects.get(platform="x", external_id="2222222222222222222")
    assert (identity.handle, identity.display_name) == ("OtherUser", "OtherUser")
    assert identity.profile["username"] == "OtherUser"
    assert identity.profile["verified"] is False
    assert identity.profile["profile_image_url"].startswith("https://pbs.twimg.com/")
    assert identity.profile_url == "https://x.com/OtherUser"
    assert identity.avatar_url.startswith("https://pbs.twimg.com/")


def test_xaa_dm_received_opens_a_dm_ticket_per_conversation_req_env12(post_x, xaa_group):
    deliver(post_x, payload("x_xaa_dm_received"))
    (ticket,) = Ticket.objects.all()
    assert (ticket.kind, ticket.conversation_key) == ("dm", "x:dm:1111111111111111111-2222222222222222222")
    (message,) = ticket.messages.all()
    assert (message.body, message.external_id, message.permalink) == ("hello!", "2080765901528535096", "")
    identity = ticket.contact.identities.get()
    assert (identity.handle, identity.external_id) == ("OtherUser", "2222222222222222222")
    assert identity.profile["name"] == "OtherUser"


def test_aaa_dm_event_with_v11_users_req_env12(post_x):
    group = x_group(AAA_DM_ACCOUNT)
    deliver(post_x, payload("x_aaa_dm_event"))
    (ticket,) = Ticket.objects.all()
    assert (ticket.kind, ticket.channel_group, ticket.conversation_key) == (
        "dm",
        group,
        "x:dm:3001969357-4337869213",
    )
    assert ticket.messages.get().body == "Hello World!"
    identity = ticket.contact.identities.get()
    assert (identity.handle, identity.display_name) == ("furiouscamper", "Jordan Brinks")
    assert identity.profile["description"] == "Alter Ego - X PE opinions-are-my-own"
    assert identity.profile["location"] == "Boulder, CO"
    assert identity.avatar_url.endswith("cW4WTi7C_normal.jpg")


def test_aaa_tweet_create_mention_req_env12_ops17(post_x):
    group = x_group(AAA_TWEET_ACCOUNT)
    deliver(post_x, payload("x_aaa_tweet_create_mention"))
    (ticket,) = Ticket.objects.all()
    assert (ticket.kind, ticket.channel_group, ticket.conversation_key) == ("mention", group, "x:post:1")
    message = ticket.messages.get()
    assert message.body == "@chatwootapp Testing a sample tweet with Twitter client"
    assert message.permalink == "https://x.com/surveyjoyHQ/status/1"
    assert message.created_at.year == 2020
    identity = ticket.contact.identities.get()
    assert (identity.handle, identity.display_name) == ("surveyjoyHQ", "SurveyJoy")
    assert identity.profile["description"] == "Delightful in-product customer satisfaction surveys"


def test_mentions_timeline_response_stored_like_a_webhook_mention_req_env12_ops17(db):
    group = x_group(POLL_ACCOUNT)
    data = payload("x_mentions_timeline_response")
    from parlons.connectors.services import store_inbound

    for post in data["data"]:
        item = delivery.polled_post(POLL_ACCOUNT, post, data["includes"])
        store_inbound("x", item.external_id, item.body, channel_group=group)
    run_pending_tasks()
    (ticket,) = Ticket.objects.all()
    message = ticket.messages.get()
    assert (ticket.kind, message.body) == ("mention", "Hey @XDevelopers, love the new API!")
    assert message.permalink == "https://x.com/developer/status/1301573587187331074"
    assert ticket.contact.identities.get().profile == {
        "name": "Dev Person",
        "username": "developer",
        "verified": False,
    }
    assert poll_group is not None


def test_own_echoes_are_ignored_req_env12(post_x, xaa_group):
    # A DM the account sent (echoed back by X) and a post by the account itself: stored, then ignored.
    dm = payload("x_xaa_dm_received")["data"]["payload"]["direct_message_events"][0]
    echo = {**dm, "id": "99", "message_create": {**dm["message_create"], "sender_id": XAA_ACCOUNT}}
    deliver(post_x, {"for_user_id": XAA_ACCOUNT, "direct_message_events": [echo]})
    own = payload("x_xaa_post_mention_create")
    own["data"]["payload"] = {**own["data"]["payload"], "id": "77", "author_id": XAA_ACCOUNT}
    deliver(post_x, own)
    assert InboundEvent.objects.filter(platform="x").count() == 2
    assert set(InboundEvent.objects.values_list("state", flat=True)) == {"ignored"}
    assert Ticket.objects.count() == 0 and Message.objects.count() == 0


def test_unknown_account_fails_the_event_with_a_reason_req_env12(post_x):
    deliver(post_x, payload("x_xaa_post_mention_create"))  # no channel group for this account
    event = InboundEvent.objects.get()
    assert event.state == "failed" and "1111111111111111111" in event.error
