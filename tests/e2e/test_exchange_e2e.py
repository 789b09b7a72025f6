"""End-to-end: the "Import and export" screen in a real browser — axe-core (WCAG 2.1 AA) in English and French on
the screen, a preview with errors and a valid preview; upload → preview → confirm writes the tags (ENV-7, UI-5)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from parlons.accounts.models import User
from parlons.tickets.models import Tag
from tests import factories
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e password for the exchange"
HEAD = ["slug", "name_en", "name_fr", "group", "line_of_business", "archived"]


def _xlsx(rows) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "tags"
    for row in [HEAD, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def admin(roles):
    user = factories.UserFactory(username="admin", first_name="Alice", last_name="Admin", roles=["admin"])
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")


def _upload(page, content: bytes):
    page.goto("/exchange/")
    page.set_input_files(
        "#id_tags-file",
        files=[
            {
                "name": "tags.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": content,
            }
        ],
    )
    page.locator("form[action='/exchange/imports/tags/upload/'] button[type=submit]").click()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_exchange_screens_pass_axe_and_import_req_env7_ui5(page, admin, language):
    User.objects.filter(pk=admin.pk).update(language=language)
    if language == "fr":
        page.set_extra_http_headers({"Accept-Language": "fr-CA,fr"})
    sign_in(page)
    page.goto("/exchange/")
    assert page.get_attribute("html", "lang") == language
    assert axe_violations(page) == [], f"{language} /exchange/"
    # a preview with errors: announced, listed by row and column, no confirm button
    _upload(page, _xlsx([["ok", "Ok", "Ok", "", "", ""], ["Bad Slug", "x", "", "", "", "maybe"]]))
    page.wait_for_selector("#import-errors")
    assert page.locator("#import-errors li").count() == 3
    assert page.locator("form[action$='/confirm/']").count() == 0
    assert axe_violations(page) == [], f"{language} preview with errors"
    # a bad file: the error is on the file field, in the user's language
    _upload(page, b"not a workbook")
    page.wait_for_selector(".field-error")
    assert ("Excel" in page.locator(".field-error").first.inner_text()) and not Tag.objects.exists()
    assert axe_violations(page) == [], f"{language} bad file"
    # a valid file: preview, then confirm
    _upload(page, _xlsx([["permis", "Permit", "Permis d'études", "", "", ""]]))
    page.wait_for_selector("form[action$='/confirm/']")
    assert axe_violations(page) == [], f"{language} valid preview"
    assert not Tag.objects.exists()
    page.locator("form[action$='/confirm/'] button").click()
    page.wait_for_url("**/exchange/")
    assert Tag.objects.get(slug="permis").name_fr == "Permis d'études"
