"""Fixtures for the Meta channels: the app secret and verify token, one channel group per platform (with
encrypted tokens), the Graph API simulator on loopback, and a helper that posts signed deliveries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parlons.connectors.meta.signature import sign
from parlons.core.crypto import encrypt_json
from parlons.simulator.graph import GraphSimulator
from tests import factories

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "test_app_secret"
VERIFY = "verify-me-please"
PAGE_ID = "1234567890321"
MESSENGER_PAGE_ID = "12345654332"
IG_ID = "17841472110558136"
WA_PHONE_ID = "1122334455667"
TOKEN = "sim-token-123"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def meta_settings(settings):
    settings.PARLONS_META_APP_SECRET = SECRET
    settings.PARLONS_META_VERIFY_TOKEN = VERIFY
    settings.PARLONS_META_GRAPH_URL = (
        "http://127.0.0.1:9/v23.0"  # nothing listens: tests opt into the simulator
    )
    settings.PARLONS_META_TIMEOUT_SECONDS = 5
    return settings


def _group(platform: str, external_id: str, name: str, **creds):
    return factories.ChannelGroupFactory(
        platform=platform, external_id=external_id, name=name, credentials_encrypted=encrypt_json(creds)
    )


@pytest.fixture
def fb_group(db):
    return _group("facebook", PAGE_ID, "Passeport Canada (Facebook)", page_token=TOKEN)


@pytest.fixture
def messenger_group(db):
    return _group("messenger", MESSENGER_PAGE_ID, "Passeport Canada (Messenger)", page_token=TOKEN)


@pytest.fixture
def ig_group(db):
    return _group("instagram", IG_ID, "Passeport Canada (Instagram)", page_token=TOKEN)


@pytest.fixture
def wa_group(db):
    return _group("whatsapp", WA_PHONE_ID, "Passeport Canada (WhatsApp)", access_token=TOKEN)


@pytest.fixture
def graph(meta_settings):
    """The Graph API simulator, with Parlons pointed at it."""
    with GraphSimulator(token=TOKEN) as sim:
        meta_settings.PARLONS_META_GRAPH_URL = sim.graph_url
        yield sim


@pytest.fixture
def post_delivery(client):
    """``post_delivery(data)`` posts a correctly signed delivery (or ``signature=...``) to /webhooks/meta."""

    def post(data, *, signature: str | None = None, raw: bytes | None = None):
        body = raw if raw is not None else json.dumps(data).encode()
        headers = {} if signature == "" else {"HTTP_X_HUB_SIGNATURE_256": signature or sign(body, SECRET)}
        return client.post("/webhooks/meta", data=body, content_type="application/json", **headers)

    return post
