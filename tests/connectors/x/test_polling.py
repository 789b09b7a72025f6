"""Polling mode for accounts without webhook access (ENV-12): the scheduler's job reads the mentions timeline
with ``since_id`` and the DM events, stores them like webhook deliveries (deduplicated), keeps its cursors in
the channel group's encrypted credentials, and respects X's rate-limit headers and 429s."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.connectors.meta.common import credentials
from parlons.connectors.x.jobs import JOB, poll_x
from parlons.core import scheduler
from parlons.core.worker import run_pending_tasks
from parlons.simulator import x as sim
from parlons.tickets.models import ChannelGroup, Message, Ticket
from tests.connectors.x.conftest import XAA_ACCOUNT, x_group

pytestmark = pytest.mark.django_db
MARIE = sim.user_v2("2222222222222222222", "marie_tremblay", "Marie Tremblay")
JOHN = sim.user_v2("3333333333333333333", "jsmith", "John Smith")


@pytest.fixture
def poll_group(db):
    return x_group(XAA_ACCOUNT, poll=True)


def state(group) -> dict:
    return credentials(ChannelGroup.objects.get(pk=group.pk)).get("poll_state", {})


def mention_calls(xsim):
    return [r for r in xsim.requests if r.path.endswith("/mentions")]


def test_polling_reads_mentions_with_since_id_and_dms_req_env12(xsim, poll_group):
    xsim.add_mention(sim.post_v2("1800000000000000001", MARIE["id"], "@ServiceCanada allô?"), MARIE)
    xsim.add_mention(sim.post_v2("1800000000000000002", JOHN["id"], "@ServiceCanada hello"), JOHN)
    xsim.add_dm_event(
        {
            "id": "1800000000000000050",
            "event_type": "MessageCreate",
            "text": "Bonjour en privé",
            "sender_id": MARIE["id"],
            "dm_conversation_id": f"{XAA_ACCOUNT}-{MARIE['id']}",
            "participant_ids": [XAA_ACCOUNT, MARIE["id"]],
            "created_at": "2026-11-22T10:00:00.000Z",
        },
        MARIE,
    )
    now = timezone.now()
    assert scheduler.run_due_jobs(now, only=[JOB]) == [JOB]
    run_pending_tasks()
    assert Ticket.objects.filter(kind="mention").count() == 2
    dm_ticket = Ticket.objects.get(kind="dm")
    assert dm_ticket.messages.get().body == "Bonjour en privé"
    assert dm_ticket.contact.identities.get().handle == "marie_tremblay"
    assert Message.objects.get(external_id="1800000000000000001").permalink == (
        "https://x.com/marie_tremblay/status/1800000000000000001"
    )
    (first,) = mention_calls(xsim)
    assert "since_id" not in first.query and first.query["expansions"].startswith("author_id")
    assert state(poll_group)["mentions_since_id"] == "1800000000000000002"
    assert state(poll_group)["dm_newest_id"] == "1800000000000000050"
    assert credentials(ChannelGroup.objects.get(pk=poll_group.pk))["user_token"]  # credentials kept

    # Next period: since_id is sent, only the new mention comes back; nothing is stored twice.
    xsim.add_mention(sim.post_v2("1800000000000000003", MARIE["id"], "@ServiceCanada encore moi"), MARIE)
    poll_x(now + timedelta(minutes=1))
    run_pending_tasks()
    assert mention_calls(xsim)[-1].query["since_id"] == "1800000000000000002"
    assert Message.objects.count() == 4
    assert state(poll_group)["mentions_since_id"] == "1800000000000000003"


def test_a_429_pauses_polling_until_x_rate_limit_reset_req_env12(xsim, poll_group):
    xsim.add_mention(sim.post_v2("1800000000000000001", MARIE["id"], "@ServiceCanada allô?"), MARIE)
    xsim.fail_next(429, retry_after="600", path="/mentions$")
    now = timezone.now()
    poll_x(now)
    assert Message.objects.count() == 0
    blocked = state(poll_group)["mentions_blocked_until"]
    assert 590 <= blocked - now.timestamp() <= 605
    assert "mentions_since_id" not in state(poll_group)

    poll_x(now + timedelta(minutes=5))  # still inside the window X gave: no call at all
    assert len(mention_calls(xsim)) == 1

    poll_x(now + timedelta(minutes=11))  # after the reset
    run_pending_tasks()
    assert len(mention_calls(xsim)) == 2
    assert Message.objects.get().external_id == "1800000000000000001"


def test_remaining_zero_pauses_until_reset_req_env12(xsim, poll_group):
    xsim.rate_remaining["mentions"] = 1  # this call spends the last one
    now = timezone.now()
    poll_x(now)
    assert state(poll_group)["mentions_blocked_until"] > now.timestamp() + 800
    poll_x(now + timedelta(minutes=1))
    assert len(mention_calls(xsim)) == 1


def test_pagination_with_since_id_reads_every_page_req_env12(xsim, poll_group):
    xsim.add_mention(sim.post_v2("1800000000000000001", MARIE["id"], "@ServiceCanada 1"), MARIE)
    now = timezone.now()
    poll_x(now)
    for n in range(2, 250):
        xsim.mentions.append(sim.post_v2(str(1800000000000000000 + n), MARIE["id"], f"@ServiceCanada {n}"))
    poll_x(now + timedelta(minutes=1))
    run_pending_tasks()
    assert Message.objects.count() == 249
    assert state(poll_group)["mentions_since_id"] == str(1800000000000000249)


def test_groups_without_poll_are_not_polled_req_env12(xsim, xaa_group):
    poll_x(timezone.now())
    assert xsim.requests == []
