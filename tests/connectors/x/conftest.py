"""Fixtures for the X channel: the consumer secret, channel groups for the sample payloads' accounts (with
encrypted tokens), the X API simulator on loopback, and a helper that posts signed deliveries to /webhooks/x."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parlons.connectors.x.signature import sign
from parlons.core.crypto import encrypt_json
from parlons.simulator.x import XSimulator
from tests import factories

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "test_consumer_secret"
TOKEN = "x-user-token-123"
XAA_ACCOUNT = "1111111111111111111"  # x_xaa_*.json
AAA_DM_ACCOUNT = "4337869213"  # x_aaa_dm_event.json
AAA_TWEET_ACCOUNT = "1"  # x_aaa_tweet_create_mention.json
POLL_ACCOUNT = "2244994945"  # x_mentions_timeline_response.json (XDevelopers)


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def x_settings(settings):
    settings.PARLONS_X_CONSUMER_SECRET = SECRET
    settings.PARLONS_X_API_URL = "http://127.0.0.1:9"  # nothing listens: tests opt into the simulator
    settings.PARLONS_X_TIMEOUT_SECONDS = 5
    return settings


def x_group(external_id: str, name: str = "Service Canada (X)", **creds):
    creds = {"user_token": TOKEN, "username": "ServiceCanada", **creds}
    return factories.ChannelGroupFactory(
        platform="x", external_id=external_id, name=name, credentials_encrypted=encrypt_json(creds)
    )


@pytest.fixture
def xaa_group(db):
    return x_group(XAA_ACCOUNT)


@pytest.fixture
def xsim(x_settings):
    """The X API simulator, with Parlons pointed at it."""
    with XSimulator(token=TOKEN, account_id=XAA_ACCOUNT) as sim:
        x_settings.PARLONS_X_API_URL = sim.url
        yield sim


@pytest.fixture
def post_x(client):
    """``post_x(data)`` posts a correctly signed delivery (or ``signature=...``, ``raw=...``) to /webhooks/x."""

    def post(data, *, signature: str | None = None, raw: bytes | None = None):
        body = raw if raw is not None else json.dumps(data).encode()
        headers = (
            {} if signature == "" else {"HTTP_X_TWITTER_WEBHOOKS_SIGNATURE": signature or sign(body, SECRET)}
        )
        return client.post("/webhooks/x", data=body, content_type="application/json", **headers)

    return post
