"""/api/v1/exports and /api/v1/imports: data exchange for scripts (ENV-7, OPS-3), thin routes over
``parlons.exchange.services``.

- ``GET /api/v1/exports/tickets?…`` — the inbox filters of ``GET /api/v1/tickets`` (``tag``, ``status``, ``q``…):
  the xlsx workbook at once, or with ``background=true`` a job (202) to poll at ``/api/v1/exports/{id}`` and
  download from ``/api/v1/exports/{id}/file``. Needs data.export.
- ``GET /api/v1/exports/catalogue/{kind}`` — tags, teams, users or canned responses as an import workbook
  (``?template=true`` for the empty template).
- ``GET /api/v1/exports/tickets/{id}/conversation?format=rtf|pdf|docx`` — a ticket's conversation document.
- ``POST /api/v1/imports/{kind}?dry_run=true|false`` (multipart ``file``) — the preview as JSON, every error
  by sheet, row and column; with ``dry_run=false`` the rows are written in one transaction when there is no
  error, else nothing is written and the answer is 400 with the same report in ``details``."""

from __future__ import annotations

import io
import tempfile
from typing import Literal
from uuid import UUID

from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from parlons.api.common import ERRORS
from parlons.api.tickets import TicketQuery
from parlons.core.errors import Invalid
from parlons.exchange import services
from parlons.exchange.imports import IMPORT_KINDS
from parlons.exchange.workbooks import XLSX

router = Router(tags=["data exchange"])


class ExportQuery(TicketQuery):
    notes: bool = Field(True, description="Include the internal notes sheet")
    background: bool = Field(False, description="Prepare the file in the background (202 with a job)")


class ExportJobOut(Schema):
    id: UUID
    status: str
    total: int
    done: int
    size: int
    error: str
    created_at: str
    finished_at: str | None = None
    file_url: str | None = None


def _job_out(job) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "size": job.size,
        "error": job.error,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "file_url": reverse("api:export_file", kwargs={"job_id": job.pk}) if job.status == "done" else None,
    }


@router.get(
    "/exports/tickets",
    response={200: None, 202: ExportJobOut, **ERRORS},
    summary="Export tickets with their messages and notes to xlsx",
)
def export_tickets(request, q: Query[ExportQuery]):
    f = q.filters()
    if q.background:
        job = services.queue_ticket_export(request.user, f, notes=q.notes)
        return Status(202, _job_out(job))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    services.export_tickets_now(request.user, f, handle, notes=q.notes)
    handle.seek(0)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return FileResponse(
        handle, as_attachment=True, filename=f"parlons-tickets-{stamp}.xlsx", content_type=XLSX
    )


@router.get("/exports/{uuid:job_id}", response={200: ExportJobOut, **ERRORS}, summary="A background export")
def export_job(request, job_id: UUID):
    return _job_out(services.export_job_of(request.user, job_id))


@router.get(
    "/exports/{uuid:job_id}/file",
    response={200: None, **ERRORS},
    summary="Download a finished export",
    url_name="export_file",
)
def export_file(request, job_id: UUID):
    job = services.export_job_of(request.user, job_id)
    if job.status != "done":
        raise Invalid(_("This export is not ready."), code="not_ready")
    try:
        handle = open(job.file_path, "rb")  # noqa: SIM115 - FileResponse closes it
    except OSError:
        raise services.NotFound(_("This export does not exist or has expired."))
    return FileResponse(
        handle, as_attachment=True, filename=f"parlons-tickets-{job.pk}.xlsx", content_type=XLSX
    )


@router.get(
    "/exports/catalogue/{kind}",
    response={200: None, **ERRORS},
    summary="Tags, teams, users or canned responses as an import workbook",
)
def export_catalogue(request, kind: Literal["tags", "teams", "users", "canned"], template: bool = False):
    content = services.catalogue_workbook(request.user, kind, with_rows=not template)
    name = f"parlons-{kind}-template.xlsx" if template else f"parlons-{kind}.xlsx"
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=XLSX)


@router.get(
    "/exports/tickets/{int:ticket_id}/conversation",
    response={200: None, **ERRORS},
    summary="A ticket's conversation as rtf, pdf or docx",
)
def export_conversation(
    request,
    ticket_id: int,
    format: Literal["rtf", "pdf", "docx"] = "pdf",
    notes: bool = False,  # noqa: A002
):
    content, content_type, name = services.conversation_document(request.user, ticket_id, format, notes=notes)
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=content_type)


class ImportRowError(Schema):
    column: str
    message: str


class ImportRow(Schema):
    sheet: str
    row: int
    key: str
    action: str = Field(description="create, update, unchanged or exists; empty when the row has errors")
    values: dict
    errors: list[ImportRowError]


class ImportReport(Schema):
    kind: str
    ok: bool
    applied: bool = False
    error_count: int
    counts: dict[str, int]
    file_errors: list[str]
    rows: list[ImportRow]


@router.post(
    "/imports/{kind}",
    response={200: ImportReport, **ERRORS},
    summary="Import tags, teams, users or canned responses (xlsx; canned_rtf: rtf) with a dry run",
)
def import_file(
    request,
    kind: str,
    file: File[UploadedFile],
    dry_run: bool = True,
    language: Literal["", "en", "fr"] = "",
):
    if kind not in IMPORT_KINDS:
        raise services.NotFound(_("Unknown kind of import."))
    content = file.read(services.settings.PARLONS_IMPORT_MAX_BYTES + 1)
    if dry_run:
        report = services.preview_import(
            request.user, kind, content, filename=file.name or "", language=language
        )
        return {**report.as_dict(), "applied": False}
    report = services.import_now(request.user, kind, content, filename=file.name or "", language=language)
    if not report.ok:
        raise Invalid(
            ngettext(
                "Nothing was imported: the file has %(n)s error.",
                "Nothing was imported: the file has %(n)s errors.",
                report.error_count,
            )
            % {"n": report.error_count},
            code="import_invalid",
            details=report.as_dict(),
        )
    return {**report.as_dict(), "applied": True}
