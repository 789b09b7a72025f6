"""Browser: search from the keyboard, narrow by a facet, build a query with the advanced form; the search page
passes axe-core in English and French (SRCH-3, SRCH-9, UI-3, UI-5, UI-6)."""

from __future__ import annotations

import pytest

from parlons.accounts.models import User
from parlons.search.services import rebuild_index
from tests import factories
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e password for the lead"


@pytest.fixture
def data(roles):
    lead = factories.UserFactory(username="lead", first_name="Léa", roles=["lead"])
    lead.set_password(PASSWORD)
    lead.save()
    fb = factories.ChannelGroupFactory(platform="facebook", name="IRCC FR", external_id="ircc-fr")
    api = factories.ChannelGroupFactory(platform="api", name="API", external_id="api")
    factories.TagFactory(slug="visa", name_en="Visa", name_fr="Visa")
    first = factories.ingest(fb, sender="p1", handle="jdoe", body="Mon permis d'études est en retard").ticket
    second = factories.ingest(api, sender="p2", handle="bsmith", body="Question sur les études à Montréal").ticket
    rebuild_index()
    return {"lead": lead, "first": first, "second": second}


def sign_in(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")


def test_search_by_keyboard_and_narrow_by_facet_req_srch9_ui3_ui5(page, data):
    sign_in(page)
    page.goto("/search/")
    page.locator("#id_q").focus()
    page.keyboard.type("etudes")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=etudes*")
    rows = page.locator("#results-caption + thead + tbody tr")
    assert rows.count() == 2
    assert page.locator(".snippet mark").count() >= 1
    page.get_by_role("link", name="Facebook").click()
    page.wait_for_url("**channel%3Afacebook*")
    assert page.locator("#id_q").input_value() == "etudes channel:facebook"
    assert page.locator("#results-caption + thead + tbody tr").count() == 1


def test_advanced_form_builds_the_query_req_srch3(page, data):
    sign_in(page)
    page.goto("/search/")
    page.get_by_text("Advanced search").click()
    page.fill("#id_phrase", "permis d'études")
    page.get_by_label("Facebook").check()
    page.get_by_role("button", name="Build the search").click()
    page.wait_for_url("**/search/?q=*")
    assert page.locator("#id_q").input_value() == "\"permis d'études\" channel:facebook"
    assert page.locator("#results-caption + thead + tbody tr").count() == 1


@pytest.mark.parametrize("language", ["en", "fr"])
def test_search_page_passes_axe_req_ui5_ui6(page, data, language):
    User.objects.filter(pk=data["lead"].pk).update(language=language)
    sign_in(page)
    for path in ["/search/", "/search/?q=etudes", "/search/?q=colour%3Ablue", "/search/?q=nothing+matches+this"]:
        page.goto(path)
        for summary in page.locator("details > summary").all():
            summary.click()
        violations = axe_violations(page)
        assert violations == [], f"{language} {path}: {violations}"
