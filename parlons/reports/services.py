"""Saved and scheduled reports (RPT-2): save a report's settings, share them with a team, run them again, and
send them by e-mail every week or month in each recipient's language."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, REPORTS, has_perm, require
from parlons.core.db import atomic
from parlons.core.errors import Forbidden, Invalid, NotFound
from parlons.core.event_types import ReportDeleted, ReportSaved
from parlons.core.events import publish
from parlons.reports.models import SavedReport
from parlons.reports.selectors import Period, Result, get_report, local_zone, parse_params

logger = logging.getLogger(__name__)
SEND_HOUR = 7  # local time of the scheduled e-mails


def saved_reports_for(user) -> QuerySet[SavedReport]:
    """The user's own saved reports and those shared with one of their teams."""
    if not has_perm(user, REPORTS):
        return SavedReport.objects.none()
    return SavedReport.objects.filter(Q(owner=user) | Q(team__in=user.teams.all())).distinct()


def get_saved_report(user, pk) -> SavedReport:
    try:
        return saved_reports_for(user).get(pk=int(pk))
    except (SavedReport.DoesNotExist, ValueError, TypeError):
        raise NotFound()


def next_send(schedule: str, after: datetime) -> datetime | None:
    """Weekly reports go out on Monday mornings, monthly ones on the first of the month (local time)."""
    if not schedule:
        return None
    zone = local_zone()
    day = timezone.localtime(after, zone).date()
    if schedule == SavedReport.Schedule.WEEKLY:
        target = day + timedelta(days=7 - day.weekday())
    else:
        target = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return datetime.combine(target, time(SEND_HOUR), tzinfo=zone)


def scheduled_period(schedule: str, today: date) -> Period:
    if schedule == SavedReport.Schedule.MONTHLY:
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end)
    return Period(today - timedelta(days=7), today - timedelta(days=1))


@atomic
def save_report(
    actor, *, name: str, report: str, data, team=None, schedule: str = "", via: str = "web"
) -> SavedReport:
    """Save a report's settings. The team, when given, must be one of the actor's teams (administrators may
    share with any team). Publishes ``report.saved``."""
    require(actor, REPORTS)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise Invalid(_("Give the report a name (at most 120 characters)."), details={"field": "name"})
    if schedule not in SavedReport.Schedule.values:
        raise Invalid(_("Unknown schedule."), details={"field": "schedule"})
    definition = get_report(report)
    params = parse_params(definition, data)
    if team is not None and not (has_perm(actor, ADMIN) or actor.teams.filter(pk=team.pk).exists()):
        raise Forbidden(_("You can only share a report with your own teams."))
    query = params.query()
    query.pop("from", None)
    query.pop("to", None)
    saved = SavedReport.objects.create(
        owner=actor,
        name=name,
        report=definition.name,
        params=query,
        period_days=params.period.days,
        team=team,
        schedule=schedule,
        next_send_at=next_send(schedule, timezone.now()),
    )
    publish(ReportSaved(actor_id=actor.pk, via=via, id=saved.pk))
    return saved


@atomic
def delete_saved_report(actor, saved: SavedReport, *, via: str = "web") -> None:
    require(actor, REPORTS)
    if saved.owner_id != actor.pk and not has_perm(actor, ADMIN):
        raise Forbidden(_("Only the person who saved this report can delete it."))
    pk = saved.pk
    saved.delete()
    publish(ReportDeleted(actor_id=actor.pk, via=via, id=pk))


def saved_query(saved: SavedReport, period: Period | None = None) -> dict:
    """The saved settings as query values, over ``period`` (default: the same number of days ending today)."""
    period = period or Period.last(saved.period_days)
    return {**saved.params, "from": period.start.isoformat(), "to": period.end.isoformat()}


def run_saved(user, saved: SavedReport, period: Period | None = None) -> Result:
    from parlons.reports.selectors import run_report

    return run_report(user, saved.report, saved_query(saved, period))


def recipients(saved: SavedReport) -> list:
    """The owner, and the members of the team it is shared with, who may see reports and have an address."""
    people = [saved.owner]
    if saved.team_id:
        people += list(saved.team.members.filter(is_active=True))
    seen, out = set(), []
    for person in people:
        if person.pk in seen or not person.is_active or not person.email or not has_perm(person, REPORTS):
            continue
        seen.add(person.pk)
        out.append(person)
    return out


