"""The webhook's acknowledgement path through the real ASGI application (what uvicorn serves): the platforms'
deliveries skip the browser middleware, and are still signature-checked, stored before the 200, host-checked
and answered with clear 4xx errors (OPS-9, ENV-10)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from parlons.connectors.models import InboundEvent
from parlons.simulator.traffic import sign

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "asgi-app-secret"


def _post(path: str, body: bytes, **headers) -> httpx.Response:
    from parlons.asgi import application

    async def go():
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.post(path, content=body, headers=headers)

    return asyncio.run(go())


@pytest.fixture
def secret(settings):
    settings.PARLONS_META_APP_SECRET = SECRET
    settings.ALLOWED_HOSTS = ["testserver"]


def delivery() -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "555",
                    "time": 1700000000000,
                    "messaging": [
                        {
                            "sender": {"id": "u-1"},
                            "recipient": {"id": "555"},
                            "timestamp": 1700000000000,
                            "message": {"mid": "m.asgi-1", "text": "Bonjour"},
                        }
                    ],
                }
            ],
        }
    ).encode()


def test_a_signed_delivery_is_stored_before_the_200_without_the_browser_middleware_req_ops9(secret):
    body = delivery()
    response = _post("/webhooks/meta", body, **{"X-Hub-Signature-256": sign(body, SECRET)})
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "stored": 1, "duplicates": 0}
    assert InboundEvent.objects.filter(external_id__contains="m.asgi-1").count() == 1
    # No session cookie, no page security policy: the browser middleware did not run for this machine endpoint.
    assert "set-cookie" not in response.headers and "content-security-policy" not in response.headers
    # The same delivery again: acknowledged, not stored twice.
    again = _post("/webhooks/meta", body, **{"X-Hub-Signature-256": sign(body, SECRET)})
    assert again.json()["duplicates"] == 1 and InboundEvent.objects.count() == 1


def test_a_bad_signature_an_unknown_host_and_bad_json_get_clear_4xx_req_env10(secret):
    body = delivery()
    assert _post("/webhooks/meta", body, **{"X-Hub-Signature-256": "sha256=" + "0" * 64}).status_code == 403
    bad_host = _post(
        "/webhooks/meta", body, Host="evil.example", **{"X-Hub-Signature-256": sign(body, SECRET)}
    )
    assert bad_host.status_code == 400
    junk = b"not json"
    assert _post("/webhooks/meta", junk, **{"X-Hub-Signature-256": sign(junk, SECRET)}).status_code == 400
    assert InboundEvent.objects.count() == 0


def test_pages_still_get_the_browser_middleware():
    from parlons.asgi import application

    async def go():
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get("/accounts/login/")

    response = asyncio.run(go())
    assert response.status_code == 200
    assert "content-security-policy" in response.headers
