"""Accounts: users, password rules and hashing, sign-in lockout, teams, roles granted to users and teams,
locking users, API tokens, and the security audit trail (ADM-1, ADM-3, ADM-5, ADM-6, ADM-7, ENV-3)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.utils import timezone

from parlons.accounts.models import ApiToken, Role, RoleGrant, SecurityEvent, Team, User
from parlons.accounts.permissions import ADMIN, EXPORT, MANAGE, PUBLISH, READ, REPORTS, WRITE, permissions_of
from parlons.accounts.services import (
    authenticate_token,
    create_role,
    create_team,
    create_token,
    create_user,
    delete_team,
    grant_role,
    lock_user,
    revoke_role,
    revoke_token,
    set_password,
    unlock_user,
    update_role,
    update_team,
    update_user,
)
from parlons.core.actors import SYSTEM
from parlons.core.errors import Conflict, Forbidden, Invalid, NotFound
from parlons.core.events import DomainEvent
from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

STRONG = "Un-Mot-De-Passe-Solide-42"


def security_events(kind=None):
    qs = SecurityEvent.objects.order_by("id")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs)


def sign_in(rf, username, password):
    """Authenticate the way the sign-in form does (through django-axes, which needs the request)."""
    request = rf.post("/accounts/login/", {"username": username, "password": password})
    return authenticate(request=request, username=username, password=password)


# --- password hashing and rules (ADM-1) -----------------------------------------------------------
def test_production_hashes_passwords_with_argon2_req_adm1(settings):
    import parlons.settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    user = create_user(actor=SYSTEM, username="argon", password=STRONG)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(STRONG)
    assert not user.check_password(STRONG + "x")


@pytest.mark.parametrize(
    "password",
    ["short-1A", "password1234", "123456789012345", "tremblay-marie"],
    ids=["too-short", "common", "numeric", "like-the-user-name"],
)
def test_weak_passwords_are_refused_req_adm1(admin_user, password):
    with pytest.raises(Invalid) as exc:
        create_user(
            actor=admin_user, username="tremblay", first_name="Marie", last_name="Tremblay", password=password
        )
    assert exc.value.code == "weak_password"
    assert exc.value.details == {"field": "password"}
    assert not User.objects.filter(username="tremblay").exists()


def test_change_own_password_and_admin_resets_others_req_adm1(agent_user, other_agent, admin_user, rf):
    with pytest.raises(Invalid) as exc:
        set_password(agent_user, "abc", actor=agent_user)
    assert exc.value.code == "weak_password"
    set_password(agent_user, STRONG, actor=agent_user)
    assert sign_in(rf, "agent", STRONG) == agent_user
    with pytest.raises(Forbidden):
        set_password(other_agent, STRONG, actor=agent_user)
    set_password(other_agent, STRONG + "!", actor=admin_user)
    assert [(e.actor, e.target_user) for e in security_events("user.password_changed")] == [
        (agent_user, agent_user),
        (admin_user, other_agent),
    ]


# --- sign-in and lockout (ADM-1, ENV-2) -----------------------------------------------------------
def test_sign_in_with_the_form_req_adm1(client, agent_user):
    response = client.post("/accounts/login/", {"username": "agent", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent_user.pk)
    (event,) = security_events("auth.signed_in")
    assert (event.actor, event.target_user, event.ip_address) == (agent_user, agent_user, "127.0.0.1")


def test_sign_in_locks_out_after_five_failures_req_adm1_env2(client, agent_user, other_agent, admin_user):
    for _attempt in range(4):
        response = client.post("/accounts/login/", {"username": "agent", "password": "wrong-password"})
        assert response.status_code == 200  # the form again, with an error
        assert "_auth_user_id" not in client.session
    response = client.post("/accounts/login/", {"username": "agent", "password": "wrong-password"})
    assert response.status_code == 429  # the fifth failure locks the account

    # Even the right password is refused now.
    response = client.post("/accounts/login/", {"username": "agent", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Every refusal is in the audit trail: four failures, then the lockout on the fifth, then the attempt
    # refused while locked.
    assert [e.kind for e in security_events()] == ["auth.failed"] * 4 + ["auth.locked_out", "auth.failed"] * 2
    assert all(e.data == {"username": "agent"} for e in security_events())
    assert {e.severity for e in security_events("auth.locked_out")} == {"critical"}
    assert not security_events("auth.signed_in")

    # Another account from the same address is not locked.
    response = client.post("/accounts/login/", {"username": "agent2", "password": TEST_PASSWORD})
    assert response.status_code == 302
    client.logout()

    # An administrator unlocking the account lifts the lockout.
    unlock_user(agent_user, actor=admin_user)
    response = client.post("/accounts/login/", {"username": "agent", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent_user.pk)


# --- users (ADM-6) --------------------------------------------------------------------------------
def test_admin_creates_a_user_with_teams_and_roles_req_adm6_adm3(admin_user, roles, committed_events):
    team = factories.TeamFactory(name="Passeports")
    with committed_events() as events:
        user = create_user(
            actor=admin_user,
            username="  jbouchard ",
            email="j.bouchard@example.gc.ca",
            first_name="Jérôme",
            last_name="Bouchard",
            language="fr",
            password=STRONG,
            teams=[team],
            roles=[roles["agent"]],
        )
    user.refresh_from_db()
    assert (user.username, user.email, user.display_name, user.language) == (
        "jbouchard",
        "j.bouchard@example.gc.ca",
        "Jérôme Bouchard",
        "fr",
    )
    assert user.check_password(STRONG)
    assert list(user.teams.all()) == [team]
    assert RoleGrant.objects.get(user=user).granted_by == admin_user
    assert permissions_of(user) == {READ, WRITE, PUBLISH}
    (audit,) = security_events("user.created")
    assert (audit.actor, audit.target_user) == (admin_user, user)
    (grant_audit,) = security_events("role.granted")
    assert (grant_audit.target_user, grant_audit.data["role"]) == (user, "agent")
    assert [e.type for e in events] == ["security.event", "security.event", "user.created"]
    assert events[-1] == DomainEvent("user.created", via="web", actor_id=admin_user.pk, data={"id": user.pk})


def test_create_user_refusals_req_adm6(admin_user, lead_user):
    create_user(actor=admin_user, username="marie")
    with pytest.raises(Conflict) as exc:
        create_user(actor=admin_user, username="MARIE")
    assert exc.value.code == "duplicate"
    with pytest.raises(Invalid):
        create_user(actor=admin_user, username="   ")
    with pytest.raises(Invalid):
        create_user(actor=admin_user, username="hans", language="de")
    with pytest.raises(Forbidden):
        create_user(actor=lead_user, username="sneaky")
    assert not User.objects.filter(username__in=["hans", "sneaky"]).exists()
    assert not User.objects.get(username="marie").has_usable_password()


def test_users_edit_their_own_profile_and_admins_edit_the_rest_req_adm6_ui6(agent_user, admin_user):
    update_user(agent_user, actor=agent_user, language="fr", first_name="Gaby", is_away=True)
    agent_user.refresh_from_db()
    assert (agent_user.language, agent_user.first_name, agent_user.is_away) == ("fr", "Gaby", True)
    with pytest.raises(Forbidden):
        update_user(agent_user, actor=agent_user, email="me@elsewhere.example")
    with pytest.raises(Invalid):
        update_user(agent_user, actor=agent_user, language="es")
    team = factories.TeamFactory()
    update_user(agent_user, actor=admin_user, email="new@example.gc.ca", teams=[team])
    agent_user.refresh_from_db()
    assert agent_user.email == "new@example.gc.ca"
    assert list(agent_user.teams.all()) == [team]
    with pytest.raises(Invalid):
        update_user(agent_user, actor=admin_user, is_superuser=True)
    agent_user.refresh_from_db()
    assert agent_user.is_superuser is False


# --- teams (ADM-7) --------------------------------------------------------------------------------
def test_team_lifecycle_req_adm7(admin_user, agent_user, other_agent, lead_user):
    team = create_team(actor=admin_user, name="Réseaux sociaux", description="Équipe du soir", lead=lead_user)
    assert (team.name, team.lead) == ("Réseaux sociaux", lead_user)
    with pytest.raises(Conflict):
        create_team(actor=admin_user, name="réseaux sociaux")
    with pytest.raises(Invalid):
        create_team(actor=admin_user, name=" ")
    update_team(team, actor=admin_user, members=[agent_user, other_agent], description="Soir et fin de semaine")
    assert set(team.members.all()) == {agent_user, other_agent}
    other = create_team(actor=admin_user, name="Courriel")
    with pytest.raises(Conflict):
        update_team(other, actor=admin_user, name="Réseaux sociaux")
    with pytest.raises(Forbidden):
        create_team(actor=lead_user, name="Shadow team")
    delete_team(other, actor=admin_user)
    assert list(Team.objects.values_list("name", flat=True)) == ["Réseaux sociaux"]


# --- roles and grants (ADM-3, ADM-5) --------------------------------------------------------------
def test_grant_and_revoke_a_role_to_a_user_req_adm3_adm5(admin_user, reader_user, roles):
    assert permissions_of(reader_user) == {READ}
    grant_role(roles["lead"], actor=admin_user, user=reader_user)
    assert permissions_of(reader_user) == {READ, WRITE, PUBLISH, MANAGE, REPORTS}
    grant_role(roles["lead"], actor=admin_user, user=reader_user)  # granting twice keeps one grant
    assert RoleGrant.objects.filter(user=reader_user).count() == 2
    revoke_role(roles["lead"], actor=admin_user, user=reader_user)
    assert permissions_of(reader_user) == {READ}
    with pytest.raises(NotFound):
        revoke_role(roles["lead"], actor=admin_user, user=reader_user)
    kinds = [(e.kind, e.target_user, e.data["role"]) for e in security_events() if e.kind.startswith("role.")]
    assert kinds == [
        ("role.granted", reader_user, "lead"),
        ("role.granted", reader_user, "lead"),
        ("role.revoked", reader_user, "lead"),
    ]


def test_a_role_granted_to_a_team_gives_its_members_the_permissions_req_adm3_adm7(admin_user, roles):
    team = factories.TeamFactory(name="Analyse")
    member = factories.UserFactory(username="member", teams=[team])
    outsider = factories.UserFactory(username="outsider")
    grant_role(roles["analyst"], actor=admin_user, team=team)
    assert permissions_of(member) == {READ, REPORTS, EXPORT}
    assert permissions_of(outsider) == frozenset()
    # a member's own roles add to the team's
    factories.grant("agent", user=member)
    member = User.objects.get(pk=member.pk)
    assert permissions_of(member) == {READ, WRITE, PUBLISH, REPORTS, EXPORT}
    revoke_role(roles["analyst"], actor=admin_user, team=team)
    member = User.objects.get(pk=member.pk)
    assert permissions_of(member) == {READ, WRITE, PUBLISH}
    audit = security_events("role.granted")[0]
    assert (audit.target_user, audit.data) == (None, {"role": "analyst", "team": "Analyse"})


def test_grant_refusals_req_adm3_adm4(admin_user, lead_user, agent_user, roles):
    with pytest.raises(Forbidden):
        grant_role(roles["admin"], actor=lead_user, user=lead_user)
    with pytest.raises(Invalid):
        grant_role(roles["agent"], actor=admin_user)
    with pytest.raises(Invalid):
        grant_role(roles["agent"], actor=admin_user, user=agent_user, team=factories.TeamFactory())
    with pytest.raises(Invalid) as exc:
        revoke_role(roles["admin"], actor=admin_user, user=admin_user)
    assert exc.value.code == "self_demote"
    assert permissions_of(User.objects.get(pk=lead_user.pk)) == {READ, WRITE, PUBLISH, MANAGE, REPORTS}
    assert RoleGrant.objects.filter(user=admin_user).count() == 1


def test_custom_roles_req_adm5(admin_user):
    role = create_role(
        actor=admin_user, slug="night-shift", name_en="Night shift", name_fr="Quart de nuit", permissions=[WRITE, READ]
    )
    assert role.permissions == [READ, WRITE]
    with pytest.raises(Conflict):
        create_role(actor=admin_user, slug="night-shift", name_en="x", name_fr="x", permissions=[])
    with pytest.raises(Invalid):
        create_role(actor=admin_user, slug="bad", name_en="x", name_fr="x", permissions=["tickets.fly"])
    update_role(role, actor=admin_user, permissions=[READ], name_fr="Quart de nuit (lecture)")
    role.refresh_from_db()
    assert (role.permissions, role.name_fr) == ([READ], "Quart de nuit (lecture)")
    (audit,) = security_events("role.updated")
    assert audit.data == {"role": "night-shift", "before": [READ, WRITE], "after": [READ]}
    assert not Role.objects.filter(slug="bad").exists()


# --- locking users (ENV-3) ------------------------------------------------------------------------
def _sessions_of(user):
    return [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]


def test_locking_a_user_ends_sessions_revokes_tokens_and_stops_sign_in_req_env3(
    client, admin_user, agent_user, other_agent, rf, committed_events
):
    client.force_login(agent_user)
    from django.test import Client

    Client().force_login(agent_user)  # a second device
    Client().force_login(other_agent)
    _token, key = create_token(agent_user, actor=agent_user)
    assert len(_sessions_of(agent_user)) == 2

    with committed_events() as events:
        lock_user(agent_user, actor=admin_user, reason="Départ de l'employé")

    agent_user.refresh_from_db()
    assert agent_user.is_active is False
    assert agent_user.locked_at is not None
    assert agent_user.locked_reason == "Départ de l'employé"
    assert _sessions_of(agent_user) == []
    assert len(_sessions_of(other_agent)) == 1
    assert ApiToken.objects.get(user=agent_user).revoked_at is not None
    assert authenticate_token(key) is None
    assert sign_in(rf, "agent", TEST_PASSWORD) is None
    assert client.get("/").status_code == 302  # the old session is gone: back to sign-in
    (audit,) = security_events("user.locked")
    assert (audit.actor, audit.target_user, audit.severity, audit.data) == (
        admin_user,
        agent_user,
        "warning",
        {"reason": "Départ de l'employé"},
    )
    assert DomainEvent("user.locked", via="web", actor_id=admin_user.pk, data={"id": agent_user.pk}) in events

    unlock_user(agent_user, actor=admin_user)
    agent_user.refresh_from_db()
    assert (agent_user.is_active, agent_user.locked_at, agent_user.locked_reason) == (True, None, "")
    assert sign_in(rf, "agent", TEST_PASSWORD) == agent_user
    assert authenticate_token(key) is None  # tokens stay revoked
    assert [e.kind for e in security_events() if e.kind.startswith("user.")] == ["user.locked", "user.unlocked"]


def test_lock_refusals_req_env3(admin_user, lead_user, agent_user):
    with pytest.raises(Invalid) as exc:
        lock_user(admin_user, actor=admin_user)
    assert exc.value.code == "self_lock"
    with pytest.raises(Forbidden):
        lock_user(agent_user, actor=lead_user)
    agent_user.refresh_from_db()
    assert agent_user.is_active is True


# --- API tokens (ENV-9, ADM-4) --------------------------------------------------------------------
def test_token_is_shown_once_and_stored_hashed_req_env3(agent_user):
    token, key = create_token(agent_user, actor=agent_user, name="Zapier", scopes=[READ])
    assert key.startswith("prl_") and len(key) > 40
    assert token.prefix == key[:12]
    assert token.key_hash == ApiToken.hash_key(key)
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in json.dumps(row, default=str)
    (audit,) = security_events("token.created")
    assert audit.data == {"token": token.prefix, "scopes": [READ]}
    assert key not in json.dumps([e.data for e in security_events()])


def test_token_scopes_narrow_the_users_permissions_req_adm4(agent_user):
    _token, read_key = create_token(agent_user, actor=agent_user, scopes=[READ])
    _token, all_key = create_token(agent_user, actor=agent_user)
    as_reader = authenticate_token(read_key)
    assert as_reader == agent_user
    assert permissions_of(as_reader) == {READ}
    assert permissions_of(authenticate_token(all_key)) == {READ, WRITE, PUBLISH}
    assert ApiToken.objects.get(key_hash=ApiToken.hash_key(read_key)).last_used_at is not None


def test_token_with_scopes_beyond_the_user_is_refused_req_adm4(agent_user):
    with pytest.raises(Forbidden) as exc:
        create_token(agent_user, actor=agent_user, scopes=[READ, MANAGE, ADMIN])
    assert exc.value.details == {"scopes": [ADMIN, MANAGE]}  # sorted codes
    with pytest.raises(Invalid):
        create_token(agent_user, actor=agent_user, scopes=["tickets.everything"])
    assert ApiToken.objects.count() == 0


def test_tokens_for_someone_else_need_an_administrator_req_adm4(agent_user, other_agent, admin_user):
    with pytest.raises(Forbidden):
        create_token(other_agent, actor=agent_user)
    token, key = create_token(other_agent, actor=admin_user, scopes=[READ])
    assert authenticate_token(key) == other_agent
    with pytest.raises(Forbidden):
        revoke_token(token, actor=agent_user)
    assert authenticate_token(key) == other_agent


def test_revoked_expired_and_bogus_tokens_are_refused_req_adm4_env3(agent_user):
    token, key = create_token(agent_user, actor=agent_user)
    revoke_token(token, actor=agent_user)
    assert authenticate_token(key) is None
    (audit,) = security_events("token.revoked")
    assert (audit.actor, audit.target_user, audit.data) == (agent_user, agent_user, {"token": token.prefix})

    _expired, expired_key = create_token(agent_user, actor=agent_user, expires_at=timezone.now() - timedelta(seconds=1))
    assert authenticate_token(expired_key) is None
    _future, future_key = create_token(agent_user, actor=agent_user, expires_at=timezone.now() + timedelta(days=1))
    assert authenticate_token(future_key) == agent_user

    for bogus in ["", "prl_", "prl_not-a-real-key", key.replace("prl_", "xyz_"), key + "x"]:
        assert authenticate_token(bogus) is None
