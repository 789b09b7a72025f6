"""A rule's canned reply goes through the same reply path as the composer and the API: the platform's rules
are checked before anything is stored or queued, and a refused reply fails that action only, like any action
that cannot run (OPS-12, ENV-11, OPS-10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.automation.models import RuleRun
from parlons.connectors.models import OutboundMessage
from parlons.core.errors import Invalid
from parlons.tickets.models import CannedResponse, Message
from parlons.tickets.services import reply
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_rules_canned_reply_outside_the_whatsapp_window_is_refused_req_ops12_env11(
    make_rule, incoming, agent_user, lead_user
):
    group = factories.ChannelGroupFactory(platform="whatsapp", name="WhatsApp")
    tag = factories.TagFactory(slug="late")
    canned = CannedResponse.objects.create(name="Ack", body_en="We received it.", body_fr="Bien reçu.")
    rule = make_rule(
        [{"type": "send_canned_reply", "value": canned.pk}, {"type": "add_tags", "value": [tag.slug]}]
    )
    ticket = incoming(group, created_at=timezone.now() - timedelta(hours=26))  # a delivery that came late

    with pytest.raises(Invalid) as refused:  # what the composer and the API answer for the same ticket
        reply(ticket, "We received it.", actor=agent_user)
    run = RuleRun.objects.get(rule=rule)
    assert run.results == [
        {"type": "send_canned_reply", "ok": False, "error": str(refused.value.message)},
        {"type": "add_tags", "ok": True},
    ]
    assert refused.value.code == "outside_window"
    assert not Message.objects.filter(direction="out").exists()
    assert not OutboundMessage.objects.exists()
    assert list(ticket.tags.values_list("slug", flat=True)) == ["late"]


def test_a_rules_canned_reply_inside_the_window_is_queued_req_ops12_ops10(make_rule, incoming):
    group = factories.ChannelGroupFactory(platform="whatsapp", name="WhatsApp")
    canned = CannedResponse.objects.create(name="Ack", body_en="We received it.", body_fr="Bien reçu.")
    rule = make_rule([{"type": "send_canned_reply", "value": canned.pk}])
    ticket = incoming(group)
    assert RuleRun.objects.get(rule=rule).results == [{"type": "send_canned_reply", "ok": True}]
    out = ticket.messages.get(direction="out")
    assert OutboundMessage.objects.filter(message=out).exists()
