"""The "Import and export" screen (ENV-7, OPS-3) and the conversation documents of a ticket.

Thin views over ``parlons.exchange.services``: an export form (small exports download at once, large ones run
as a task with a download link), one upload form per kind of import with its template, a preview page that
lists every error by row and column, then explicit confirm or discard buttons."""

from __future__ import annotations

import io
import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parlons.accounts.permissions import ADMIN, EXPORT, MANAGE, READ, has_perm, require
from parlons.core.errors import Forbidden, Invalid, NotFound, ParlonsError
from parlons.exchange import services
from parlons.exchange.imports import IMPORT_KINDS, KINDS, kind_permission
from parlons.exchange.models import ExportJob
from parlons.exchange.workbooks import XLSX
from parlons.web.forms_exchange import ExportForm, ImportForm, kind_label
from parlons.web.views._common import friendly_errors

CATALOGUE_KINDS = ("tags", "teams", "users", "canned")


def can_exchange(user) -> bool:
    return any(has_perm(user, p) for p in (EXPORT, MANAGE, ADMIN))


def _import_kinds(user) -> list[str]:
    kinds = [k for k in IMPORT_KINDS if has_perm(user, kind_permission(k))]
    try:
        from parlons.tickets.models import CannedResponse  # noqa: F401
    except ImportError:
        kinds = [k for k in kinds if k not in ("canned", "canned_rtf")]
    return kinds


def _page(request, *, export_form=None, import_forms=None, status=200):
    user = request.user
    kinds = _import_kinds(user)
    forms = import_forms or {}
    imports = [
        {
            "kind": k,
            "label": kind_label(k),
            "form": forms.get(k) or ImportForm(kind=k),
            "template": k in KINDS,
        }
        for k in kinds
    ]
    can_export = has_perm(user, EXPORT) and has_perm(user, READ)
    context = {
        "can_export": can_export,
        "export_form": export_form or ExportForm(initial=_initial(request)),
        **(_jobs(user) if can_export else {}),
        "imports": imports,
        "sync_limit": settings.PARLONS_EXPORT_SYNC_LIMIT,
        "can_administer": has_perm(user, ADMIN) or has_perm(user, MANAGE),
    }
    return render(request, "web/pages/exchange.html", context, status=status)


def _initial(request) -> dict:
    """The inbox's filters from the query string (``/exchange/?status=open&tags=visa``)."""
    initial = {"notes": True}
    for name in ("q", "tags", "exclude_tags", "team", "created_from", "created_to"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    for name in ("status", "priority", "channel"):
        if request.GET.getlist(name):
            initial[name] = request.GET.getlist(name)
    return initial


@login_required
@friendly_errors
def exchange_page(request):
    if not can_exchange(request.user):
        raise Forbidden()
    return _page(request)


@login_required
@friendly_errors
def export_jobs(request):
    """The list of the user's exports (htmx polls it while one is running)."""
    return render(request, "web/pages/exchange_jobs.html", _jobs(request.user))


def _jobs(user) -> dict:
    jobs = list(services.export_jobs_of(user))
    running = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)
    return {"jobs": jobs, "polling": any(job.status in running for job in jobs)}


@require_POST
@login_required
@friendly_errors
def export_tickets(request):
    require(request.user, EXPORT)
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _page(request, export_form=form, status=400)
    tz = services.user_tz(request.user)
    f = form.filters(tz)
    notes = form.cleaned_data["notes"]
    try:
        if services.export_is_large(request.user, f):
            services.queue_ticket_export(request.user, f, notes=notes)
            messages.success(
                request,
                _("The export has started. It will be listed below with a download link when it is ready."),
            )
            return redirect("exchange")
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        services.export_tickets_now(request.user, f, handle, notes=notes)
    except Invalid as exc:
        form.add_service_error(exc, "q")
        return _page(request, export_form=form, status=400)
    handle.seek(0)
    stamp = timezone.localtime(timezone.now(), tz).strftime("%Y%m%d-%H%M")
    return FileResponse(
        handle, as_attachment=True, filename=f"parlons-tickets-{stamp}.xlsx", content_type=XLSX
    )


