import pytest
from django.test import Client

from parlons.accounts.models import RoleGrant, User
from parlons.accounts.services import create_token, ensure_default_roles
from parlons.core.actors import SYSTEM
from parlons.tickets import services


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def roles(db):
    return ensure_default_roles()


@pytest.fixture
def make_api_user(roles):
    def make(role: str | None, username: str | None = None, scopes=None):
        user = User.objects.create_user(
            username=username or f"api-{role or 'none'}",
            password="x" * 12,
            first_name=(role or "none").title(),
        )
        if role:
            RoleGrant.objects.create(role=roles[role], user=user)
        _token, key = create_token(user, actor=SYSTEM, scopes=scopes)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        client.user = user
        return client

    return make


@pytest.fixture
def admin_api(make_api_user):
    return make_api_user("admin")


@pytest.fixture
def agent_api(make_api_user):
    return make_api_user("agent")


@pytest.fixture
def reader_api(make_api_user):
    return make_api_user("reader")


@pytest.fixture
def lead_api(make_api_user):
    return make_api_user("lead")


@pytest.fixture
def api_group(db):
    return services.create_channel_group(
        actor=SYSTEM, platform="api", name="Chatbot", external_id="bot-1", language="fr"
    )


@pytest.fixture
def fb_group(db):
    return services.create_channel_group(
        actor=SYSTEM, platform="facebook", name="IRCC (FR)", external_id="1234"
    )


def open_ticket(
    client, group, *, contact="c-1", body="Bonjour, où en est ma demande de permis d'études?", **extra
):
    payload = {
        "channel_group": group.pk,
        "contact": {"id": contact, "handle": "@" + contact, "name": "Élise Côté"},
        "body": body,
        **extra,
    }
    return client.post("/api/v1/tickets", payload, content_type="application/json")