def send_scheduled(saved: SavedReport, *, now: datetime) -> int:
    """Send one scheduled report to its recipients, each in their language, with the pdf and the xlsx."""
    from parlons.notifications.services import send_templated_email, site_url
    from parlons.reports import exports

    today = timezone.localtime(now, local_zone()).date()
    period = scheduled_period(saved.schedule, today)
    sent = 0
    for person in recipients(saved):
        language = person.language or "en"
        with translation.override(language):
            result = run_saved(saved.owner, saved, period)
            attachments = [
                (exports.filename(result, "pdf"), exports.to_pdf(result), exports.FORMATS["pdf"]),
                (exports.filename(result, "xlsx"), exports.to_xlsx(result), exports.FORMATS["xlsx"]),
            ]
            context = {
                "saved": saved,
                "title": result.title,
                "filters": result.filters(),
                "header": [c.label for c in result.columns],
                "lines": [[exports._display(v) for v in row] for row in exports.table(result)[1][:20]],
                "more": max(0, len(result.rows) - 20),
                "url": f"{site_url()}/reports/saved/{saved.pk}/",
            }
        sent += send_templated_email(
            person.email, "reports/email/scheduled", context, language, attachments=attachments
        )
    return sent


def send_due_reports(now: datetime) -> int:
    """The periodic job's work: every scheduled report whose time has come, once each."""
    sent = 0
    due = (
        SavedReport.objects.filter(next_send_at__lte=now).exclude(schedule="").select_related("owner", "team")
    )
    for saved in due:
        # Claim it first (one conditional UPDATE) so that two workers never send it twice.
        claimed = SavedReport.objects.filter(pk=saved.pk, next_send_at=saved.next_send_at).update(
            next_send_at=next_send(saved.schedule, now), last_sent_at=now
        )
        if not claimed:
            continue
        if not has_perm(saved.owner, REPORTS) or not saved.owner.is_active:
            continue  # the owner lost the right to run reports: nothing is sent
        try:
            sent += send_scheduled(saved, now=now)
        except Exception:
            logger.exception("scheduled report %s failed", saved.pk)
    return sent


# --- long ticket exports (RPT-4; the files themselves: parlons.reports.exports) ----------------------------
KEEP_EXPORTS = timedelta(days=2)


def start_ticket_export(user, report: str, params: dict, key: str, fmt: str):
    """Queue an export of the tickets behind a figure, as xlsx or csv. Needs what the drill-down needs
    (reports.view, tickets.read) and data.export; the task is queued in the same transaction as the export
    row. Publishes nothing."""
    from parlons.accounts.permissions import EXPORT
    from parlons.reports.models import ReportExport
    from parlons.reports.selectors import drilldown
    from parlons.reports.tasks import run_export

    if fmt not in ("xlsx", "csv"):
        raise Invalid(_("Tickets can be exported as xlsx or csv."), details={"field": "format"})
    drilldown(user, report, params, key)  # validates and checks reports.view + tickets.read
    require(user, EXPORT)
    with atomic():  # the database task row commits with the export row, or neither
        export = ReportExport.objects.create(
            requested_by=user, report=report, params={**params, "key": key}, format=fmt
        )
        run_export.enqueue(export.pk)
    return export


def run_ticket_export(export_id: int) -> None:
    """The ``run_export`` task's body (the system): write the tickets behind a figure (or a whole report's
    tickets) to a file in steps, keeping the export row's state and progress for the page that polls it; a
    failure is kept on the row and raised again. Publishes nothing."""
    from parlons.reports import exports
    from parlons.reports.models import ReportExport
    from parlons.reports.selectors import drilldown

    export = ReportExport.objects.select_related("requested_by").filter(pk=export_id).first()
    if export is None or export.state != ReportExport.State.QUEUED:
        return
    try:
        params = dict(export.params)
        key = params.pop("key", "")
        queryset = drilldown(export.requested_by, export.report, params, key)
        export.total = queryset.count()
        export.state = ReportExport.State.RUNNING
        export.save(update_fields=["total", "state"])

        def progress(done: int) -> None:
            ReportExport.objects.filter(pk=export.pk).update(done=done)

        name = f"export-{export.pk}-{timezone.now():%Y%m%d%H%M%S}.{export.format}"
        writer = exports.write_tickets_xlsx if export.format == "xlsx" else exports.write_tickets_csv
        written = writer(queryset, exports.export_dir() / name, progress=progress)
        ReportExport.objects.filter(pk=export.pk).update(
            state=ReportExport.State.DONE, file=name, done=written, finished_at=timezone.now()
        )
    except Exception as exc:  # kept on the row: the page shows the export failed
        ReportExport.objects.filter(pk=export.pk).update(
            state=ReportExport.State.FAILED, error=str(exc)[:1000], finished_at=timezone.now()
        )
        raise


def delete_old_exports(now: datetime) -> int:
    """Delete the export files (and their rows) older than ``KEEP_EXPORTS``: they hold personal data. The
    ``reports.cleanup_exports`` job's work (the system); publishes nothing. Returns how many were deleted."""
    from parlons.reports.exports import delete_export_file
    from parlons.reports.models import ReportExport

    old = list(ReportExport.objects.filter(created_at__lt=now - KEEP_EXPORTS))
    for export in old:
        delete_export_file(export)
        export.delete()
    return len(old)