@require_GET
@login_required
@friendly_errors
def export_download(request, job_id):
    job = services.export_job_of(request.user, job_id)
    if job.status != ExportJob.Status.DONE or not job.file_path:
        messages.error(request, _("This export is not ready."))
        return redirect("exchange")
    try:
        handle = open(job.file_path, "rb")  # noqa: SIM115 - FileResponse closes it
    except OSError:
        messages.error(request, _("This export does not exist or has expired."))
        return redirect("exchange")
    stamp = timezone.localtime(job.created_at, services.user_tz(request.user)).strftime("%Y%m%d-%H%M")
    return FileResponse(
        handle, as_attachment=True, filename=f"parlons-tickets-{stamp}.xlsx", content_type=XLSX
    )


@require_GET
@login_required
@friendly_errors
def catalogue_download(request, kind: str, what: str):
    """An import template (``what="template"``) or the current data of that kind (``what="data"``)."""
    if kind not in CATALOGUE_KINDS or what not in ("template", "data"):
        raise NotFound()
    content = services.catalogue_workbook(request.user, kind, with_rows=what == "data")
    name = f"parlons-{kind}-template.xlsx" if what == "template" else f"parlons-{kind}.xlsx"
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=XLSX)


@require_POST
@login_required
@friendly_errors
def import_upload(request, kind: str):
    if kind not in IMPORT_KINDS:
        raise NotFound()
    require(request.user, kind_permission(kind))
    form = ImportForm(request.POST, request.FILES, kind=kind)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.stage_import(
                request.user,
                kind,
                upload.read(),
                filename=upload.name,
                language=form.cleaned_data.get("language") or "",
            )
            return redirect("exchange_import", batch_id=batch.pk)
        except Invalid as exc:
            form.add_error("file", str(exc.message))
    return _page(request, import_forms={kind: form}, status=400)


@login_required
@friendly_errors
def import_preview(request, batch_id):
    batch = services.import_batch_of(request.user, batch_id)
    summary = batch.summary or {}
    columns = []
    for row in summary.get("rows", []):
        for code in row["values"]:
            if code not in columns:
                columns.append(code)
    rows = []
    for row in summary.get("rows", []):
        bad = {e["column"] for e in row["errors"]}
        cells = [(row["values"].get(code), code in bad) for code in columns]
        rows.append({**row, "cells": cells})
    return render(
        request,
        "web/pages/exchange_preview.html",
        {
            "batch": batch,
            "summary": summary,
            "columns": columns,
            "rows": rows,
            "kind_label": kind_label(batch.kind),
            "rows_with_errors": [r for r in summary.get("rows", []) if r["errors"]],
            "same": summary.get("counts", {}).get("unchanged", 0)
            + summary.get("counts", {}).get("exists", 0),
        },
    )


@require_POST
@login_required
@friendly_errors
def import_confirm(request, batch_id):
    try:
        report = services.confirm_import(request.user, batch_id)
    except Invalid as exc:
        messages.error(request, str(exc.message))
        return redirect("exchange_import", batch_id=batch_id)
    if report.ok:
        counts = report.counts()
        messages.success(
            request,
            _("Import done: %(created)s created, %(updated)s updated, %(same)s unchanged.")
            % {
                "created": counts.get("create", 0),
                "updated": counts.get("update", 0),
                "same": counts.get("unchanged", 0) + counts.get("exists", 0),
            },
        )
        return redirect("exchange")
    messages.error(
        request, _("Nothing was imported: the data changed since the preview. See the errors below.")
    )
    return redirect("exchange_import", batch_id=batch_id)


@require_POST
@login_required
@friendly_errors
def import_discard(request, batch_id):
    services.discard_import(request.user, batch_id)
    messages.success(request, _("The import was cancelled. Nothing was changed."))
    return redirect("exchange")


@require_GET
@login_required
@friendly_errors
def conversation_download(request, pk: int, fmt: str):
    """The conversation of a ticket as rtf, pdf or docx (``?notes=1`` adds the internal notes)."""
    try:
        content, content_type, name = services.conversation_document(
            request.user, pk, fmt, notes=request.GET.get("notes") == "1"
        )
    except ParlonsError as exc:
        if exc.status == 400:
            return HttpResponse(str(exc.message), status=400, content_type="text/plain; charset=utf-8")
        raise
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=content_type)
