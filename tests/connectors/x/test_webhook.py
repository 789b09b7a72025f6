"""``/webhooks/x``: the CRC challenge, the signature of every delivery, storing before acknowledging, and
deduplication (ENV-12, ADM-13 style audit of refused deliveries)."""

from __future__ import annotations

import json

import pytest

from parlons.accounts.models import SecurityEvent
from parlons.connectors.models import InboundEvent
from parlons.connectors.x.signature import check, crc_response, sign
from tests.connectors.x.conftest import SECRET, XAA_ACCOUNT, payload

pytestmark = pytest.mark.django_db


def test_crc_and_signature_match_the_contract_test_vectors_req_env12():
    # Local test vectors from the platform contracts (§5), secret "test_consumer_secret".
    assert crc_response("challenge_string", SECRET) == {
        "response_token": "sha256=583uAmerwtjpykYEAEm+CEIRm6dOywK4QKRr0ha/Pd4="
    }
    body = b'{"for_user_id":"1"}'
    assert sign(body, SECRET) == "sha256=oRimJrTZrI4uVjsQH57pPKpqjT4OqxThx4oyH5FVI5I="
    assert check(body, "sha256=oRimJrTZrI4uVjsQH57pPKpqjT4OqxThx4oyH5FVI5I=", SECRET) == ""
    assert check(body, "sha256=oRimJrTZrI4uVjsQH57pPKpqjT4OqxThx4oyH5FVI5I=", "other") == "mismatch"


def test_crc_get_answers_the_response_token_req_env12(client):
    response = client.get("/webhooks/x", {"crc_token": "challenge_string"})
    assert response.status_code == 200
    assert response.json() == {"response_token": "sha256=583uAmerwtjpykYEAEm+CEIRm6dOywK4QKRr0ha/Pd4="}


def test_crc_without_token_or_secret_is_refused_req_env12(client, settings):
    assert client.get("/webhooks/x").status_code == 400
    settings.PARLONS_X_CONSUMER_SECRET = ""
    assert client.get("/webhooks/x", {"crc_token": "abc"}).status_code == 403


def test_good_signature_is_stored_before_the_200_req_env12(post_x, xaa_group):
    response = post_x(payload("x_xaa_post_mention_create"))
    assert response.status_code == 200
    assert response.json() == {"received": 1, "stored": 1, "duplicates": 0}
    (event,) = InboundEvent.objects.all()
    assert (event.platform, event.external_id, event.channel_group) == (
        "x",
        "post:2080765813578191303",
        xaa_group,
    )
    assert event.state == "pending"  # not processed yet: the task does it
    assert json.loads(event.body) == payload("x_xaa_post_mention_create")  # stored raw


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("", "missing"),
        ("sha256=" + "A" * 44, "mismatch"),
        ("sha1=abc", "algorithm"),
        ("oRimJrTZrI4uVjsQH57pPKpqjT4OqxThx4oyH5FVI5I=", "algorithm"),
    ],
)
def test_bad_or_missing_signature_is_refused_and_audited_req_env12(post_x, signature, reason):
    response = post_x(payload("x_xaa_dm_received"), signature=signature)
    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0
    event = SecurityEvent.objects.get(kind="webhook.signature_refused")
    assert (event.severity, event.data["reason"], event.data["endpoint"]) == ("warning", reason, "x")


def test_a_body_altered_by_one_byte_is_refused_req_env12(post_x):
    body = json.dumps(payload("x_xaa_dm_received")).encode()
    good = sign(body, SECRET)
    assert post_x(None, raw=body.replace(b"hello!", b"hellO!"), signature=good).status_code == 403
    assert InboundEvent.objects.count() == 0


def test_bad_json_after_a_good_signature_is_a_400_req_env12(post_x):
    assert post_x(None, raw=b"{not json").status_code == 400
    assert post_x(None, raw=b"[1, 2]").status_code == 400
    assert post_x(None, raw=b"\xff\xfe").status_code == 400


def test_duplicates_are_stored_once_across_formats_req_env12(post_x, xaa_group):
    data = payload("x_xaa_dm_received")
    assert post_x(data).json()["stored"] == 1
    assert post_x(data).json() == {"received": 1, "stored": 0, "duplicates": 1}
    # The same DM through the Account Activity API format: the same id, so the same row.
    dm = data["data"]["payload"]["direct_message_events"][0]
    assert post_x({"for_user_id": XAA_ACCOUNT, "direct_message_events": [dm]}).json()["duplicates"] == 1
    assert InboundEvent.objects.filter(platform="x").count() == 1
