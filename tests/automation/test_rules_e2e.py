"""Browser: an administrator builds a rule on the screens without code (rows added and re-drawn with htmx), tries
it, saves it, and every automation page passes axe-core (WCAG 2.1 AA) in English and in French
(REQ OPS-12, OPS-25, OPS-24)."""

from __future__ import annotations

import pytest

from parlons.automation.models import Rule
from tests import factories
from tests.e2e.conftest import _orm_beside_playwright, axe_violations  # noqa: F401  (autouse fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "e2e password for the admin"


@pytest.fixture
def admin(roles):
    user = factories.UserFactory(username="root", first_name="Alice", last_name="Admin", roles=["admin"])
    user.set_password(PASSWORD)
    user.save()
    group = factories.ChannelGroupFactory(platform="api", name="Passports API", external_id="passports-api")
    factories.ingest(group, sender="p1", body="Where is my passport?")
    factories.ingest(group, sender="p2", body="Question about taxes")
    factories.TagFactory(slug="passports", name_en="Passports", name_fr="Passeports")
    return user


def sign_in(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")


def add_row(page, button: str):
    """Click an "add a row" button and wait until htmx has settled the new row: its controls get their htmx
    behaviour only then (a settle task, ~20 ms after the row appears), and a change made before it is lost."""
    page.evaluate(
        "() => { window.__settled = 0; document.body.addEventListener('htmx:afterSettle',"
        " () => { window.__settled += 1; }, {once: true}); }"
    )
    page.get_by_role("button", name=button).click()
    page.wait_for_function("() => window.__settled > 0")


def test_build_try_and_save_a_rule_in_the_browser_req_ops12_ops25_ops24(page, admin):
    sign_in(page)
    page.get_by_role("link", name="Rules").click()
    page.wait_for_url("**/rules/")
    assert axe_violations(page) == []
    page.get_by_role("link", name="New rule").click()
    page.fill("#rule-name", "Passports are urgent")
    # The first condition row: words.
    words = page.locator("#conditions textarea").first
    words.fill("passport\npasseport")
    # Add a condition (htmx appends a row), switch it to "Status": its value becomes a list of statuses.
    add_row(page, "Add a condition")
    new_row = page.locator("#conditions fieldset").nth(1)
    field = new_row.locator("select").first
    field.select_option("status")
    page.wait_for_function(
        "() => document.querySelectorAll('#conditions fieldset')[1].querySelector('select[multiple]') !== null"
    )
    page.locator("#conditions fieldset").nth(1).locator("select[multiple]").select_option(["new", "open"])
    # The first action: add the tag; add a second action: set the priority.
    page.locator("#actions select").nth(1).select_option(["passports"])
    add_row(page, "Add an action")
    second = page.locator("#actions fieldset").nth(1)
    second.locator("select").first.select_option("set_priority")
    page.wait_for_function(
        # The row is swapped for the priority's (its value list offers "urgent"); the tags' row it replaces
        # has two selects too, so waiting for two would race the swap.
        "() => document.querySelectorAll('#actions fieldset')[1]"
        ".querySelector('select:not([multiple]) option[value=\"urgent\"]') !== null"
    )
    page.locator("#actions fieldset").nth(1).locator("select").nth(1).select_option("urgent")
    # Try it first: nothing is saved.
    page.get_by_role("button", name="Try it (changes nothing)").click()
    page.locator("#dry-run").wait_for()
    assert "would act on 1 of the last 2 tickets" in page.locator("#dry-run").inner_text()
    assert not Rule.objects.exists()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save the rule").click()
    page.wait_for_url("**/rules/")
    rule = Rule.objects.get()
    assert rule.document["conditions"][1] == {"field": "status", "op": "in", "value": ["new", "open"]}
    assert rule.document["actions"] == [
        {"type": "add_tags", "value": ["passports"]},
        {"type": "set_priority", "value": "urgent"},
    ]
    for url in (f"/rules/{rule.pk}/", "/rules/auto-tags/", "/rules/assignment/"):
        page.goto(url)
        assert axe_violations(page) == [], url
    # In French.
    page.goto("/rules/")
    with page.expect_navigation():
        page.locator(".language-switch button").click()
    assert "Règles" in page.locator("h1").inner_text()
    for url in ("/rules/", f"/rules/{rule.pk}/", "/rules/auto-tags/", "/rules/assignment/"):
        page.goto(url)
        assert axe_violations(page) == [], url
