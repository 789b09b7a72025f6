"""Who holds which permission: default roles, roles through teams, superusers, inactive users, the system
actor, and API token scopes (ADM-3, ADM-4, ADM-5)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from parlons.accounts.models import Role, RoleGrant, User
from parlons.accounts.permissions import (
    ADMIN,
    ALL_PERMISSIONS,
    DEFAULT_ROLES,
    EXPORT,
    HANDOFF,
    MANAGE,
    PUBLISH,
    READ,
    REPORTS,
    WRITE,
    forget_permissions,
    has_perm,
    permissions_of,
    require,
)
from parlons.accounts.services import create_token, grant_role
from parlons.core.actors import SYSTEM
from parlons.core.errors import Forbidden
from tests import factories

pytestmark = pytest.mark.django_db

# ADM-5: read; write (draft and publish replies, tags, notes); manage; reports; data export; administration.
EXPECTED_DEFAULT_ROLES = {
    "reader": {READ},
    "agent": {READ, WRITE, PUBLISH},
    "lead": {READ, WRITE, PUBLISH, MANAGE, REPORTS},
    "analyst": {READ, REPORTS, EXPORT},
    "admin": {READ, WRITE, PUBLISH, MANAGE, REPORTS, EXPORT, ADMIN, HANDOFF},
    "bot": {HANDOFF},  # OPS-2: a chatbot's account may only hand conversations over
}


def test_permission_codes_cover_adm5_req_adm5():
    assert set(ALL_PERMISSIONS) == {READ, WRITE, PUBLISH, MANAGE, REPORTS, EXPORT, ADMIN, HANDOFF}
    assert {slug: set(perms) for slug, (_en, _fr, perms) in DEFAULT_ROLES.items()} == EXPECTED_DEFAULT_ROLES


@pytest.mark.parametrize("slug", sorted(EXPECTED_DEFAULT_ROLES))
def test_each_default_role_holds_exactly_its_permissions_req_adm5(slug, roles):
    user = factories.UserFactory(username=f"holder-{slug}", roles=[slug])
    assert permissions_of(user) == EXPECTED_DEFAULT_ROLES[slug]
    assert set(roles[slug].permissions) == EXPECTED_DEFAULT_ROLES[slug]


def test_no_role_means_no_permission_req_adm4(no_role_user):
    assert permissions_of(no_role_user) == frozenset()
    with pytest.raises(Forbidden) as exc:
        require(no_role_user, READ)
    assert exc.value.details == {"permission": READ}
    assert "Read conversations" in str(exc.value.message)


def test_anonymous_inactive_and_missing_users_hold_nothing_req_adm4(admin_user):
    assert permissions_of(AnonymousUser()) == frozenset()
    assert permissions_of(None) == frozenset()
    admin_user.is_active = False
    forget_permissions(admin_user)
    assert permissions_of(admin_user) == frozenset()


def test_superusers_and_the_system_hold_everything(db):
    root = factories.UserFactory(username="root", is_superuser=True)
    assert permissions_of(root) == set(ALL_PERMISSIONS)
    assert permissions_of(SYSTEM) == set(ALL_PERMISSIONS)


def test_roles_of_the_user_and_of_their_teams_add_up_req_adm3_adm7(roles):
    team = factories.TeamFactory(name="Analyse")
    other_team = factories.TeamFactory(name="Autre")
    user = factories.UserFactory(username="both", roles=["reader"], teams=[team])
    factories.grant("analyst", team=team)
    factories.grant("admin", team=other_team)
    assert permissions_of(user) == {READ, REPORTS, EXPORT}


def test_unknown_codes_stored_in_a_role_grant_nothing(db):
    role = Role.objects.create(slug="odd", name_en="Odd", name_fr="Bizarre", permissions=[READ, "tickets.fly"])
    user = factories.UserFactory(username="odd")
    RoleGrant.objects.create(role=role, user=user)
    assert permissions_of(user) == {READ}
    assert role.clean_permissions() == [READ]


def test_permissions_are_cached_per_user_object_and_refreshed_by_grants(admin_user, reader_user, roles):
    assert has_perm(reader_user, READ)
    assert not has_perm(reader_user, WRITE)
    RoleGrant.objects.create(role=roles["agent"], user=reader_user)  # behind the cache's back
    assert not has_perm(reader_user, WRITE)
    forget_permissions(reader_user)
    assert has_perm(reader_user, WRITE)
    grant_role(roles["lead"], actor=admin_user, user=reader_user)  # the service refreshes the object
    assert has_perm(reader_user, MANAGE)


def test_token_scopes_intersect_with_the_users_permissions_req_adm4(lead_user):
    from parlons.accounts.services import authenticate_token

    _token, key = create_token(lead_user, actor=lead_user, scopes=[READ, REPORTS])
    via_token = authenticate_token(key)
    assert permissions_of(via_token) == {READ, REPORTS}
    # The user loses a permission after the token was made: the token loses it too.
    RoleGrant.objects.filter(user=lead_user).delete()
    factories.grant("reader", user=lead_user)
    assert permissions_of(authenticate_token(key)) == {READ}
    assert permissions_of(User.objects.get(pk=lead_user.pk)) == {READ}
