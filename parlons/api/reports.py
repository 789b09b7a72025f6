"""/api/v1/reports: the standard reports for dashboards and scripts (RPT-1, RPT-3, RPT-4).

``GET /api/v1/reports`` lists them; ``GET /api/v1/reports/{name}?from=YYYY-MM-DD&to=YYYY-MM-DD&format=json``
runs one (``format`` = json, csv, xlsx, pdf or docx) with the report's own filters (``by``, ``hours``, ``tag``,
``team``, ``channel``, ``channel_group``, ``language``, ``keywords``, ``bucket``, ``term_language``);
``GET /api/v1/reports/{name}/tickets?key=…`` lists the tickets behind one row's figure. Needs reports.view (and
tickets.read for the tickets). Bad dates, names or filters answer 400/404 with a clear message."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from parlons.accounts.permissions import REPORTS, require
from parlons.api.common import ERRORS
from parlons.core.errors import Invalid
from parlons.reports import exports
from parlons.reports.selectors import REPORTS as STANDARD_REPORTS
from parlons.reports.selectors import drilldown, run_report

router = Router(tags=["reports"])
MAX_TICKETS_PAGE = 500


def _json_value(value):
    return value.isoformat() if isinstance(value, date) else value


@router.get("", response={200: list[dict], **ERRORS}, summary="The standard reports and their groupings")
def list_reports(request):
    require(request.user, REPORTS)
    return [
        {
            "name": r.name,
            "title": str(r.title),
            "description": str(r.description),
            "by": [code for code, _label in r.dimensions],
            "default_by": r.default_by,
            "hours": r.uses_hours,
        }
        for r in STANDARD_REPORTS.values()
    ]


@router.get(
    "/{name}",
    response={200: dict, **ERRORS},
    summary="Run a report over a period (json, csv, xlsx, pdf, docx)",
)
def get_report(request, name: str):
    """`name` is a standard report or a saved report's id.

    Query: `from`, `to` (YYYY-MM-DD, both included; default the last 30 days), `format`, `by`, `hours`
    (calendar or business), `tag`, `team`, `channel`, `channel_group`, `language` (repeat or comma-separate),
    `keywords`, `bucket` (day, week, month), `term_language`."""
    fmt = (request.GET.get("format") or "json").lower()
    if fmt not in ("json", *exports.FORMATS):
        raise Invalid(_("format must be json, csv, xlsx, pdf or docx."), details={"field": "format"})
    if name.isdigit():  # a saved report: its settings, over the given period or its own length ending today
        from parlons.reports.services import get_saved_report, saved_query

        saved = get_saved_report(request.user, name)
        data = saved_query(saved)
        data.update({k: request.GET[k] for k in ("from", "to") if request.GET.get(k)})
        result = run_report(request.user, saved.report, data)
    else:
        result = run_report(request.user, name, request.GET)
    if fmt == "json":
        p = result.params.period
        return JsonResponse(
            {
                "report": result.report.name,
                "title": result.title,
                "period": {"from": p.start.isoformat(), "to": p.end.isoformat()},
                "filters": [{"label": k, "value": v} for k, v in result.filters()],
                "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in result.columns],
                "rows": [{k: _json_value(v) for k, v in row.items()} for row in result.rows],
                "note": result.note,
            }
        )
    body = exports.render(result, fmt)
    cls = StreamingHttpResponse if fmt == "csv" else HttpResponse
    response = cls(body, content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(result, fmt)}"'
    return response


@router.get("/{name}/tickets", response={200: dict, **ERRORS}, summary="The tickets behind one figure")
def report_tickets(request, name: str, key: str = "", limit: int = 100, after: int = 0):
    """`key` is the row's `key` in the report; the same period and filters as the report. Pages by ticket id:
    pass the last `id` as `after` for the next page."""
    if not 1 <= limit <= MAX_TICKETS_PAGE:
        raise Invalid(
            _("limit must be between 1 and %(max)s.") % {"max": MAX_TICKETS_PAGE}, details={"field": "limit"}
        )
    tickets = drilldown(request.user, name, request.GET, key)
    total = tickets.count()
    page = list(
        tickets.filter(pk__gt=after)
        .order_by("pk")
        .values("id", "subject", "status", "created_at", "resolved_at", "team_id", "assignee_id")[:limit]
    )
    return JsonResponse(
        {
            "count": total,
            "items": [
                {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in t.items()} for t in page
            ],
            "next_after": page[-1]["id"] if len(page) == limit else None,
        }
    )
