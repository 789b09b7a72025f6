"""One service call owns each change of accounts data (issue 14 item 4): creating a user with their time zone,
teams and roles, editing a profile with its roles, creating a team with its lead and members. When a later
step fails, nothing of the change is written, whether the page, the API or a direct call asked for it."""

from __future__ import annotations

import pytest
from django.test import Client

from parlons.accounts import services
from parlons.accounts.models import RoleGrant, SecurityEvent, Team, User
from parlons.core.errors import Forbidden, Invalid
from tests import factories
from tests.api.conftest import make_api_user  # noqa: F401  (API clients with a token)

pytestmark = pytest.mark.django_db
JSON = "application/json"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fail_on(monkeypatch, kind: str) -> None:
    """The security event ``kind`` (written late in the change) refuses, as a failing last step would."""
    real = services.record_security_event

    def record(event_kind, **kwargs):
        if event_kind == kind:
            raise Invalid("The audit trail is full.")
        return real(event_kind, **kwargs)

    monkeypatch.setattr(services, "record_security_event", record)


def test_a_user_is_created_with_time_zone_teams_and_roles_or_not_at_all_req_adm6(
    admin_user, roles, monkeypatch
):
    team = factories.TeamFactory(name="Passeports")
    form = {
        "username": "marie",
        "language": "fr",
        "time_zone": "America/Halifax",
        "teams": [team.pk],
        "roles": [roles["agent"].pk],
    }
    fail_on(monkeypatch, "user.created")
    response = login(admin_user).post("/admin/users/new/", form)
    assert response.status_code == 400 and "The audit trail is full." in response.content.decode()
    assert not User.objects.filter(username="marie").exists()
    assert not RoleGrant.objects.filter(user__username="marie").exists()
    monkeypatch.undo()
    user = services.create_user(
        actor=admin_user, username="marie", time_zone="America/Halifax", teams=[team], roles=[roles["agent"]]
    )
    user.refresh_from_db()
    assert (user.time_zone, list(user.teams.all())) == ("America/Halifax", [team])


def test_a_refused_role_change_keeps_the_profile_as_it_was_req_adm6_adm3(admin_user, roles):
    form = {
        "first_name": "Renamed",
        "last_name": "Admin",
        "email": "admin@example.gc.ca",
        "language": "en",
        "time_zone": "America/Toronto",
        "teams": [],
        "roles": [roles["reader"].pk],
    }
    response = login(admin_user).post(f"/admin/users/{admin_user.pk}/", form)
    assert response.status_code == 400
    assert "You cannot remove your own administration rights." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.first_name == "Alice"
    assert set(RoleGrant.objects.filter(user=admin_user).values_list("role__slug", flat=True)) == {"admin"}
    with pytest.raises(Invalid):
        services.update_user(admin_user, actor=admin_user, first_name="Renamed", roles=[roles["reader"]])
    admin_user.refresh_from_db()
    assert admin_user.first_name == "Alice"


def test_roles_in_a_profile_change_need_system_admin_even_on_ones_own_profile_req_adm4(agent_user, roles):
    with pytest.raises(Forbidden):
        services.update_user(agent_user, actor=agent_user, first_name="Me", roles=[roles["admin"]])
    agent_user.refresh_from_db()
    assert agent_user.first_name != "Me"
    assert set(RoleGrant.objects.filter(user=agent_user).values_list("role__slug", flat=True)) == {"agent"}


def test_a_profile_and_its_roles_change_in_one_call_req_adm6_adm3(admin_user, agent_user, roles):
    services.update_user(
        agent_user, actor=admin_user, first_name="Gaby", roles=[roles["lead"], roles["reader"]]
    )
    agent_user.refresh_from_db()
    assert agent_user.first_name == "Gaby"
    held = set(RoleGrant.objects.filter(user=agent_user).values_list("role__slug", flat=True))
    assert held == {"lead", "reader"}
    changes = SecurityEvent.objects.filter(target_user=agent_user).values_list("kind", "data__role")
    assert sorted(changes) == [
        ("role.granted", "lead"),
        ("role.granted", "reader"),
        ("role.revoked", "agent"),
    ]


def test_a_team_is_created_with_its_members_or_not_at_all_req_adm7(
    admin_user,
    agent_user,
    other_agent,
    make_api_user,  # noqa: F811
    monkeypatch,
):
    api = make_api_user("admin", username="api-admin")
    payload = {"name": "Courriel", "lead_id": agent_user.pk, "member_ids": [agent_user.pk, 999999]}
    response = api.post("/api/v1/teams", payload, content_type=JSON)
    assert response.status_code == 400 and response.json()["details"] == {"field": "member_ids"}
    assert not Team.objects.filter(name="Courriel").exists()
    payload["member_ids"] = [agent_user.pk, other_agent.pk]
    response = api.post("/api/v1/teams", payload, content_type=JSON)
    assert response.status_code == 201
    team = Team.objects.get(name="Courriel")
    assert team.lead == agent_user and set(team.members.all()) == {agent_user, other_agent}

    def refuse(*args, **kwargs):
        raise Invalid("No events today.")

    monkeypatch.setattr(services, "publish", refuse)
    with pytest.raises(Invalid):
        services.create_team(actor=admin_user, name="Urgences", lead=agent_user, members=[other_agent])
    assert not Team.objects.filter(name="Urgences").exists()
