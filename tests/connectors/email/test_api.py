"""The e-mail actions through the API, with the same permissions as the pages (OPS-20, ENV-5, ADM-4)."""

from __future__ import annotations

import json

import pytest

from parlons.connectors.email import mime
from parlons.connectors.email.models import Forward
from parlons.core.crypto import encrypt_json
from tests import factories
from tests.connectors.email.conftest import ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_api_user(roles):
    from django.test import Client

    from parlons.accounts.services import create_token
    from parlons.core.actors import SYSTEM

    def make(role: str | None):
        user = factories.UserFactory(username=f"api-{role or 'none'}", roles=[role] if role else [])
        _token, key = create_token(user, actor=SYSTEM)
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return make


@pytest.fixture
def email_ticket(db):
    group = factories.ChannelGroupFactory(
        platform="email", external_id=ADDRESS, credentials_encrypted=encrypt_json({"address": ADDRESS})
    )
    return factories.ingest(group, body="Bonjour", subject="Question").ticket


def test_forward_and_eml_through_the_api_req_ops20_env5(make_api_user, email_ticket):
    agent = make_api_user("agent")
    response = agent.post(
        f"/api/v1/tickets/{email_ticket.pk}/forwards",
        json.dumps({"to": "expert@example.org", "note": "Avis?"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["to"] == "expert@example.org" and body["state"] == "queued"
    assert body["message_ids"] == list(email_ticket.messages.values_list("pk", flat=True))
    assert [f["id"] for f in agent.get(f"/api/v1/tickets/{email_ticket.pk}/forwards").json()] == [body["id"]]
    eml = agent.get(f"/api/v1/tickets/{email_ticket.pk}/eml")
    assert eml.status_code == 200 and mime.parse_bytes(eml.content)["X-Parlons-Ticket"] == str(
        email_ticket.pk
    )


def test_forward_api_refuses_readers_and_bad_addresses_req_ops20(make_api_user, email_ticket):
    reader = make_api_user("reader")
    url = f"/api/v1/tickets/{email_ticket.pk}/forwards"
    payload = json.dumps({"to": "expert@example.org"})
    assert reader.post(url, payload, content_type="application/json").status_code == 403
    assert reader.get(f"/api/v1/tickets/{email_ticket.pk}/eml").status_code == 200
    agent = make_api_user("agent")
    bad = agent.post(url, json.dumps({"to": "nope"}), content_type="application/json")
    assert bad.status_code == 400 and not Forward.objects.exists()
    assert make_api_user(None).get(f"/api/v1/tickets/{email_ticket.pk}/eml").status_code in (403, 404)
