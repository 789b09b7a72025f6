"""Data exchange (ENV-7, OPS-3): the only writers of ``ExportJob`` and ``ImportBatch``, and the entry points the
web screens, the API and the tasks call. Imports write the catalogue through the catalogue and accounts
services (``parlons.exchange.imports``), never directly.

Permissions: ticket exports need data.export (+ tickets.read); a conversation document needs tickets.read;
imports and their templates need system.admin for users and teams, tickets.manage for tags and canned
responses."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parlons.accounts.permissions import EXPORT, READ, WRITE, require
from parlons.accounts.services import record_security_event
from parlons.core.db import atomic
from parlons.core.errors import Invalid, NotFound
from parlons.exchange import documents, imports, selectors, workbooks
from parlons.exchange.models import ExportJob, ImportBatch
from parlons.tickets.selectors import TicketFilters

EXPORT_KEEP = dt.timedelta(days=7)


def user_tz(user):
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


# --- ticket exports --------------------------------------------------------------------------------
def export_tickets_now(actor, f: TicketFilters, out, *, notes: bool = True) -> int:
    """Write the xlsx export to ``out`` now (small exports, the API). Needs data.export."""
    count = workbooks.write_ticket_export(actor, f, out, tz=user_tz(actor), notes=notes)
    record_security_event("data.exported", actor=actor, what="tickets", tickets=count)
    return count


def export_is_large(actor, f: TicketFilters) -> bool:
    """Whether the export should run in the background (more tickets than PARLONS_EXPORT_SYNC_LIMIT)."""
    return selectors.count_export(actor, f) > settings.PARLONS_EXPORT_SYNC_LIMIT


@atomic
def queue_ticket_export(actor, f: TicketFilters, *, notes: bool = True) -> ExportJob:
    """Start an export in the background; the job row and its task are written in the same transaction.
    Needs data.export; a bad filter is refused here, before anything is queued."""
    total = selectors.count_export(actor, f)  # checks permissions and the filters
    job = ExportJob.objects.create(
        user=actor,
        total=total,
        params={
            "filters": selectors.filters_to_json(f),
            "notes": notes,
            "language": translation.get_language() or getattr(actor, "language", "en"),
        },
    )
    from parlons.exchange.tasks import run_ticket_export

    run_ticket_export.enqueue(str(job.pk))
    return job


def _exports_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_export_job(job_id: str) -> None:
    """The task's work: write the file under MEDIA_ROOT/exports/, with progress. The job's user is checked
    again (a permission removed meanwhile fails the job)."""
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status not in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING):
        return
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    path = _exports_dir() / f"{job.pk}.xlsx"
    with translation.override(job.params.get("language") or job.user.language):
        try:
            with open(path, "wb") as out:

                def progress(done: int) -> None:
                    ExportJob.objects.filter(pk=job.pk).update(done=done)

                count = workbooks.write_ticket_export(
                    job.user,
                    selectors.filters_from_json(job.params.get("filters", {})),
                    out,
                    tz=user_tz(job.user),
                    notes=job.params.get("notes", True),
                    progress=progress,
                )
        except Exception as exc:  # the job shows the failure; the worker goes on
            path.unlink(missing_ok=True)
            message = getattr(exc, "message", None) or _("The export failed.")
            ExportJob.objects.filter(pk=job.pk).update(
                status=ExportJob.Status.FAILED, error=str(message), finished_at=timezone.now()
            )
            return
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        done=count,
        total=count,
        file_path=str(path),
        size=os.path.getsize(path),
        finished_at=timezone.now(),
    )
    record_security_event("data.exported", actor=job.user, what="tickets", tickets=count, job=str(job.pk))


def export_jobs_of(actor):
    require(actor, EXPORT)
    return ExportJob.objects.filter(user=actor)[:20]


def export_job_of(actor, job_id) -> ExportJob:
    """A job of the actor's own (nobody else's), or NotFound."""
    require(actor, EXPORT)
    try:
        return ExportJob.objects.get(pk=job_id, user=actor)
    except (ExportJob.DoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound(_("This export does not exist or has expired."))


def purge_old_exports(now=None) -> int:
    """Delete export files and jobs older than a week (called by the periodic job)."""
    cutoff = (now or timezone.now()) - EXPORT_KEEP
    old = list(ExportJob.objects.filter(created_at__lt=cutoff))
    for job in old:
        if job.file_path:
            Path(job.file_path).unlink(missing_ok=True)
    ImportBatch.objects.filter(created_at__lt=cutoff).delete()
    return ExportJob.objects.filter(pk__in=[j.pk for j in old]).delete()[0]


# --- conversation documents ------------------------------------------------------------------------
def conversation_document(actor, ticket_id, fmt: str, *, notes: bool = False) -> tuple[bytes, str, str]:
    """A ticket's conversation as rtf, pdf or docx: (content, content type, file name). Needs tickets.read."""
    require(actor, READ)
    if fmt not in documents.WRITERS:
        raise Invalid(_("The format must be rtf, pdf or docx."), details={"field": "format"})
    conv = selectors.conversation_of(actor, ticket_id, notes=notes)
    outline = documents.outline_of(conv, tz=user_tz(actor), language=translation.get_language() or "en")
    content = documents.WRITERS[fmt](outline)
    return content, documents.FORMATS[fmt], f"ticket-{conv.ticket.pk}.{fmt}"


