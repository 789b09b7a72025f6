"""Exports read back by their own readers, the reports API (formats, errors, permissions) and the pages."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from parlons.core.worker import run_pending_tasks
from parlons.reports import exports
from parlons.reports.models import ReportExport
from parlons.reports.selectors import run_report
from tests.reports.conftest import PERIOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_client(analyst_user):
    client = Client()
    client.force_login(analyst_user)
    return client


def keywords_result(user):
    return run_report(user, "keywords", {**PERIOD, "keywords": "permis,passport"})


def test_xlsx_typed_cells_header_and_filters_sheet_req_rpt4(dataset, analyst_user):
    result = run_report(analyst_user, "resolution-time", {**PERIOD, "by": "team"})
    wb = load_workbook(io.BytesIO(exports.to_xlsx(result)))
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "Team",
        "Resolved tickets",
        "Average resolution time (hours)",
        "Median resolution time (hours)",
        "Created tickets",
        "Resolved / created",
    )
    by_team = {r[0]: r for r in rows[1:]}
    assert by_team["Passeports"] == ("Passeports", 4, 150.25, 11.0, 3, 1.33)
    numbers = [c for c in next(ws.iter_rows(min_row=2, max_row=2)) if c.column > 1]
    assert all(c.data_type == "n" for c in numbers)  # typed cells, not text
    filters = dict(wb["Filters"].iter_rows(values_only=True))
    assert filters["Period"] == "2026-03-01 – 2026-03-31"
    assert filters["Grouped by"] == "Team"
    # dates are real dates
    kw = load_workbook(io.BytesIO(exports.to_xlsx(keywords_result(analyst_user)))).worksheets[0]
    first = list(kw.iter_rows(min_row=2, max_row=2, values_only=True))[0]
    assert first[0].date() == date(2026, 3, 2) and kw["A2"].is_date


def test_pdf_has_title_period_table_accents_and_page_numbers_req_rpt4(dataset, analyst_user):
    from django.utils import translation

    with translation.override("fr"):
        result = run_report(analyst_user, "created-by-team", {**PERIOD, "by": "channel_group"})
        data = exports.to_pdf(result)
        title = result.title
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "2026-03-01 – 2026-03-31" in text
    assert "Boîte courriel" in text  # accents right (WinAnsi Helvetica)
    assert "Page Facebook" in text
    assert "Page 1" in text
    assert title == "Billets créés par équipe ou par groupe" and title in text


def test_docx_same_content_req_rpt4(dataset, analyst_user):
    result = run_report(analyst_user, "resolved-by-team", PERIOD)
    document = Document(io.BytesIO(exports.to_docx(result)))
    paragraphs = [p.text for p in document.paragraphs]
    assert result.title in paragraphs
    grid = document.tables[-1]
    cells = [[c.text for c in row.cells] for row in grid.rows]
    assert cells[0] == ["Team", "Resolved tickets"]
    assert ["Passeports", "4"] in cells and ["Visas", "1"] in cells
    assert document.inline_shapes  # the chart as a picture


def test_csv_req_rpt4(dataset, analyst_user):
    result = run_report(analyst_user, "tickets-by-tag", PERIOD)
    text = "".join(exports.to_csv(result)).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Tag", "Tickets"]
    assert sorted(rows[1:]) == [["Fees", "1"], ["Passport", "1"], ["Visa", "3"]]


def test_api_json_and_every_format_req_rpt4(dataset, analyst_client):
    r = analyst_client.get("/api/v1/reports/resolved-by-team", PERIOD)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    assert {row["label"]: row["tickets"] for row in body["rows"]} == {"Passeports": 4, "Visas": 1}
    for fmt, magic in (("xlsx", b"PK"), ("docx", b"PK"), ("pdf", b"%PDF")):
        r = analyst_client.get("/api/v1/reports/volume", {**PERIOD, "format": fmt})
        assert r.status_code == 200 and r.content.startswith(magic), fmt
        assert r["Content-Disposition"].endswith(f'volume_2026-03-01_2026-03-31.{fmt}"')
    r = analyst_client.get("/api/v1/reports/volume", {**PERIOD, "format": "csv"})
    assert b"".join(r.streaming_content).decode("utf-8-sig").splitlines()[1:] == ["Facebook,3", "E-mail,2"]
    listing = analyst_client.get("/api/v1/reports").json()
    assert "handling-time" in {r["name"] for r in listing}


def test_api_drilldown_tickets_req_rpt1(dataset, analyst_client):
    r = analyst_client.get(
        "/api/v1/reports/resolved-by-team/tickets", {**PERIOD, "key": str(dataset.t1_team.pk), "limit": 3}
    )
    body = r.json()
    assert body["count"] == 4 and len(body["items"]) == 3 and body["next_after"]
    more = analyst_client.get(
        "/api/v1/reports/resolved-by-team/tickets",
        {**PERIOD, "key": str(dataset.t1_team.pk), "after": body["next_after"]},
    ).json()
    assert len(more["items"]) == 1


@pytest.mark.parametrize(
    "path,params,status,code",
    [
        ("/api/v1/reports/volume", {"from": "2026-13-01"}, 400, "invalid_date"),
        ("/api/v1/reports/volume", {"from": "2026-03-05", "to": "2026-03-01"}, 400, "invalid_period"),
        ("/api/v1/reports/volume", {"from": "2020-01-01", "to": "2026-03-01"}, 400, "invalid_period"),
        ("/api/v1/reports/volume", {"format": "odt"}, 400, "invalid"),
        ("/api/v1/reports/volume", {"by": "moon"}, 400, "invalid_by"),
        ("/api/v1/reports/nope", {}, 404, "unknown_report"),
    ],
)
def test_api_errors_are_clear_req_rpt1(db, analyst_client, path, params, status, code):
    r = analyst_client.get(path, params)
    assert r.status_code == status
    assert r.json()["code"] == code and r.json()["message"]


def test_api_needs_reports_view_req_rpt1(db, agent_user):
    from parlons.accounts.services import create_token
    from parlons.core.actors import SYSTEM

    client = Client()
    client.force_login(agent_user)
    assert client.get("/api/v1/reports/volume").status_code == 403
    assert client.get("/api/v1/reports").status_code == 403
    _token, key = create_token(agent_user, actor=SYSTEM, scopes=None)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/reports/volume").status_code == 403
    assert Client().get("/api/v1/reports/volume").status_code == 401


def test_report_pages_table_chart_drilldown_req_rpt2(dataset, analyst_client):
    listing = analyst_client.get("/reports/")
    assert listing.status_code == 200 and b"/reports/handling-time/" in listing.content
    page = analyst_client.get("/reports/resolved-by-team/", PERIOD)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in html
    assert '<title id="chart-title">' in html and "<table" in html
    assert "/reports/resolved-by-team/export.xlsx?" in html and "reports.css" in html
    assert f"key={dataset.t1_team.pk}" in html
    drill = analyst_client.get(
        "/reports/resolved-by-team/tickets/", {**PERIOD, "key": str(dataset.t1_team.pk)}
    )
    assert drill.status_code == 200
    assert drill.content.decode().count('<th scope="row"><a href="/tickets/') == 4
    download = analyst_client.get("/reports/volume/export.pdf", PERIOD)
    assert download.status_code == 200 and download.content.startswith(b"%PDF")


def test_report_page_bad_period_is_a_400_not_a_500_req_rpt1(db, analyst_client):
    r = analyst_client.get("/reports/volume/", {"from": "yesterday"})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.content.decode()


def test_pages_and_nav_need_reports_view_req_rpt1(db, agent_user, analyst_client):
    client = Client()
    client.force_login(agent_user)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/volume/").status_code == 403
    assert client.get("/reports/volume/export.xlsx").status_code == 403
    assert 'href="/reports/"' not in client.get("/").content.decode()
    assert 'href="/reports/"' in analyst_client.get("/reports/").content.decode()


def test_long_ticket_export_task_progress_and_download_req_rpt4(dataset, analyst_user, analyst_client):
    data = {**PERIOD, "key": str(dataset.t1_team.pk), "format": "xlsx"}
    r = analyst_client.post("/reports/resolved-by-team/tickets/export/", data)
    assert r.status_code == 302
    export = ReportExport.objects.get()
    assert analyst_client.get(r["Location"]).status_code == 200
    run_pending_tasks()
    export.refresh_from_db()
    assert export.state == "done" and export.done == 4 and export.percent == 100
    progress = analyst_client.get(r["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in progress and "download" in progress
    file = analyst_client.get(f"/reports/exports/{export.pk}/download/")
    wb = load_workbook(io.BytesIO(b"".join(file.streaming_content)))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("ID", "Subject", "Status")
    assert sorted(r[1] for r in rows[1:]) == ["t1", "t2", "t5", "t6"]
    assert rows[1][3].year == 2026  # a real date-time cell


def test_ticket_export_needs_data_export_req_rpt4(dataset, lead_user):
    client = Client()
    client.force_login(lead_user)  # reports.view without data.export
    r = client.post("/reports/resolved-by-team/tickets/export/", {**PERIOD, "key": str(dataset.t1_team.pk)})
    assert r.status_code == 403
    assert not ReportExport.objects.exists()


def test_page_says_when_figures_need_a_rebuild_req_rpt1(db, analyst_client):
    from tests import factories

    factories.TicketFactory()  # written directly (like the demo loader): no figures yet
    assert "parlons reports rebuild" in analyst_client.get("/reports/volume/").content.decode()
