"""``/webhooks/meta``: the subscription handshake, the signature check (refusals leave a security event), bad
JSON, and per-item storage with deduplication before the 200 (DOC-4: nothing acknowledged is lost)."""

from __future__ import annotations

import json

import pytest

from parlons.accounts.models import SecurityEvent
from parlons.connectors.meta.signature import check, sign
from parlons.connectors.models import InboundEvent
from tests.connectors.meta.conftest import SECRET, VERIFY, payload

pytestmark = pytest.mark.django_db


def test_the_documented_test_vector():
    assert sign(b'{"object":"page","entry":[]}', "test_app_secret") == (
        "sha256=5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf"
    )
    assert check(b"x", None, SECRET) == "missing"
    assert check(b"x", "sha1=abc", SECRET) == "algorithm"
    assert check(b"x", sign(b"y", SECRET), SECRET) == "mismatch"
    assert check(b"x", sign(b"x", SECRET), SECRET) == ""


def test_handshake_echoes_the_challenge_only_for_the_right_token(client):
    ok = client.get(
        "/webhooks/meta", {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    )
    assert (ok.status_code, ok.content) == (200, b"1158201444")
    bad = client.get(
        "/webhooks/meta", {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}
    )
    assert bad.status_code == 403


def test_handshake_refused_when_no_verify_token_is_configured(client, settings):
    settings.PARLONS_META_VERIFY_TOKEN = ""
    response = client.get(
        "/webhooks/meta", {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )
    assert response.status_code == 403


def test_a_good_signature_is_accepted_and_items_stored_before_the_200_req_doc4(post_delivery, wa_group):
    response = post_delivery(payload("whatsapp_text"))
    assert response.status_code == 200
    assert response.json() == {"received": 1, "stored": 1, "duplicates": 0}
    event = InboundEvent.objects.get()
    assert (event.platform, event.external_id, event.channel_group, event.state) == (
        "whatsapp",
        "message:wamid.xyzxyz",
        wa_group,
        "pending",
    )
    assert SecurityEvent.objects.filter(kind="webhook.signature_refused").count() == 0


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("", "missing"),
        ("sha256=" + "0" * 64, "mismatch"),
        ("sha1=" + "0" * 40, "algorithm"),
        ("5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf", "algorithm"),
    ],
)
def test_bad_missing_or_wrong_algorithm_signatures_are_refused_and_audited(post_delivery, signature, reason):
    response = post_delivery(payload("whatsapp_text"), signature=signature)
    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0
    event = SecurityEvent.objects.get(kind="webhook.signature_refused")
    assert (event.severity, event.data["reason"], event.data["endpoint"]) == ("warning", reason, "meta")


def test_a_body_altered_by_one_byte_is_refused(post_delivery):
    body = json.dumps(payload("whatsapp_text")).encode()
    good = sign(body, SECRET)
    altered = body.replace(b"Body Text", b"Body Texu")
    assert post_delivery(None, raw=altered, signature=good).status_code == 403
    assert InboundEvent.objects.count() == 0
    assert SecurityEvent.objects.filter(kind="webhook.signature_refused").count() == 1


def test_bad_json_after_a_good_signature_is_a_400_not_a_500(post_delivery):
    assert post_delivery(None, raw=b"{not json").status_code == 400
    assert post_delivery(None, raw=b"[1, 2]").status_code == 400
    assert post_delivery(None, raw=b"\xff\xfe").status_code == 400
    assert InboundEvent.objects.count() == 0


def test_no_app_secret_configured_refuses_everything(post_delivery, settings):
    settings.PARLONS_META_APP_SECRET = ""
    assert post_delivery(payload("whatsapp_text")).status_code == 403


def test_the_webhook_needs_no_csrf_token(wa_group, settings):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    body = json.dumps(payload("whatsapp_text")).encode()
    response = csrf_client.post(
        "/webhooks/meta",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(body, SECRET),
    )
    assert response.status_code == 200


def test_duplicate_deliveries_are_stored_once_req_ops9(post_delivery, wa_group):
    assert post_delivery(payload("whatsapp_text")).json()["stored"] == 1
    assert post_delivery(payload("whatsapp_text")).json() == {"received": 1, "stored": 0, "duplicates": 1}
    assert InboundEvent.objects.count() == 1


def test_a_batch_is_split_per_item(post_delivery, wa_group, fb_group):
    batch = payload("whatsapp_text")
    value = batch["entry"][0]["changes"][0]["value"]
    value["messages"].append({**value["messages"][0], "id": "wamid.second", "text": {"body": "Encore"}})
    value["statuses"] = payload("whatsapp_status_read")["entry"][0]["changes"][0]["value"]["statuses"]
    assert post_delivery(batch).json() == {"received": 3, "stored": 3, "duplicates": 0}
    assert sorted(InboundEvent.objects.values_list("external_id", flat=True)) == [
        "message:wamid.second",
        "message:wamid.xyzxyz",
        "status:wamid.xyzxyz:read",
    ]


def test_only_get_and_post(client):
    assert client.put("/webhooks/meta").status_code == 405
