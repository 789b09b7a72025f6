"""The standard reports (RPT-1, RPT-3): their definitions, how each one runs and finds the tickets behind a
figure, and the registry of every report (the custom one registers itself in ``custom.py``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Avg, Count, F, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parlons.reports.models import TermDay
from parlons.reports.selectors.dimensions import (
    AGENT_TIME,
    DIMENSIONS,
    METRICS,
    TERMS,
    Base,
    Dimension,
    Median,
    _dimension,
    _filtered,
    _hours,
    _medians,
)
from parlons.reports.selectors.params import MAX_TERMS, NONE, Params, _parse_date, local_zone
from parlons.reports.selectors.results import Column, Result
from parlons.tickets.models import Ticket


# --- reports ----------------------------------------------------------------------------------------
@dataclass
class Report:
    name: str
    title: object
    description: object
    dimensions: list[tuple[str, object]] = field(default_factory=list)
    default_by: str = ""
    uses_hours: bool = False
    run: Callable[[Report, Params], Result] | None = None
    drill: Callable[[Report, Params, str], QuerySet] | None = None
    dims: dict[str, str] = field(default_factory=dict)  # by -> DIMENSIONS key
    date_field: str = "created_at"


def _unfiltered(params: Params) -> bool:
    """No ticket filter is set: the day counts of terms (``TermDay``) answer for the terms and keywords."""
    p = params
    return not (p.teams or p.channels or p.channel_groups or p.languages or p.tags)


def _count_rows(report: Report, params: Params, *, measure_label, limit: int | None = None) -> Result:
    """Tickets counted per dimension value (the most common report shape)."""
    dim = _dimension(report.dims[params.by], params)
    if dim is DIMENSIONS["term"] and report.date_field == "created_at" and _unfiltered(params):
        counted = _term_days(params).values("term").annotate(n=Sum("tickets")).filter(n__gt=0)
        counted = counted.order_by("-n", "term").values_list("term", "n")
    else:
        qs = _filtered(dim.base, params, report.date_field)
        if dim is DIMENSIONS["term"] and params.term_language:
            qs = qs.filter(language=params.term_language)
        counted = qs.annotate(_k=dim.expr()).values("_k").annotate(n=dim.count()).order_by("-n", "_k")
        counted = counted.values_list("_k", "n")
    if limit:
        counted = counted[:limit]
    counts = dict(counted)
    keys = dim.all_keys() if dim.all_keys else list(counts)
    names = dim.names([k for k in keys if k is not None])
    rows = [
        {
            "key": NONE if k is None else str(k),
            "label": names.get(k, str(dim.none_label) if k is None else str(k)),
            "tickets": counts.get(k, 0),
        }
        for k in keys
    ]
    if not dim.all_keys:
        rows.sort(key=lambda r: (-r["tickets"], r["label"]))
    return Result(
        report,
        params,
        [Column("label", str(dim.label), "text"), Column("tickets", str(measure_label))],
        rows,
        "tickets",
    )


def _count_drill(report: Report, params: Params, key: str) -> QuerySet:
    dim = _dimension(report.dims[params.by], params)
    qs = _filtered(dim.base, params, report.date_field)
    if dim is DIMENSIONS["term"] and params.term_language:
        qs = qs.filter(language=params.term_language)
    return Ticket.objects.filter(pk__in=dim.key_q(qs, key).values("ticket_id"))


def _run_count(label):
    return lambda report, params: _count_rows(
        report, params, measure_label=label, limit=MAX_TERMS if params.by == "term" else None
    )


def _handling_field(base: Base, params: Params) -> str:
    if base is AGENT_TIME:
        return "business_seconds" if params.hours == "business" else "seconds"
    name = "handling_business_seconds" if params.hours == "business" else "handling_seconds"
    return base.prefix + name


def _run_handling(report: Report, params: Params) -> Result:
    dim = _dimension(report.dims[params.by], params)
    qs = _filtered(dim.base, params, "resolved_at")
    value = _handling_field(dim.base, params)
    data = (
        qs.annotate(_k=dim.expr())
        .values("_k")
        .annotate(n=dim.count(), total=Sum(value), avg=Avg(value))
        .order_by("-total")
    )
    data = list(data)
    names = dim.names([r["_k"] for r in data if r["_k"] is not None])
    rows = [
        {
            "key": NONE if r["_k"] is None else str(r["_k"]),
            "label": names.get(r["_k"], str(dim.none_label)),
            "tickets": r["n"],
            "total_hours": _hours(r["total"]),
            "average_hours": _hours(r["avg"]),
        }
        for r in data
    ]
    columns = [
        Column("label", str(dim.label), "text"),
        Column("tickets", _("Resolved tickets")),
        Column("total_hours", _("Handling time (hours)"), "hours"),
        Column("average_hours", _("Average per ticket (hours)"), "hours"),
    ]
    return Result(report, params, columns, rows, "total_hours", note=_business_note(params))


def _business_note(params: Params) -> str:
    from parlons.reports.hours import current_calendar

    if params.hours == "business" and current_calendar() is None:
        return _("Business hours are not configured: business-hour figures are empty.")
    return ""


def _drill_resolved(report: Report, params: Params, key: str) -> QuerySet:
    dim = _dimension(report.dims[params.by], params)
    return Ticket.objects.filter(
        pk__in=dim.key_q(_filtered(dim.base, params, "resolved_at"), key).values("ticket_id")
    )


def _run_resolution(report: Report, params: Params) -> Result:
    dim = _dimension(report.dims[params.by], params)
    value = dim.base.prefix + (
        "resolution_business_seconds" if params.hours == "business" else "resolution_seconds"
    )
    resolved = _filtered(dim.base, params, "resolved_at")
    grouped = resolved.annotate(_k=dim.expr()).values("_k")
    if connection.vendor == "postgresql" and not dim.distinct:  # one pass: count, average and median
        data = {r["_k"]: r for r in grouped.annotate(n=dim.count(), avg=Avg(value), median=Median(value))}
        medians = {k: r["median"] for k, r in data.items()}
    else:
        data = {r["_k"]: r for r in grouped.annotate(n=dim.count(), avg=Avg(value))}
        medians = _medians(resolved, dim, value)
    # Created per the same grouping; for people, the tickets assigned to them now.
    created_dim = dim
    if params.by == "agent":
        created_dim = Dimension("agent", dim.label, METRICS, lambda: F("assignee"), dim.names, dim.none_label)
    created = dict(
        _filtered(created_dim.base, params, "created_at")
        .annotate(_k=created_dim.expr())
        .values("_k")
        .annotate(n=created_dim.count())
        .values_list("_k", "n")
    )
    keys = list(data) + [k for k in created if k not in data]
    names = dim.names([k for k in keys if k is not None])
    rows = []
    for k in keys:
        n = data.get(k, {}).get("n", 0)
        c = created.get(k, 0)
        rows.append(
            {
                "key": NONE if k is None else str(k),
                "label": names.get(k, str(dim.none_label)),
                "tickets": n,
                "average_hours": _hours(data.get(k, {}).get("avg")),
                "median_hours": _hours(medians.get(k)),
                "created": c,
                "ratio": round(n / c, 2) if c else None,
            }
        )
    rows.sort(key=lambda r: (-r["tickets"], r["label"]))
    columns = [
        Column("label", str(dim.label), "text"),
        Column("tickets", _("Resolved tickets")),
        Column("average_hours", _("Average resolution time (hours)"), "hours"),
        Column("median_hours", _("Median resolution time (hours)"), "hours"),
        Column("created", _("Created tickets")),
        Column("ratio", _("Resolved / created"), "ratio"),
    ]
    return Result(report, params, columns, rows, "average_hours", note=_business_note(params))


_TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def _term_days(params: Params) -> QuerySet:
    """The day counts of terms over the period (the terms of tickets created then, when no ticket filter is
    set): the same figures as counting ``TicketTerm`` rows, from a few rows per day."""
    qs = TermDay.objects.filter(day__gte=params.period.start, day__lte=params.period.end)
    if params.term_language:
        qs = qs.filter(language=params.term_language)
    return qs


def _keywords(params: Params) -> list[str]:
    if params.keywords:
        return list(params.keywords)
    if _unfiltered(params):
        counted = _term_days(params).values("term").annotate(n=Sum("tickets")).filter(n__gt=0)
        return list(counted.order_by("-n", "term").values_list("term", flat=True)[:5])
    qs = _filtered(TERMS, params, "created_at")
    if params.term_language:
        qs = qs.filter(language=params.term_language)
    return list(
        qs.values("term").annotate(n=Count("id")).order_by("-n", "term").values_list("term", flat=True)[:5]
    )


def _keyword_rows(params: Params) -> QuerySet:
    qs = _filtered(TERMS, params, "created_at")
    if params.term_language:
        qs = qs.filter(language=params.term_language)
    return qs.annotate(_b=_TRUNC[params.bucket]("created_at", tzinfo=local_zone()))


def _run_keywords(report: Report, params: Params) -> Result:
    from parlons.search.text import fold

    words = [fold(k) for k in _keywords(params)]
    if _unfiltered(params):
        data = _keyword_days(params, words)
    else:
        data = (
            _keyword_rows(params)
            .filter(term__in=words)
            .values("_b", "term")
            .annotate(n=Count("id"))
            .order_by("_b", "term")
        )
    rows = []
    for r in data:
        bucket = r["_b"].date() if isinstance(r["_b"], datetime) else r["_b"]
        rows.append(
            {
                "key": f"{r['term']}|{bucket.isoformat()}",
                "label": r["term"],
                "period": bucket,
                "tickets": r["n"],
            }
        )
    columns = [
        Column("period", _("Period starting"), "date"),
        Column("label", _("Keyword"), "text"),
        Column("tickets", _("Tickets")),
    ]
    return Result(report, params, columns, rows, "tickets")


def _bucket_start(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _keyword_days(params: Params, words: list[str]) -> list[dict]:
    """Tickets per keyword and interval from the day counts, in the order of the raw query (interval, term)."""
    counted = (
        _term_days(params)
        .filter(term__in=words)
        .values("day", "term")
        .annotate(n=Sum("tickets"))
        .filter(n__gt=0)
        .order_by("term", "day")
        .values_list("day", "term", "n")
    )
    totals: dict[tuple[date, str], int] = defaultdict(int)
    rank: dict[str, int] = {}
    for day, term, n in counted:
        rank.setdefault(term, len(rank))  # the database's order of the terms (its collation)
        totals[(_bucket_start(day, params.bucket), term)] += n
    return [
        {"_b": bucket, "term": term, "n": n}
        for (bucket, term), n in sorted(totals.items(), key=lambda item: (item[0][0], rank[item[0][1]]))
    ]


def _drill_keywords(report: Report, params: Params, key: str) -> QuerySet:
    term, _sep, day = key.partition("|")
    start = _parse_date(day, "key")
    if params.bucket == "day":
        end = start + timedelta(days=1)
    elif params.bucket == "week":
        end = start + timedelta(days=7)
    else:
        end = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    tz = local_zone()
    qs = _keyword_rows(params).filter(
        term=term,
        created_at__gte=datetime.combine(start, time(), tzinfo=tz),
        created_at__lt=datetime.combine(end, time(), tzinfo=tz),
    )
    return Ticket.objects.filter(pk__in=qs.values("ticket_id"))


REPORTS: dict[str, Report] = {}


def _register(report: Report) -> Report:
    REPORTS[report.name] = report
    return report


_register(
    Report(
        "tickets-by-tag",
        gettext_lazy("Tickets by tag"),
        gettext_lazy("Tickets created in the period that carry each tag (choose tags to see only those)."),
        [("tag", gettext_lazy("Tag"))],
        "tag",
        run=_run_count(gettext_lazy("Tickets")),
        drill=_count_drill,
        dims={"tag": "tag"},
    )
)
_register(
    Report(
        "resolved-by-agent",
        gettext_lazy("Tickets resolved per person"),
        gettext_lazy("Tickets resolved in the period, by the person assigned when they were resolved."),
        [("agent", gettext_lazy("Person"))],
        "agent",
        run=_run_count(gettext_lazy("Resolved tickets")),
        drill=_count_drill,
        dims={"agent": "resolver"},
        date_field="resolved_at",
    )
)
_register(
    Report(
        "created-by-team",
        gettext_lazy("Tickets created per team or group"),
        gettext_lazy("Tickets created in the period, per team or per channel group."),
        [("team", gettext_lazy("Team")), ("channel_group", gettext_lazy("Channel group"))],
        "team",
        run=_run_count(gettext_lazy("Created tickets")),
        drill=_count_drill,
        dims={"team": "team", "channel_group": "channel_group"},
    )
)
_register(
    Report(
        "resolved-by-team",
        gettext_lazy("Tickets resolved per team or group"),
        gettext_lazy("Tickets resolved in the period, per team or per channel group."),
        [("team", gettext_lazy("Team")), ("channel_group", gettext_lazy("Channel group"))],
        "team",
        run=_run_count(gettext_lazy("Resolved tickets")),
        drill=_count_drill,
        dims={"team": "team", "channel_group": "channel_group"},
        date_field="resolved_at",
    )
)
_register(
    Report(
        "handling-time",
        gettext_lazy("Handling time"),
        gettext_lazy("Time tickets resolved in the period were assigned and open, per person, team or tag."),
        [("agent", gettext_lazy("Person")), ("team", gettext_lazy("Team")), ("tag", gettext_lazy("Tag"))],
        "agent",
        uses_hours=True,
        run=_run_handling,
        drill=_drill_resolved,
        dims={"agent": "agent_time", "team": "team", "tag": "tag"},
        date_field="resolved_at",
    )
)
_register(
    Report(
        "resolution-time",
        gettext_lazy("Resolution time"),
        gettext_lazy(
            "Average and median time from creation to resolution, and resolved / created, per person, team or tag."
        ),
        [("agent", gettext_lazy("Person")), ("team", gettext_lazy("Team")), ("tag", gettext_lazy("Tag"))],
        "team",
        uses_hours=True,
        run=_run_resolution,
        drill=_drill_resolved,
        dims={"agent": "resolver", "team": "team", "tag": "tag"},
        date_field="resolved_at",
    )
)
_register(
    Report(
        "topics",
        gettext_lazy("Topics of incoming messages"),
        gettext_lazy(
            "Tickets created in the period per tag, tag group, line of business, or most frequent term."
        ),
        [
            ("tag", gettext_lazy("Tag")),
            ("tag_group", gettext_lazy("Tag group")),
            ("line_of_business", gettext_lazy("Line of business")),
            ("term", gettext_lazy("Most frequent terms")),
        ],
        "tag",
        run=_run_count(gettext_lazy("Tickets")),
        drill=_count_drill,
        dims={"tag": "tag", "tag_group": "tag_group", "line_of_business": "line_of_business", "term": "term"},
    )
)
_register(
    Report(
        "volume",
        gettext_lazy("Volume"),
        gettext_lazy(
            "Tickets created in the period per channel, channel group, language, hour of day or weekday."
        ),
        [
            ("channel", gettext_lazy("Channel")),
            ("channel_group", gettext_lazy("Channel group")),
            ("language", gettext_lazy("Language")),
            ("hour", gettext_lazy("Hour of day")),
            ("weekday", gettext_lazy("Weekday")),
        ],
        "channel",
        run=_run_count(gettext_lazy("Tickets")),
        drill=_count_drill,
        dims={k: k for k in ("channel", "channel_group", "language", "hour", "weekday")},
    )
)
_register(
    Report(
        "keywords",
        gettext_lazy("Keywords over time"),
        gettext_lazy("Tickets whose first message uses each keyword, per day, week or month."),
        run=_run_keywords,
        drill=_drill_keywords,
    )
)
