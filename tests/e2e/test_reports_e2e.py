"""End-to-end: build a custom report, save it, open it again and download it as pdf; the report pages pass
axe-core in English and French (RPT-2, RPT-4, UI-5)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from parlons.accounts.models import User
from parlons.reports.models import SavedReport
from parlons.reports.selectors import Period
from tests import factories
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e password for the analyst"


@pytest.fixture
def data(roles):
    from django.utils import timezone

    from parlons.reports import metrics

    analyst = factories.UserFactory(
        username="analyst", first_name="Anaïs", last_name="Analyst", roles=["analyst"]
    )
    analyst.set_password(PASSWORD)
    analyst.save()
    team = factories.TeamFactory(name="Passeports")
    group = factories.ChannelGroupFactory(platform="facebook", name="Page Facebook")
    now = timezone.now()
    tickets = [
        factories.TicketFactory(team=team, channel_group=group, created_at=now - timezone.timedelta(days=n))
        for n in range(3)
    ]
    metrics.compute([t.pk for t in tickets])
    return {"analyst": analyst}


def sign_in(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")


def test_build_save_and_export_a_custom_report_req_rpt2_rpt4(page, data):
    sign_in(page)
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Build a custom report").click()
    page.get_by_role("checkbox", name="Created tickets").check()
    page.get_by_role("checkbox", name="Replies").check()
    page.select_option("#report-by", "team")
    page.get_by_role("button", name="Show the report").click()
    table = page.locator("table.report-table")
    assert "Passeports" in table.inner_text()
    assert page.locator("svg[role=img] title").count() == 1
    page.locator("details.filters", has_text="Save this report").locator("summary").click()
    page.fill("#save-name", "Équipes et réponses")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/reports/")
    saved = SavedReport.objects.get()
    assert saved.params["measure"] == ["created", "replies"] and saved.period_days == Period.last().days
    page.get_by_role("link", name="Équipes et réponses").click()
    assert "Passeports" in page.locator("table.report-table").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF").click()
    data_pdf = Path(info.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data_pdf)).pages)
    assert "Custom report" in text and "Passeports" in text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_report_pages_pass_axe_req_rpt2(page, data, language):
    User.objects.filter(pk=data["analyst"].pk).update(language=language)
    if language == "fr":
        page.set_extra_http_headers({"Accept-Language": "fr-CA,fr"})
    sign_in(page)
    for path in [
        "/reports/",
        "/reports/volume/",
        "/reports/custom/?measure=created&measure=resolved&by=team",
    ]:
        page.goto(path)
        for summary in page.locator("details > summary").all():
            summary.click()
        violations = axe_violations(page)
        assert violations == [], f"{language} {path}: {violations}"
