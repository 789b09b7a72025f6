"""Report pages (RPT-1..4): the list of reports, one page per report (period, filters, table, chart, exports),
the tickets behind a figure, and long ticket exports with their progress."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.accounts.models import Team
from parlons.accounts.permissions import EXPORT, READ, REPORTS, has_perm, require
from parlons.core.errors import Invalid, NotFound
from parlons.reports import exports
from parlons.reports.charts import build_chart
from parlons.reports.models import ReportExport, SavedReport, TicketMetrics
from parlons.reports.selectors import (
    BUCKETS,
    MEASURES,
    drilldown,
    get_report,
    parse_params,
    run_report,
)
from parlons.reports.selectors import (
    REPORTS as STANDARD_REPORTS,
)
from parlons.reports.services import (
    delete_saved_report,
    get_saved_report,
    save_report,
    saved_query,
    saved_reports_for,
    start_ticket_export,
)
from parlons.tickets.models import Platform, Tag, Ticket
from parlons.web.views._common import friendly_errors

PAGE_SIZE = 50


def _query(params) -> str:
    return urlencode(params.query(), doseq=True)


def _hidden(params) -> list[tuple[str, str]]:
    """The parameters as (name, value) pairs for hidden form fields."""
    return [(k, v) for k, vs in params.query().items() for v in (vs if isinstance(vs, list) else [vs])]


@login_required
@friendly_errors
def report_list(request):
    require(request.user, REPORTS)
    saved = saved_reports_for(request.user).select_related("owner", "team")
    return render(
        request,
        "web/pages/reports.html",
        {
            "reports": [r for r in STANDARD_REPORTS.values() if r.name != "custom"],
            "custom": STANDARD_REPORTS["custom"],
            "saved": saved,
        },
    )


def _choices(report, request):
    """What the filter form offers (and which values are selected)."""
    lang = request.LANGUAGE_CODE
    return {
        "tags": [(t.slug, t.name_in(lang)) for t in Tag.objects.filter(is_archived=False)],
        "teams": list(Team.objects.values_list("pk", "name")),
        "channels": [(value, str(label)) for value, label in Platform.choices],
        "buckets": BUCKETS,
        "measures": [(code, str(m.label)) for code, m in MEASURES.items()],
        "my_teams": list(request.user.teams.values_list("pk", "name")),
        "schedules": SavedReport.Schedule.choices,
        "selected": {
            "tag": request.GET.getlist("tag"),
            "team": request.GET.getlist("team"),
            "channel": request.GET.getlist("channel"),
            "language": request.GET.getlist("language"),
            "measure": request.GET.getlist("measure") or ["created"],
        },
    }


@login_required
@friendly_errors
def report_page(request, name: str):
    require(request.user, REPORTS)
    report = get_report(name)
    context = {
        "report": report,
        "error": "",
        "result": None,
        # After a bulk load or a restore the figures exist only once `parlons reports rebuild` has run.
        "missing_figures": not TicketMetrics.objects.exists() and Ticket.objects.exists(),
        **_choices(report, request),
    }
    status = 200
    try:
        result = run_report(request.user, name, request.GET)
    except Invalid as exc:
        context["error"] = str(exc.message)
        status = 400
    else:
        query = _query(result.params)
        context.update(
            {
                "result": result,
                "params": result.params,
                "query": query,
                "chart": build_chart(result),
                "table_rows": [
                    {
                        "key": row["key"],
                        "cells": [(row.get(c.key), c.kind, c.key == "tickets") for c in result.columns],
                    }
                    for row in result.rows
                ],
                "can_drill": has_perm(request.user, READ),
                "formats": ["xlsx", "pdf", "docx", "csv"],
                "hidden": _hidden(result.params),
            }
        )
    context.setdefault("params", None)
    return render(request, "web/pages/reports_detail.html", context, status=status)


@login_required
@friendly_errors
def report_download(request, name: str, fmt: str):
    if fmt not in exports.FORMATS:
        raise NotFound()
    try:
        result = run_report(request.user, name, request.GET)
    except Invalid as exc:
        return HttpResponse(str(exc.message), status=400, content_type="text/plain; charset=utf-8")
    body = exports.render(result, fmt)
    cls = StreamingHttpResponse if fmt == "csv" else HttpResponse
    response = cls(body, content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(result, fmt)}"'
    return response


@login_required
@friendly_errors
def report_tickets(request, name: str):
    report = get_report(name)
    key = request.GET.get("key", "")
    try:
        params = parse_params(report, request.GET)
        tickets = drilldown(request.user, name, request.GET, key)
    except Invalid as exc:
        require(request.user, REPORTS)
        return render(
            request,
            "web/pages/reports_tickets.html",
            {"report": report, "error": str(exc.message)},
            status=400,
        )
    page = Paginator(
        tickets.select_related("channel_group", "team", "assignee").order_by("-created_at", "-id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    base = {**params.query(), "key": key}
    return render(
        request,
        "web/pages/reports_tickets.html",
        {
            "report": report,
            "params": params,
            "key": key,
            "page": page,
            "count": page.paginator.count,
            "query": urlencode(base, doseq=True),
            "report_query": _query(params),
            "can_export": has_perm(request.user, EXPORT),
            "hidden": _hidden(params),
        },
    )


@login_required
@require_POST
@friendly_errors
def report_tickets_export(request, name: str):
    report = get_report(name)
    fmt = request.POST.get("format", "xlsx")
    try:
        params = parse_params(report, request.POST)
        export = start_ticket_export(request.user, name, params.query(), request.POST.get("key", ""), fmt)
    except Invalid as exc:
        return render(
            request,
            "web/pages/reports_tickets.html",
            {"report": report, "error": str(exc.message)},
            status=400,
        )
    return redirect(reverse("report_export_status", args=[export.pk]))


def _own_export(request, pk: int) -> ReportExport:
    export = ReportExport.objects.filter(pk=pk, requested_by=request.user).first()
    if export is None:
        raise NotFound()
    return export


@login_required
@friendly_errors
def report_export_status(request, pk: int):
    require(request.user, REPORTS)
    export = _own_export(request, pk)
    template = "web/pages/reports_export_progress.html" if request.htmx else "web/pages/reports_export.html"
    return render(request, template, {"export": export, "report": STANDARD_REPORTS.get(export.report)})


@login_required
@friendly_errors
def report_export_download(request, pk: int):
    require(request.user, REPORTS)
    export = _own_export(request, pk)
    if export.state != ReportExport.State.DONE or not export.file:
        raise NotFound()
    path = exports.export_dir() / export.file
    if not path.exists():
        raise NotFound()
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115  (FileResponse closes it)
        as_attachment=True,
        filename=f"{export.report}-tickets.{export.format}",
        content_type=exports.FORMATS[export.format],
    )


@login_required
@require_POST
@friendly_errors
def saved_report_create(request):
    require(request.user, REPORTS)
    name = request.POST.get("report", "")
    team = None
    if request.POST.get("team"):
        team = Team.objects.filter(pk=request.POST["team"]).first()
        if team is None:
            messages.error(request, _("No such team."))
            return redirect(reverse("reports"))
    try:
        saved = save_report(
            request.user,
            name=request.POST.get("name", ""),
            report=name,
            data=request.POST,
            team=team,
            schedule=request.POST.get("schedule", ""),
        )
    except Invalid as exc:
        messages.error(request, str(exc.message))
        return redirect(reverse("reports"))
    messages.success(request, _("Report saved as “%(name)s”.") % {"name": saved.name})
    return redirect(reverse("reports"))


@login_required
@friendly_errors
def saved_report_open(request, pk: int):
    saved = get_saved_report(request.user, pk)
    return redirect(f"{reverse('report', args=[saved.report])}?{urlencode(saved_query(saved), doseq=True)}")


@login_required
@require_POST
@friendly_errors
def saved_report_delete(request, pk: int):
    saved = get_saved_report(request.user, pk)
    delete_saved_report(request.user, saved)
    messages.success(request, _("Saved report deleted."))
    return redirect(reverse("reports"))
