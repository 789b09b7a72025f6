"""The "Import and export" screen, the conversation links and the API (ENV-7, OPS-3, ADM-4): upload → preview →
confirm, bad files shown in the user's language, downloads, 403 for those without the permission."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from parlons.accounts.services import create_token
from parlons.core.worker import run_pending_tasks
from parlons.exchange.models import ExportJob, ImportBatch
from parlons.tickets.models import Tag
from tests import factories
from tests.exchange.test_imports import TAG_HEAD, xlsx

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _bearer(user, scopes):
    _token, key = create_token(actor=user, user=user, name="t", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


# --- the screen ------------------------------------------------------------------------------------
def test_page_shows_what_the_user_may_do_req_env7_adm4(admin_user, lead_user, analyst_user, agent_user):
    page = client_for(admin_user).get("/exchange/").content.decode()
    assert "Export tickets to Excel" in page and 'action="/exchange/imports/users/upload/"' in page
    page = client_for(lead_user).get("/exchange/").content.decode()
    assert "Export tickets to Excel" not in page  # no data.export
    assert 'action="/exchange/imports/tags/upload/"' in page and "/imports/users/" not in page
    page = client_for(analyst_user).get("/exchange/").content.decode()
    assert "Export tickets to Excel" in page and "upload" not in page
    assert 'href="/exchange/"' in page  # the side menu entry for those without the administration home
    assert client_for(agent_user).get("/exchange/").status_code == 403
    assert "/exchange/" in client_for(admin_user).get("/admin/").content.decode()


def test_upload_preview_confirm_req_env7(lead_user):
    c = client_for(lead_user)
    content = xlsx({"tags": [TAG_HEAD, ["permis", "Permit", "Permis", "", "", ""]]})
    response = c.post("/exchange/imports/tags/upload/", {"tags-file": SimpleUploadedFile("t.xlsx", content)})
    assert response.status_code == 302
    preview = c.get(response["Location"]).content.decode()
    assert "The file is valid. Nothing has been written yet." in preview and "Permis" in preview
    assert not Tag.objects.filter(slug="permis").exists()
    batch = ImportBatch.objects.get()
    response = c.post(f"/exchange/imports/{batch.pk}/confirm/")
    assert response.status_code == 302 and Tag.objects.get(slug="permis").name_fr == "Permis"


def test_preview_shows_errors_by_row_and_column_req_env7(lead_user):
    c = client_for(lead_user)
    content = xlsx({"tags": [TAG_HEAD, ["ok", "Ok", "Ok", "", "", ""], ["Bad Slug", "x", "", "", "", ""]]})
    response = c.post("/exchange/imports/tags/upload/", {"tags-file": SimpleUploadedFile("t.xlsx", content)})
    page = c.get(response["Location"]).content.decode()
    assert 'role="alert"' in page and "Sheet tags, row 3" in page and "column name_fr" in page
    assert "Confirm the import" not in page  # no confirm while there are errors
    batch = ImportBatch.objects.get()
    c.post(f"/exchange/imports/{batch.pk}/confirm/")
    assert not Tag.objects.exists()
    c.post(f"/exchange/imports/{batch.pk}/discard/")
    batch.refresh_from_db()
    assert batch.status == "discarded"


def test_bad_file_message_in_the_users_language_req_env7(lead_user):
    lead_user.language = "fr"
    lead_user.save()
    c = client_for(lead_user)
    response = c.post(
        "/exchange/imports/tags/upload/", {"tags-file": SimpleUploadedFile("t.xlsx", b"a,b\n1,2\n")}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "n’est pas un classeur Excel" in page
    assert not ImportBatch.objects.exists()


def test_export_download_and_background_req_env7_ops3(admin_user, settings):
    tag = factories.TagFactory(slug="visa")
    t = factories.TicketFactory(subject="Visa étudiant", tags=[tag])
    factories.TicketFactory(subject="Autre")
    c = client_for(admin_user)
    response = c.post("/exchange/exports/tickets/", {"tags": "visa", "notes": "on"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    wb = load_workbook(io.BytesIO(_content(response)))
    assert [r[0] for r in wb["Tickets"].iter_rows(min_row=2, values_only=True)] == [t.pk]
    response = c.post("/exchange/exports/tickets/", {"exclude_tags": "visa", "priority": ["normal"]})
    wb = load_workbook(io.BytesIO(_content(response)))
    assert [r[1] for r in wb["Tickets"].iter_rows(min_row=2, values_only=True)] == ["Autre"]
    assert "Notes" not in wb.sheetnames  # notes unticked
    settings.PARLONS_EXPORT_SYNC_LIMIT = 1
    response = c.post("/exchange/exports/tickets/", {"notes": "on"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert 'hx-trigger="every 3s"' in c.get("/exchange/exports/").content.decode()
    run_pending_tasks()
    page = c.get("/exchange/").content.decode()
    assert f"/exchange/exports/{job.pk}/" in page
    wb = load_workbook(io.BytesIO(_content(c.get(f"/exchange/exports/{job.pk}/"))))
    assert len(list(wb["Tickets"].iter_rows(min_row=2))) == 2
    # a bad search query is a clear error on the form
    response = c.post("/exchange/exports/tickets/", {"q": "created:notadate"})
    assert response.status_code == 400 and "field-invalid" in response.content.decode()


def test_export_refused_without_data_export_req_env7_adm4(lead_user):
    assert client_for(lead_user).post("/exchange/exports/tickets/", {}).status_code == 403


def test_templates_download_req_env7(admin_user, agent_user):
    response = client_for(admin_user).get("/exchange/users/template.xlsx")
    assert response.status_code == 200
    assert "users" in load_workbook(io.BytesIO(_content(response))).sheetnames
    assert client_for(agent_user).get("/exchange/tags/template.xlsx").status_code == 403
    assert client_for(admin_user).get("/exchange/nope/template.xlsx").status_code == 404


def test_ticket_page_links_and_documents_req_env7(reader_user, no_role_user, ticket):
    c = client_for(reader_user)
    page = c.get(f"/tickets/{ticket.pk}/").content.decode()
    assert (
        f"/tickets/{ticket.pk}/conversation.rtf" in page and f"/tickets/{ticket.pk}/conversation.docx" in page
    )
    response = c.get(f"/tickets/{ticket.pk}/conversation.pdf")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert f"#{ticket.pk}" in PdfReader(io.BytesIO(_content(response))).pages[0].extract_text()
    assert c.get(f"/tickets/{ticket.pk}/conversation.exe").status_code == 400
    assert client_for(no_role_user).get(f"/tickets/{ticket.pk}/conversation.pdf").status_code == 403


# --- the API ---------------------------------------------------------------------------------------
def test_api_export_tickets_req_env7_ops3(analyst_user, lead_user):
    tag = factories.TagFactory(slug="visa")
    t = factories.TicketFactory(tags=[tag])
    factories.TicketFactory()
    c = Client()
    response = c.get(
        "/api/v1/exports/tickets?tag=visa", **_bearer(analyst_user, ["tickets.read", "data.export"])
    )
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(_content(response)))
    assert [r[0] for r in wb["Tickets"].iter_rows(min_row=2, values_only=True)] == [t.pk]
    # background job
    response = c.get(
        "/api/v1/exports/tickets?background=true", **_bearer(analyst_user, ["tickets.read", "data.export"])
    )
    assert response.status_code == 202
    job_id = response.json()["id"]
    run_pending_tasks()
    headers = _bearer(analyst_user, ["tickets.read", "data.export"])
    status = c.get(f"/api/v1/exports/{job_id}", **headers).json()
    assert status["status"] == "done" and status["total"] == 2
    assert c.get(status["file_url"], **headers).status_code == 200
    # refused: no data.export, or a token without the scope
    assert c.get("/api/v1/exports/tickets", **_bearer(lead_user, ["tickets.read"])).status_code == 403
    assert c.get("/api/v1/exports/tickets", **_bearer(analyst_user, ["tickets.read"])).status_code == 403
    assert c.get("/api/v1/exports/tickets?status=bogus", **headers).status_code == 400


def test_api_import_dry_run_then_apply_req_env7(lead_user, agent_user):
    c = Client()
    headers = _bearer(lead_user, ["tickets.read", "tickets.write", "tickets.manage"])
    good = xlsx({"tags": [TAG_HEAD, ["permis", "Permit", "Permis", "", "", ""]]})
    bad = xlsx({"tags": [TAG_HEAD, ["permis", "Permit", "", "", "", "peut-être"]]})
    response = c.post(
        "/api/v1/imports/tags?dry_run=true", {"file": SimpleUploadedFile("t.xlsx", bad)}, **headers
    )
    body = response.json()
    assert response.status_code == 200 and body["ok"] is False and body["applied"] is False
    assert {(e["column"]) for e in body["rows"][0]["errors"]} == {"name_fr", "archived"}
    response = c.post(
        "/api/v1/imports/tags?dry_run=false", {"file": SimpleUploadedFile("t.xlsx", bad)}, **headers
    )
    assert response.status_code == 400 and response.json()["code"] == "import_invalid"
    assert response.json()["details"]["rows"][0]["row"] == 2
    response = c.post(
        "/api/v1/imports/tags?dry_run=true", {"file": SimpleUploadedFile("t.xlsx", good)}, **headers
    )
    assert response.json()["ok"], (
        response.json()["file_errors"],
        [r["errors"] for r in response.json()["rows"]],
    )
    assert not Tag.objects.exists()
    response = c.post(
        "/api/v1/imports/tags?dry_run=false", {"file": SimpleUploadedFile("t.xlsx", good)}, **headers
    )
    assert (
        response.status_code == 200
        and response.json()["applied"]
        and Tag.objects.filter(slug="permis").exists()
    )
    # a text file named .xlsx: a clear 400, nothing written
    response = c.post(
        "/api/v1/imports/tags?dry_run=false", {"file": SimpleUploadedFile("t.xlsx", b"hello")}, **headers
    )
    assert response.status_code == 400 and response.json()["code"] == "not_xlsx"
    # permissions
    response = c.post(
        "/api/v1/imports/users?dry_run=true",
        {"file": SimpleUploadedFile("u.xlsx", xlsx({"users": [["username"], ["x"]]}))},
        **headers,
    )
    assert response.status_code == 403
    for user, scopes in ((agent_user, ["tickets.read", "tickets.write"]), (lead_user, ["tickets.manage"])):
        response = c.post(
            "/api/v1/imports/tags?dry_run=true",
            {"file": SimpleUploadedFile("t.xlsx", good)},
            **_bearer(user, scopes),
        )
        assert response.status_code == 403
    assert (
        c.post("/api/v1/imports/nope", {"file": SimpleUploadedFile("t.xlsx", good)}, **headers).status_code
        == 404
    )
