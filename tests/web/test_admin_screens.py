"""The administration screens (issue #3 item 8): users, teams, roles, tags, channel groups, canned responses.

Every screen refuses agents and readers with the friendly 403 page and changes nothing; administrators (and
leads for the catalogue) change data through the services; form errors sit on the field they concern, tied
to it with aria-describedby, in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from parlons.accounts.models import RoleGrant, SecurityEvent, Team, User
from parlons.core.actors import SYSTEM
from parlons.core.crypto import decrypt_json
from parlons.tickets import services
from parlons.tickets.models import CannedResponse, ChannelGroup, LineOfBusiness, Tag, TagGroup, TicketEvent
from tests import factories

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def admin(admin_user):
    return login(admin_user)


@pytest.fixture
def lead(lead_user):
    return login(lead_user)


@pytest.fixture
def french_admin(roles):
    user = factories.UserFactory(username="admin-fr", first_name="Annie", language="fr", roles=["admin"])
    return login(user)


ADMIN_ONLY = [
    "/admin/users/",
    "/admin/users/new/",
    "/admin/teams/",
    "/admin/roles/",
    "/admin/channel-groups/",
]
MANAGE_SCREENS = [
    "/admin/",
    "/admin/tags/",
    "/admin/tags/groups/",
    "/admin/canned-responses/",
    "/admin/canned-responses/new/",
]


# --- the gate -------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["agent_user", "reader_user", "analyst_user", "no_role_user"])
def test_agents_and_readers_get_403_on_every_admin_screen_req_adm4(request, who, channel_group):
    client = login(request.getfixturevalue(who))
    tag = factories.TagFactory()
    for url in (
        ADMIN_ONLY + MANAGE_SCREENS + [f"/admin/tags/{tag.pk}/", f"/admin/channel-groups/{channel_group.pk}/"]
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "You do not have permission to do this" in html_of(response)
    # A POST changes nothing either.
    assert client.post("/admin/teams/", {"name": "Sneaky"}).status_code == 403
    assert client.post(f"/admin/tags/{tag.pk}/delete/", {"confirm": "yes"}).status_code == 403
    assert not Team.objects.filter(name="Sneaky").exists()
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/users/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_lead_sees_catalogue_screens_but_not_people_screens_req_adm4(lead):
    html = html_of(lead.get("/admin/"))
    assert 'href="/admin/tags/"' in html and 'href="/admin/canned-responses/"' in html
    assert 'href="/admin/users/"' not in html
    for url in MANAGE_SCREENS:
        assert lead.get(url).status_code == 200, url
    for url in ADMIN_ONLY:
        assert lead.get(url).status_code == 403, url


def test_side_nav_shows_administration_only_to_admins_and_leads_req_ui1(admin, lead, agent_user):
    assert 'href="/admin/"' in html_of(admin.get("/"))
    assert 'href="/admin/"' in html_of(lead.get("/"))
    assert 'href="/admin/"' not in html_of(login(agent_user).get("/"))
    assert 'href="/admin/" aria-current="page"' in html_of(admin.get("/admin/users/"))


# --- users ----------------------------------------------------------------------------------------
def test_user_list_searches_and_pages_req_adm6(admin, agent_user):
    for n in range(55):
        factories.UserFactory(username=f"bulk{n:02d}")
    html = html_of(admin.get("/admin/users/?q=gabriel"))
    assert "Gabriel Agent" in html and "bulk01" not in html
    page1 = html_of(admin.get("/admin/users/"))
    assert "Page 1 of 2" in page1
    assert "bulk54" not in page1 or "agent" not in page1


def test_admin_creates_and_edits_a_user_with_teams_and_roles_req_adm6_adm3(admin, roles):
    team = factories.TeamFactory(name="Passeports")
    response = admin.post(
        "/admin/users/new/",
        {
            "username": "marie",
            "first_name": "Marie",
            "last_name": "Tremblay",
            "email": "marie@example.gc.ca",
            "language": "fr",
            "time_zone": "America/Halifax",
            "teams": [team.pk],
            "roles": [roles["agent"].pk],
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="marie")
    assert (user.language, user.time_zone, list(user.teams.all())) == ("fr", "America/Halifax", [team])
    assert set(RoleGrant.objects.filter(user=user).values_list("role__slug", flat=True)) == {"agent"}
    response = admin.post(
        f"/admin/users/{user.pk}/",
        {
            "first_name": "Marie-Ève",
            "last_name": "Tremblay",
            "email": "me@example.gc.ca",
            "language": "en",
            "time_zone": "America/Toronto",
            "teams": [],
            "roles": [roles["lead"].pk],
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.email, user.language) == ("Marie-Ève", "me@example.gc.ca", "en")
    assert not user.teams.exists()
    assert set(RoleGrant.objects.filter(user=user).values_list("role__slug", flat=True)) == {"lead"}
    assert SecurityEvent.objects.filter(kind="role.revoked", target_user=user).exists()


def test_user_form_errors_are_tied_to_their_field_req_ui5(admin, agent_user):
    response = admin.post(
        "/admin/users/new/",
        {"username": "AGENT", "language": "xx", "time_zone": "Mars/Olympus", "email": "no"},
    )
    assert response.status_code == 400
    html = html_of(response)
    for field in ("language", "time_zone", "email"):
        assert f'id="id_{field}-error"' in html
        assert re.search(
            rf'aria-describedby="id_{field}-error"[^>]*aria-invalid="true"|aria-invalid="true"'
            rf'[^>]*aria-describedby="id_{field}-error"',
            html,
        ), field
    response = admin.post("/admin/users/new/", {"username": "AGENT", "language": "en", "time_zone": "UTC"})
    assert response.status_code == 400
    assert "is already taken" in html_of(response)
    assert 'id="id_username-error"' in html_of(response)


def test_form_errors_in_french_for_a_french_admin_req_ui6(french_admin, agent_user):
    html = html_of(french_admin.post("/admin/teams/", {"name": ""}))
    assert '<html lang="fr">' in html
    assert "Ce champ est obligatoire." in html
    html = html_of(
        french_admin.post("/admin/users/new/", {"username": "agent", "language": "fr", "time_zone": "UTC"})
    )
    assert "Le nom d’utilisateur « agent » est déjà pris." in html or "déjà" in html
    assert "Utilisateurs" in html_of(french_admin.get("/admin/users/"))


def test_lock_unlock_and_reset_mfa_req_env3(admin, admin_user, agent_user):
    response = admin.post(f"/admin/users/{agent_user.pk}/lock/", {"action": "lock", "reason": "Left"})
    assert response.status_code == 302
    agent_user.refresh_from_db()
    assert not agent_user.is_active and agent_user.locked_reason == "Left"
    assert "Locked account." in html_of(admin.get(f"/admin/users/{agent_user.pk}/"))
    admin.post(f"/admin/users/{agent_user.pk}/lock/", {"action": "unlock"})
    agent_user.refresh_from_db()
    assert agent_user.is_active
    # Locking oneself is refused with a message, not a 500.
    admin.post(f"/admin/users/{admin_user.pk}/lock/", {"action": "lock"})
    admin_user.refresh_from_db()
    assert admin_user.is_active
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=agent_user, name="phone", confirmed=True)
    assert "Reset two-step sign-in" in html_of(admin.get(f"/admin/users/{agent_user.pk}/"))
    admin.post(f"/admin/users/{agent_user.pk}/reset-mfa/")
    assert not TOTPDevice.objects.filter(user=agent_user).exists()
    assert SecurityEvent.objects.filter(kind="mfa.reset", target_user=agent_user).exists()


# --- teams and roles ------------------------------------------------------------------------------
def test_team_create_rename_members_lead_delete_req_adm7(admin, agent_user, other_agent, lead_user):
    response = admin.post("/admin/teams/", {"name": "Passeports", "description": ""})
    team = Team.objects.get(name="Passeports")
    assert response.status_code == 302
    assert admin.post("/admin/teams/", {"name": "passeports"}).status_code == 400  # duplicate, shown on form
    admin.post(f"/admin/teams/{team.pk}/", {"action": "rename", "name": "Passports", "lead": lead_user.pk})
    admin.post(f"/admin/teams/{team.pk}/", {"action": "members", "members": [agent_user.pk, other_agent.pk]})
    team.refresh_from_db()
    assert team.name == "Passports" and team.lead == lead_user
    assert set(team.members.all()) == {agent_user, other_agent}
    assert "Passports" in html_of(admin.get("/admin/teams/"))
    admin.post(f"/admin/teams/{team.pk}/delete/", {})
    assert Team.objects.filter(pk=team.pk).exists()  # needs the confirmation box
    admin.post(f"/admin/teams/{team.pk}/delete/", {"confirm": "yes"})
    assert not Team.objects.filter(pk=team.pk).exists()


def test_roles_show_permissions_and_grant_to_teams_and_users_req_adm3_adm5(
    admin, admin_user, roles, agent_user
):
    html = html_of(admin.get("/admin/roles/"))
    assert "What each role allows" in html and "System administration" in html and "Team lead" in html
    team = factories.TeamFactory(name="Courriel")
    response = admin.post("/admin/roles/", {"role": roles["reader"].pk, "team": team.pk})
    assert response.status_code == 302
    grant = RoleGrant.objects.get(role=roles["reader"], team=team)
    assert "Team: Courriel" in html_of(admin.get("/admin/roles/"))
    both = admin.post("/admin/roles/", {"role": roles["reader"].pk, "team": team.pk, "user": agent_user.pk})
    assert both.status_code == 400 and "Choose either a person or a team." in html_of(both)
    admin.post(f"/admin/roles/grants/{grant.pk}/revoke/")
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    own = RoleGrant.objects.get(user=admin_user, role=roles["admin"])
    admin.post(f"/admin/roles/grants/{own.pk}/revoke/")
    assert RoleGrant.objects.filter(pk=own.pk).exists()  # one cannot remove one's own administration


# --- tags -----------------------------------------------------------------------------------------
def test_tags_list_filters_and_pages_60_tags_req_adm8_srch7(lead):
    lob = factories.LineOfBusinessFactory(name_en="Passports", name_fr="Passeports")
    parent = factories.TagGroupFactory(name_en="Documents", name_fr="Documents")
    sub = factories.TagGroupFactory(name_en="Renewals", name_fr="Renouvellements", parent=parent)
    for n in range(60):
        factories.TagFactory(
            slug=f"t-{n:02d}", group=sub if n < 5 else None, line_of_business=lob if n < 3 else None
        )
    html = html_of(lead.get("/admin/tags/"))
    assert "60 tags" in html and "Page 1 of 2" in html and "t-00" in html and "t-59" not in html
    assert "t-59" in html_of(lead.get("/admin/tags/?page=2"))
    by_group = html_of(lead.get(f"/admin/tags/?group={parent.pk}"))  # a group includes its subgroups
    assert "5 tags" in by_group and "Documents › Renewals" in by_group
    assert "3 tags" in html_of(lead.get(f"/admin/tags/?line_of_business={lob.pk}"))
    assert "1 tag" in html_of(lead.get("/admin/tags/?q=t-42"))
    assert lead.get("/admin/tags/?page=zzz&group=nope").status_code == 200


def test_tag_create_rename_archive_req_adm8(lead, lead_user):
    group = factories.TagGroupFactory()
    response = lead.post(
        "/admin/tags/", {"name_en": "Fees", "name_fr": "Frais", "slug": "", "group": group.pk}
    )
    assert response.status_code == 302
    tag = Tag.objects.get(slug="fees")
    assert tag.group == group
    missing = lead.post("/admin/tags/", {"name_en": "Only English", "name_fr": ""})
    assert missing.status_code == 400 and 'id="id_name_fr-error"' in html_of(missing)
    duplicate = lead.post("/admin/tags/", {"name_en": "Fees", "name_fr": "Frais"})
    assert duplicate.status_code == 400 and "already exists" in html_of(duplicate)
    lead.post(f"/admin/tags/{tag.pk}/", {"name_en": "Fees and payments", "name_fr": "Frais et paiements"})
    tag.refresh_from_db()
    assert (tag.name_en, tag.name_fr) == ("Fees and payments", "Frais et paiements")
    lead.post(f"/admin/tags/{tag.pk}/archive/")
    tag.refresh_from_db()
    assert tag.is_archived
    assert "fees" not in html_of(lead.get("/admin/tags/")).split("<tbody>")[1].split("</tbody>")[0]
    assert "fees" in html_of(lead.get("/admin/tags/?state=archived"))
    lead.post(f"/admin/tags/{tag.pk}/archive/", {"archived": "no"})
    tag.refresh_from_db()
    assert not tag.is_archived


def test_deleting_a_tag_in_use_asks_to_confirm_req_adm8(lead, ticket):
    tag = factories.TagFactory(slug="visa")
    services.add_tags(ticket, [tag], actor=SYSTEM)
    response = lead.post(f"/admin/tags/{tag.pk}/delete/")
    assert response.status_code == 409
    html = html_of(response)
    assert "This tag is on 1 ticket." in html and 'name="confirm" value="yes"' in html
    assert Tag.objects.filter(pk=tag.pk).exists()
    assert lead.post(f"/admin/tags/{tag.pk}/delete/", {"confirm": "yes"}).status_code == 302
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert TicketEvent.objects.filter(ticket=ticket, kind="tags.removed").exists()
    unused = factories.TagFactory()
    assert lead.post(f"/admin/tags/{unused.pk}/delete/").status_code == 302
    assert not Tag.objects.filter(pk=unused.pk).exists()


def test_tag_groups_subgroups_and_lines_of_business_req_srch7_ops16(lead):
    lead.post(
        "/admin/tags/groups/", {"action": "lob", "lob-name_en": "Immigration", "lob-name_fr": "Immigration"}
    )
    lob = LineOfBusiness.objects.get(slug="immigration")
    lead.post(
        "/admin/tags/groups/",
        {
            "action": "group",
            "group-name_en": "Visas",
            "group-name_fr": "Visas",
            "group-line_of_business": lob.pk,
        },
    )
    parent = TagGroup.objects.get(slug="visas")
    lead.post(
        "/admin/tags/groups/",
        {
            "action": "group",
            "group-name_en": "Student",
            "group-name_fr": "Étudiant",
            "group-parent": parent.pk,
        },
    )
    sub = TagGroup.objects.get(slug="student")
    assert sub.parent == parent and sub.line_of_business == lob  # inherited from the parent
    nested = lead.post(
        "/admin/tags/groups/",
        {"action": "group", "group-name_en": "Deep", "group-name_fr": "Creux", "group-parent": sub.pk},
    )
    assert nested.status_code == 400  # a subgroup is not offered as a parent
    html = html_of(lead.get("/admin/tags/groups/"))
    assert "Visas" in html and "Student" in html and 'lang="fr"' in html
    # Rename a subgroup (the slug, used by search, stays) and archive a line of business.
    renamed = lead.post(f"/admin/tags/groups/{sub.pk}/", {"name_en": "Students", "name_fr": "Étudiants"})
    assert renamed.status_code == 302
    sub.refresh_from_db()
    assert (sub.slug, sub.name_en, sub.name_fr, sub.line_of_business) == (
        "student",
        "Students",
        "Étudiants",
        None,
    )
    blank = lead.post(f"/admin/tags/groups/{sub.pk}/", {"name_en": "Students", "name_fr": ""})
    assert blank.status_code == 400 and 'id="id_name_fr-error"' in html_of(blank)
    lead.post(
        f"/admin/tags/lines-of-business/{lob.pk}/",
        {"name_en": "Immigration", "name_fr": "Immigration", "is_archived": "on"},
    )
    lob.refresh_from_db()
    assert lob.is_archived
    assert lead.get(f"/admin/tags/lines-of-business/{lob.pk}/").status_code == 200


# --- channel groups -------------------------------------------------------------------------------
def test_channel_group_edit_and_credentials_write_only_req_ops1(admin, channel_group):
    team = factories.TeamFactory(name="Passeports")
    response = admin.post(
        f"/admin/channel-groups/{channel_group.pk}/",
        {
            "name": "Passports bot",
            "team": team.pk,
            "language": "fr",
            "credentials": '{"token": "s3cr3t-value"}',
        },
    )
    assert response.status_code == 302
    channel_group.refresh_from_db()
    assert (channel_group.name, channel_group.team, channel_group.language) == ("Passports bot", team, "fr")
    assert not channel_group.is_active
    assert decrypt_json(channel_group.credentials_encrypted) == {"token": "s3cr3t-value"}
    for url in ("/admin/channel-groups/", f"/admin/channel-groups/{channel_group.pk}/"):
        html = html_of(admin.get(url))
        assert "s3cr3t" not in html and "Stored" in html
    bad = admin.post(f"/admin/channel-groups/{channel_group.pk}/", {"name": "X", "credentials": "[1, 2]"})
    assert bad.status_code == 400 and 'id="id_credentials-error"' in html_of(bad)
    # Saving without credentials keeps the stored ones.
    admin.post(f"/admin/channel-groups/{channel_group.pk}/", {"name": "Passports bot", "is_active": "on"})
    channel_group.refresh_from_db()
    assert channel_group.is_active and decrypt_json(channel_group.credentials_encrypted) == {
        "token": "s3cr3t-value"
    }
    assert "Passports bot" in html_of(admin.get("/admin/channel-groups/?platform=api"))
    assert "Passports bot" not in html_of(admin.get("/admin/channel-groups/?platform=x"))
    assert ChannelGroup.objects.count() == 1


# --- canned responses -----------------------------------------------------------------------------
def test_canned_responses_screens_req_bey4(lead):
    response = lead.post(
        "/admin/canned-responses/new/",
        {"name": "Thanks", "shortcut": "thx", "body_en": "Thank you {contact_name}.", "body_fr": "Merci."},
    )
    assert response.status_code == 302
    canned = CannedResponse.objects.get(shortcut="thx")
    assert "Thanks" in html_of(lead.get("/admin/canned-responses/")) and "/thx" in html_of(
        lead.get("/admin/canned-responses/")
    )
    empty = lead.post("/admin/canned-responses/new/", {"name": "Empty", "body_en": "", "body_fr": ""})
    assert empty.status_code == 400 and 'id="id_body_en-error"' in html_of(empty)
    taken = lead.post("/admin/canned-responses/new/", {"name": "Other", "shortcut": "thx", "body_en": "x"})
    assert taken.status_code == 400 and "already used" in html_of(taken)
    lead.post(
        f"/admin/canned-responses/{canned.pk}/",
        {"name": "Thanks", "shortcut": "thx", "body_en": "Thanks!", "body_fr": "Merci bien!"},
    )
    canned.refresh_from_db()
    assert canned.body_fr == "Merci bien!"
    lead.post(f"/admin/canned-responses/{canned.pk}/archive/")
    canned.refresh_from_db()
    assert canned.is_archived
    assert "Thanks" not in html_of(lead.get("/admin/canned-responses/"))
    assert "Thanks" in html_of(lead.get("/admin/canned-responses/?show=archived"))
    lead.post(f"/admin/canned-responses/{canned.pk}/delete/")
    assert not CannedResponse.objects.exists()


def test_composer_lists_canned_responses_rendered_for_the_ticket_req_bey4(agent_user, lead_user, ticket):
    services.create_canned_response(
        actor=lead_user,
        name="Greeting",
        shortcut="hi",
        body_en="Hello {contact_name}",
        body_fr="Bonjour {contact_name}",
    )
    services.create_canned_response(
        actor=lead_user, name="English only", shortcut="en", body_en="Only {ticket_id}"
    )
    agent = login(agent_user)
    data = agent.get(f"/tickets/{ticket.pk}/canned-responses/?q=hi&language=fr").json()
    assert data["language"] == "fr"
    assert data["results"] == [
        {
            "id": data["results"][0]["id"],
            "name": "Greeting",
            "shortcut": "hi",
            "text": "Bonjour Marie Tremblay",
            "lang": "fr",
        }
    ]
    both = agent.get(f"/tickets/{ticket.pk}/canned-responses/?language=fr").json()["results"]
    assert [r["name"] for r in both] == ["Greeting", "English only"]  # the ticket's language first
    assert both[1]["lang"] == "en" and both[1]["text"] == f"Only {ticket.pk}"
    assert login(lead_user).get("/tickets/999999/canned-responses/").status_code == 404


def test_ticket_page_composer_offers_canned_responses_req_bey4(agent_user, ticket):
    html = html_of(login(agent_user).get(f"/tickets/{ticket.pk}/"))
    assert f'data-canned-url="/tickets/{ticket.pk}/canned-responses/"' in html
    assert "canned.js" in html


# --- keyboard shortcuts preference ----------------------------------------------------------------
def test_keyboard_shortcuts_can_be_turned_off_on_the_profile_req_ui5(agent_user):
    agent = login(agent_user)
    assert 'data-shortcuts="on"' in html_of(agent.get("/"))
    response = agent.post("/preferences/", {}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 204
    agent_user.refresh_from_db()
    assert agent_user.shortcuts_enabled is False
    html = html_of(agent.get("/"))
    assert 'data-shortcuts="off"' in html
    assert re.search(r'<input type="checkbox" id="shortcuts-enabled"(?![^>]*checked)', html)
    agent.post("/preferences/", {"shortcuts_enabled": "on"})
    agent_user.refresh_from_db()
    assert agent_user.shortcuts_enabled is True
    assert agent.get("/preferences/").status_code == 200


def test_admin_sets_a_password_checked_by_the_rules_req_adm1_adm6(admin, agent_user):
    url = f"/admin/users/{agent_user.pk}/"
    weak = admin.post(url, {"action": "password", "pw-password": "123", "pw-password_again": "123"})
    assert weak.status_code == 400 and 'id="id_pw-password-error"' in html_of(weak)
    differ = admin.post(
        url, {"action": "password", "pw-password": "a long pass phrase 1", "pw-password_again": "x"}
    )
    assert differ.status_code == 400 and "The two passwords differ." in html_of(differ)
    good = "a long pass phrase for Gabriel"
    assert (
        admin.post(url, {"action": "password", "pw-password": good, "pw-password_again": good}).status_code
        == 302
    )
    agent_user.refresh_from_db()
    assert agent_user.check_password(good)
    assert SecurityEvent.objects.filter(kind="user.password_changed", target_user=agent_user).exists()


def test_missing_objects_give_404_not_500(admin):
    for url in (
        "/admin/tags/999999/",
        "/admin/users/999999/",
        "/admin/teams/999999/",
        "/admin/canned-responses/999999/",
        "/admin/channel-groups/999999/",
        "/admin/tags/groups/999999/",
    ):
        assert admin.get(url).status_code == 404, url
    assert admin.post("/admin/roles/grants/999999/revoke/").status_code == 404
    assert admin.get("/admin/tags/?group=abc&line_of_business=-1&state=zzz").status_code == 200