# --- catalogue workbooks ---------------------------------------------------------------------------
def catalogue_workbook(actor, kind: str, *, with_rows: bool) -> bytes:
    """An import template (``with_rows=False``) or the current catalogue of ``kind`` in the same shape.
    Needs the permission of that kind of import."""
    if kind not in imports.KINDS:
        raise NotFound(_("Unknown kind of import."))
    require(actor, imports.kind_permission(kind))
    return workbooks.catalogue_workbook(kind, with_rows=with_rows)


# --- imports ---------------------------------------------------------------------------------------
def _check_kind(actor, kind: str) -> None:
    if kind not in imports.IMPORT_KINDS:
        raise NotFound(_("Unknown kind of import."))
    if kind == "canned" or kind == imports.RTF_KIND:
        from parlons.tickets import models as ticket_models

        if not hasattr(ticket_models, "CannedResponse"):
            raise NotFound(_("Unknown kind of import."))
    require(actor, imports.kind_permission(kind))
    if kind == "tags":
        require(
            actor, WRITE
        )  # creating a tag is tickets.write (agents tag as they work); changing one is manage


def preview_import(
    actor, kind: str, content: bytes, *, filename: str = "", language: str = ""
) -> imports.Report:
    """Read and try the file without writing anything (the API's dry run). Raises ``Invalid`` for a bad file."""
    _check_kind(actor, kind)
    report = imports.read(kind, content, filename=filename, language=language or _lang(actor))
    return imports.trial(report, actor)


def _lang(actor) -> str:
    return (translation.get_language() or getattr(actor, "language", "en") or "en")[:2]


def stage_import(actor, kind: str, content: bytes, *, filename: str = "", language: str = "") -> ImportBatch:
    """Check the file and keep it, with its preview, until the actor confirms (or discards) it. A bad file is
    refused (``Invalid``) and nothing is kept."""
    report = preview_import(actor, kind, content, filename=filename, language=language)
    return ImportBatch.objects.create(
        user=actor,
        kind=kind,
        filename=(filename or "")[:255],
        content=content,
        options={"language": language or _lang(actor)},
        summary=report.as_dict(),
    )


def import_batch_of(actor, batch_id, *, lock: bool = False) -> ImportBatch:
    qs = ImportBatch.objects.select_for_update() if lock else ImportBatch.objects
    try:
        batch = qs.get(pk=batch_id, user=actor)
    except (ImportBatch.DoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound(_("This import does not exist or has expired."))
    require(actor, imports.kind_permission(batch.kind))
    return batch


@atomic
def confirm_import(actor, batch_id) -> imports.Report:
    """Write a previewed import, in one transaction, through the services. The file is read and checked again
    (the data may have changed since the preview); when any row fails nothing is written and the report says
    why. The batch row is locked, so two clicks never import twice."""
    batch = import_batch_of(actor, batch_id, lock=True)
    if batch.status != ImportBatch.Status.PREVIEW:
        raise Invalid(_("This import was already applied or discarded."), code="import_done")
    report = import_now(
        actor,
        batch.kind,
        bytes(batch.content),
        filename=batch.filename,
        language=batch.options.get("language", ""),
    )
    batch.summary = report.as_dict()
    if report.ok:
        batch.status = ImportBatch.Status.APPLIED
        batch.applied_at = timezone.now()
        batch.content = b""
    batch.save(update_fields=["summary", "status", "applied_at", "content"])
    return report


def import_now(actor, kind: str, content: bytes, *, filename: str = "", language: str = "") -> imports.Report:
    """Check and write in one go (the API without dry run); nothing is written when any row fails."""
    _check_kind(actor, kind)
    report = imports.read(kind, content, filename=filename, language=language or _lang(actor))
    imports.apply(report, actor)
    if report.ok:
        record_security_event("data.imported", actor=actor, import_kind=kind, counts=report.counts())
    return report


def discard_import(actor, batch_id) -> None:
    batch = import_batch_of(actor, batch_id)
    if batch.status == ImportBatch.Status.PREVIEW:
        batch.status = ImportBatch.Status.DISCARDED
        batch.content = b""
        batch.save(update_fields=["status", "content"])
