"""End-to-end: the administration screens pass axe-core (WCAG 2.1 AA) in English and French, form errors
included, and an agent inserts a canned response into a reply by keyboard alone (UI-5, UI-6, BEY-4)."""

from __future__ import annotations

import pytest

from parlons.accounts.models import Team, User
from parlons.core.actors import SYSTEM
from parlons.tickets import services
from parlons.tickets.models import CannedResponse, ChannelGroup, Tag, TagGroup
from tests import factories
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e password for the admin"


@pytest.fixture
def data(roles):
    admin = factories.UserFactory(username="admin", first_name="Alice", last_name="Admin", roles=["admin"])
    admin.set_password(PASSWORD)
    admin.save()
    team = factories.TeamFactory(name="Passeports")
    group = factories.ChannelGroupFactory(platform="api", name="Passports API", external_id="passports-api")
    ticket = factories.ingest(group, handle="marie.t", name="Marie Tremblay", body="Bonjour!").ticket
    lob = factories.LineOfBusinessFactory(name_en="Passports", name_fr="Passeports")
    parent = factories.TagGroupFactory(name_en="Documents", name_fr="Documents", line_of_business=lob)
    sub = factories.TagGroupFactory(name_en="Renewals", name_fr="Renouvellements", parent=parent)
    for n in range(55):
        factories.TagFactory(slug=f"topic-{n:02d}", group=parent if n < 5 else None)
    services.create_canned_response(
        actor=SYSTEM,
        name="Thanks",
        shortcut="thx",
        body_en="Thank you, {contact_name}. Ticket {ticket_id}.",
        body_fr="Merci, {contact_name}. Billet {ticket_id}.",
        team=None,
    )
    return {"admin": admin, "team": team, "group": group, "ticket": ticket, "subgroup": sub.slug}


def sign_in(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_admin_screens_pass_axe_req_ui5_ui6_adm8_bey4(page, data, language):
    User.objects.filter(pk=data["admin"].pk).update(language=language)
    if language == "fr":
        page.set_extra_http_headers({"Accept-Language": "fr-CA,fr"})
    sign_in(page)
    assert page.get_attribute("html", "lang") == language
    tag = Tag.objects.get(slug="topic-00")
    canned = CannedResponse.objects.get()
    paths = [
        "/admin/",
        "/admin/users/",
        "/admin/users/new/",
        f"/admin/users/{data['admin'].pk}/",
        "/admin/teams/",
        f"/admin/teams/{data['team'].pk}/",
        "/admin/roles/",
        "/admin/tags/",
        "/admin/tags/?page=2",
        f"/admin/tags/{tag.pk}/",
        "/admin/tags/groups/",
        f"/admin/tags/groups/{TagGroup.objects.get(slug=data['subgroup']).pk}/",
        "/admin/channel-groups/",
        f"/admin/channel-groups/{data['group'].pk}/",
        "/admin/canned-responses/",
        "/admin/canned-responses/new/",
        f"/admin/canned-responses/{canned.pk}/",
        "/preferences/",
        f"/tickets/{data['ticket'].pk}/",
    ]
    for path in paths:
        page.goto(path)
        violations = axe_violations(page)
        assert violations == [], f"{language} {path}: {violations}"
    # A form sent with errors: each error is announced with its field.
    page.goto("/admin/teams/")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_selector(".field-error")
    assert page.get_attribute("#id_name", "aria-invalid") == "true"
    assert "id_name-error" in page.get_attribute("#id_name", "aria-describedby")
    assert axe_violations(page) == [], f"{language} team form with errors"
    # A tag in use asks for confirmation before it is deleted.
    services.add_tags(data["ticket"], [tag], actor=SYSTEM)
    page.goto(f"/admin/tags/{tag.pk}/")
    page.locator("form[action$='/delete/'] button").click()
    page.wait_for_selector("input[name=confirm][value=yes]", state="attached")
    assert axe_violations(page) == [], f"{language} tag delete confirmation"
    # The picker, opened, is clean too.
    page.goto(f"/tickets/{data['ticket'].pk}/")
    page.click(".canned-open")
    page.wait_for_selector("#canned-options [role=option]")
    assert axe_violations(page) == [], f"{language} canned picker"
    assert ChannelGroup.objects.count() == 1 and Team.objects.count() == 1


def test_insert_canned_response_by_keyboard_req_bey4(page, data):
    sign_in(page)
    ticket = data["ticket"]
    ticket.language = "fr"
    ticket.save(update_fields=["language"])
    page.goto(f"/tickets/{ticket.pk}/")
    box = page.locator("#composer-body")
    box.focus()
    page.keyboard.type("Bonjour. ")
    page.keyboard.press("/")
    search = page.locator("#canned-search")
    assert page.evaluate("document.activeElement.id") == "canned-search"
    assert box.input_value() == "Bonjour. "  # the "/" opened the picker instead of being typed
    page.keyboard.type("thx")
    page.wait_for_selector("#canned-options [role=option][aria-selected=true]")
    assert search.get_attribute("aria-expanded") == "true"
    active = search.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("lang") == "fr"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "composer-body"
    assert box.input_value() == f"Bonjour. Merci, Marie Tremblay. Billet {ticket.pk}."
    assert page.locator("#canned-picker").is_hidden()
    # Escape gives back the "/" typed; a "/" inside a word never opens the picker.
    page.keyboard.type(" ")
    page.keyboard.press("/")
    page.keyboard.press("Escape")
    assert box.input_value().endswith(" /")
    page.keyboard.type("a/b")
    assert page.locator("#canned-picker").is_hidden() and box.input_value().endswith(" /a/b")
    # The agent may choose the other language in the picker.
    box.fill("")
    page.click(".canned-open")
    page.select_option("#canned-language", "en")
    page.locator("#canned-search").focus()
    page.keyboard.type("thx")
    page.wait_for_selector("#canned-options [role=option][lang=en]")
    page.keyboard.press("Enter")
    assert box.input_value() == f"Thank you, Marie Tremblay. Ticket {ticket.pk}."


def test_turning_shortcuts_off_is_saved_on_the_profile_req_ui5(page, data):
    sign_in(page)
    page.click("#shortcut-help-button")
    with page.expect_response(lambda r: r.url.endswith("/preferences/") and r.status == 204):
        page.uncheck("#shortcuts-enabled")
    page.keyboard.press("Escape")
    data["admin"].refresh_from_db()
    assert data["admin"].shortcuts_enabled is False
    # Another page (or device) reads the profile: single-key shortcuts stay off, "/" in a reply is just "/".
    page.evaluate("localStorage.clear()")
    page.goto(f"/tickets/{data['ticket'].pk}/")
    assert page.get_attribute("#shortcut-help", "data-shortcuts") == "off"
    page.locator("#composer-body").focus()
    page.keyboard.press("/")
    assert page.locator("#canned-picker").is_hidden()
    assert page.locator("#composer-body").input_value() == "/"
