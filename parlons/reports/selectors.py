"""The standard reports (RPT-1, RPT-3): aggregate figures over a period and the tickets behind each figure.

Every report reads the figures kept in ``TicketMetrics`` (and ``AgentTicketTime``, ``TicketTerm``, the ticket
tags) with one ``GROUP BY`` in the database over an indexed date range, on SQLite and PostgreSQL alike. Each
row carries a ``key``; ``drilldown(report, params, key)`` returns the tickets behind that row's figure, built
from the same filtered query, so the number of tickets always equals the figure.

At scale (issue 8, 1,000,000 tickets): groupings by tag, tag group and line of business read ``TicketFacet``
(one row per ticket and value, the ticket's dates, filters and figures copied on it, so a group counts a ticket
once without ``DISTINCT``); the most frequent terms and the keywords read ``TermDay`` (terms counted per local
day) when no ticket filter is set. A group or line of business restricted to chosen tags reads the ticket tags.

Periods are whole days in the organisation's time zone (``PARLONS_DEFAULT_USER_TIME_ZONE``), both ends
included; the default is the last 30 days; any range up to ``MAX_DAYS`` is allowed (RPT-3: 180 days and more).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Aggregate, Avg, Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from parlons.accounts.models import Team, User
from parlons.accounts.permissions import READ, require
from parlons.accounts.permissions import REPORTS as REPORTS_VIEW
from parlons.core.errors import Invalid, NotFound
from parlons.reports.models import AgentTicketTime, TermDay, TicketFacet, TicketMetrics, TicketTerm
from parlons.tickets.models import ChannelGroup, LineOfBusiness, Platform, Tag, TagGroup, Ticket, TicketTag

MAX_DAYS = 3 * 366
DEFAULT_DAYS = 30
MAX_TERMS = 50
NONE = "none"


def local_zone() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "PARLONS_DEFAULT_USER_TIME_ZONE", "America/Toronto"))


# --- parameters -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=local_zone())

    @property
    def end_at(self) -> datetime:  # excluded
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=local_zone())

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def last(cls, days: int = DEFAULT_DAYS, *, today: date | None = None) -> Period:
        today = today or timezone.localdate(timezone=local_zone())
        return cls(today - timedelta(days=days - 1), today)


def _parse_date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise Invalid(
            _("%(field)s is not a date: use YYYY-MM-DD (for example 2026-01-31).") % {"field": name},
            code="invalid_date",
            details={"field": name},
        )


def parse_period(start: str | None, end: str | None) -> Period:
    """The period from ``from``/``to`` (YYYY-MM-DD, both included); the last 30 days when both are missing."""
    if not start and not end:
        return Period.last()
    end_date = _parse_date(end, "to") if end else timezone.localdate(timezone=local_zone())
    start_date = _parse_date(start, "from") if start else end_date - timedelta(days=DEFAULT_DAYS - 1)
    if start_date > end_date:
        raise Invalid(
            _("The start of the period is after its end."), code="invalid_period", details={"field": "from"}
        )
    if (end_date - start_date).days + 1 > MAX_DAYS:
        raise Invalid(
            _("The period is too long: at most %(days)s days.") % {"days": MAX_DAYS},
            code="invalid_period",
            details={"field": "from"},
        )
    return Period(start_date, end_date)


@dataclass(frozen=True)
class Params:
    period: Period
    by: str = ""
    hours: str = "calendar"  # or "business"
    tags: tuple[str, ...] = ()
    teams: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    channel_groups: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    bucket: str = "week"
    term_language: str = ""
    measures: tuple[str, ...] = ()

    def query(self) -> dict[str, list[str] | str]:
        """The parameters as query-string values (for drill-down and export links)."""
        q: dict[str, list[str] | str] = {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
        }
        for name, value in (("by", self.by), ("bucket", self.bucket), ("term_language", self.term_language)):
            if value:
                q[name] = value
        if self.hours != "calendar":
            q["hours"] = self.hours
        for name, values in (
            ("tag", self.tags),
            ("team", self.teams),
            ("channel", self.channels),
            ("channel_group", self.channel_groups),
            ("language", self.languages),
        ):
            if values:
                q[name] = [str(v) for v in values]
        if self.keywords:
            q["keywords"] = ",".join(self.keywords)
        if self.measures:
            q["measure"] = list(self.measures)
        return q


def _getlist(data: Mapping, name: str) -> list[str]:
    if hasattr(data, "getlist"):
        values = data.getlist(name)
    else:
        value = data.get(name)
        values = value if isinstance(value, list | tuple) else ([value] if value not in (None, "") else [])
    out: list[str] = []
    for value in values:
        out += [v.strip() for v in str(value).split(",") if v.strip()]
    return out


def _ints(data: Mapping, name: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in _getlist(data, name))
    except ValueError:
        raise Invalid(_("%(field)s must be a list of numbers.") % {"field": name}, details={"field": name})


def parse_params(report: Report, data: Mapping) -> Params:
    """Validate the query parameters of a report (the same for the pages, the API and the exports)."""
    period = parse_period(data.get("from") or None, data.get("to") or None)
    by = (data.get("by") or report.default_by or "").strip()
    if report.dimensions and by not in dict(report.dimensions):
        raise Invalid(
            _("Unknown grouping %(by)s; choose one of: %(choices)s")
            % {"by": by, "choices": ", ".join(dict(report.dimensions))},
            code="invalid_by",
            details={"field": "by"},
        )
    hours = (data.get("hours") or "calendar").strip()
    if hours not in ("calendar", "business"):
        raise Invalid(_("hours must be calendar or business."), details={"field": "hours"})
    channels = tuple(_getlist(data, "channel"))
    bad = [c for c in channels if c not in Platform.values]
    if bad:
        raise Invalid(
            _("Unknown channel: %(value)s") % {"value": ", ".join(bad)}, details={"field": "channel"}
        )
    languages = tuple(_getlist(data, "language"))
    if any(lang not in ("en", "fr") for lang in languages):
        raise Invalid(_("language must be en or fr."), details={"field": "language"})
    tags = tuple(_getlist(data, "tag"))
    if tags:
        known = set(Tag.objects.filter(slug__in=tags).values_list("slug", flat=True))
        missing = [t for t in tags if t not in known]
        if missing:
            raise Invalid(
                _("Unknown tag: %(value)s") % {"value": ", ".join(missing)}, details={"field": "tag"}
            )
    bucket = (data.get("bucket") or "week").strip()
    if bucket not in ("day", "week", "month"):
        raise Invalid(_("bucket must be day, week or month."), details={"field": "bucket"})
    term_language = (data.get("term_language") or "").strip()
    if term_language not in ("", "en", "fr"):
        raise Invalid(_("term_language must be en or fr."), details={"field": "term_language"})
    keywords = tuple(dict.fromkeys(k.lower() for k in _getlist(data, "keywords")))
    if len(keywords) > 10:
        raise Invalid(_("At most 10 keywords."), details={"field": "keywords"})
    return Params(
        period=period,
        by=by if report.dimensions else "",
        hours=hours,
        tags=tags,
        teams=_ints(data, "team"),
        channels=channels,
        channel_groups=_ints(data, "channel_group"),
        languages=languages,
        keywords=keywords,
        bucket=bucket,
        term_language=term_language,
        measures=_measures(report, data),
    )


def _measures(report: Report, data: Mapping) -> tuple[str, ...]:
    if report.name != "custom":
        return ()
    chosen = tuple(dict.fromkeys(_getlist(data, "measure"))) or ("created",)
    unknown = [m for m in chosen if m not in MEASURES]
    if unknown:
        raise Invalid(
            _("Unknown measure %(value)s; choose from: %(choices)s")
            % {"value": ", ".join(unknown), "choices": ", ".join(MEASURES)},
            code="invalid_measure",
            details={"field": "measure"},
        )
    return chosen


# --- results ----------------------------------------------------------------------------------------
@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"  # text, int, hours, ratio, date


@dataclass
class Result:
    report: Report
    params: Params
    columns: list[Column]
    rows: list[dict]
    chart: str  # the column charted against the row labels
    note: str = ""

    @property
    def title(self) -> str:
        return str(self.report.title)

    def filters(self) -> list[tuple[str, str]]:
        """What the report was run with, in words (for the page, the exports' filters sheet and the pdf)."""
        p = self.params
        lang = get_language() or "en"
        items = [(_("Period"), f"{p.period.start.isoformat()} – {p.period.end.isoformat()}")]
        if self.report.dimensions:
            items.append((_("Grouped by"), str(dict(self.report.dimensions)[p.by])))
        if self.report.uses_hours:
            items.append((_("Hours"), _("Business hours") if p.hours == "business" else _("Calendar hours")))
        if p.tags:
            items.append((_("Tags"), ", ".join(t.name_in(lang) for t in Tag.objects.filter(slug__in=p.tags))))
        if p.teams:
            items.append(
                (_("Teams"), ", ".join(Team.objects.filter(pk__in=p.teams).values_list("name", flat=True)))
            )
        if p.channels:
            items.append((_("Channels"), ", ".join(str(Platform(c).label) for c in p.channels)))
        if p.channel_groups:
            names = ChannelGroup.objects.filter(pk__in=p.channel_groups).values_list("name", flat=True)
            items.append((_("Channel groups"), ", ".join(names)))
        if p.languages:
            items.append((_("Languages"), ", ".join(_language_label(x) for x in p.languages)))
        if self.report.name == "keywords":
            items.append((_("Keywords"), ", ".join(p.keywords) or _("the most frequent terms")))
            items.append((_("Interval"), str(dict(BUCKETS)[p.bucket])))
        if p.term_language:
            items.append((_("Language of the terms"), _language_label(p.term_language)))
        if p.measures:
            items.append((_("Measures"), ", ".join(str(MEASURES[m].label) for m in p.measures)))
        return items


BUCKETS = [("day", gettext_lazy("Day")), ("week", gettext_lazy("Week")), ("month", gettext_lazy("Month"))]


def _language_label(code: str) -> str:
    return {"en": _("English"), "fr": _("French")}.get(code, code or _("(unknown)"))


# --- dimensions -------------------------------------------------------------------------------------
class Base:
    """Where a report's rows come from: the metrics table itself, or a table joined to it by ticket."""

    def __init__(self, model, prefix: str):
        self.model, self.prefix = model, prefix  # prefix reaches TicketMetrics from the model

    def objects(self) -> QuerySet:
        return self.model.objects.all()


class FacetBase(Base):
    """The tags, tag groups or lines of business of tickets (``TicketFacet``): one row per ticket and value,
    with the ticket's dates, filters and figures on the row itself."""

    def __init__(self, kind: int):
        super().__init__(TicketFacet, "")
        self.kind = kind

    def objects(self) -> QuerySet:
        return TicketFacet.objects.filter(kind=self.kind)


METRICS = Base(TicketMetrics, "")
TAGS = Base(TicketTag, "ticket__metrics__")  # the ticket tags themselves (a group filtered by chosen tags)
FACET_TAGS = FacetBase(TicketFacet.Kind.TAG)
FACET_GROUPS = FacetBase(TicketFacet.Kind.TAG_GROUP)
FACET_LINES = FacetBase(TicketFacet.Kind.LINE_OF_BUSINESS)
TERMS = Base(TicketTerm, "ticket__metrics__")
AGENT_TIME = Base(AgentTicketTime, "ticket__metrics__")


@dataclass
class Dimension:
    code: str
    label: object
    base: Base
    expr: Callable[[], object]  # the grouped expression
    names: Callable[[list], dict]  # raw keys -> labels
    none_label: object = gettext_lazy("(none)")
    all_keys: Callable[[], list] | None = None  # buckets shown even when empty (hours, weekdays)
    distinct: bool = False  # a ticket can appear twice in one group (two tags of one group): count it once

    def count(self):
        # COUNT(*): every base row has a ticket (ticket_id is never null), and a covering index can answer alone.
        return Count("ticket_id", distinct=True) if self.distinct else Count("*")

    def key_q(self, qs: QuerySet, key: str) -> QuerySet:
        qs = qs.annotate(_k=self.expr())
        if key == NONE:
            return qs.filter(_k__isnull=True)
        return qs.filter(_k=key)


def _user_names(ids):
    return {u.pk: u.display_name for u in User.objects.filter(pk__in=[i for i in ids if i is not None])}


def _team_names(ids):
    return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))


def _bilingual(model):
    def names(ids):
        fr = (get_language() or "en").startswith("fr")
        return {
            pk: (fr_name if fr else en)
            for pk, en, fr_name in model.objects.filter(pk__in=ids).values_list("pk", "name_en", "name_fr")
        }

    return names


def _group_names(ids):
    return dict(ChannelGroup.objects.filter(pk__in=ids).values_list("pk", "name"))


def _platform_names(ids):
    return {k: str(Platform(k).label) if k in Platform.values else k for k in ids}


def _language_names(ids):
    return {k: _language_label(k) for k in ids if k}


WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]


NONE_LABEL = gettext_lazy("(none)")


def _dim(code, label, base, field_name, names, none_label=NONE_LABEL, all_keys=None, distinct=False):
    return Dimension(code, label, base, lambda: F(field_name), names, none_label, all_keys, distinct)


DIMENSIONS = {
    "resolver": _dim(
        "agent", gettext_lazy("Person"), METRICS, "resolved_by", _user_names, gettext_lazy("(unassigned)")
    ),
    "agent_time": _dim("agent", gettext_lazy("Person"), AGENT_TIME, "user", _user_names),
    "team": _dim("team", gettext_lazy("Team"), METRICS, "team", _team_names, gettext_lazy("(no team)")),
    "tag": _dim("tag", gettext_lazy("Tag"), FACET_TAGS, "key", _bilingual(Tag)),
    "tag_group": _dim(
        "tag_group",
        gettext_lazy("Tag group"),
        FACET_GROUPS,
        "key",
        _bilingual(TagGroup),
        gettext_lazy("(no group)"),
    ),
    "line_of_business": _dim(
        "line_of_business",
        gettext_lazy("Line of business"),
        FACET_LINES,
        "key",
        _bilingual(LineOfBusiness),
        gettext_lazy("(no line of business)"),
    ),
    "term": _dim("term", gettext_lazy("Term"), TERMS, "term", lambda ks: {k: k for k in ks}),
    "channel": _dim("channel", gettext_lazy("Channel"), METRICS, "platform", _platform_names),
    "channel_group": _dim(
        "channel_group", gettext_lazy("Channel group"), METRICS, "channel_group", _group_names
    ),
    "language": _dim(
        "language", gettext_lazy("Language"), METRICS, "language", _language_names, gettext_lazy("(unknown)")
    ),
    "hour": Dimension(
        "hour",
        gettext_lazy("Hour of day"),
        METRICS,
        lambda: ExtractHour("created_at", tzinfo=local_zone()),
        lambda ks: {k: f"{k:02d}:00–{k:02d}:59" for k in ks},
        all_keys=lambda: list(range(24)),
    ),
    "weekday": Dimension(
        "weekday",
        gettext_lazy("Weekday"),
        METRICS,
        lambda: ExtractIsoWeekDay("created_at", tzinfo=local_zone()),
        lambda ks: {k: str(WEEKDAYS[k - 1]) for k in ks},
        all_keys=lambda: list(range(1, 8)),
    ),
}


# A group or line of business restricted to chosen tags counts the tickets through those tags only: from the
# ticket tags themselves, each ticket once per group (``DISTINCT``).
TAG_FILTERED = {
    "tag_group": _dim(
        "tag_group",
        gettext_lazy("Tag group"),
        TAGS,
        "tag__group",
        _bilingual(TagGroup),
        gettext_lazy("(no group)"),
        distinct=True,
    ),
    "line_of_business": _dim(
        "line_of_business",
        gettext_lazy("Line of business"),
        TAGS,
        "tag__line_of_business",
        _bilingual(LineOfBusiness),
        gettext_lazy("(no line of business)"),
        distinct=True,
    ),
}


def _dimension(name: str, params: Params) -> Dimension:
    if params.tags and name in TAG_FILTERED:
        return TAG_FILTERED[name]
    return DIMENSIONS[name]


def _unfiltered(params: Params) -> bool:
    p = params
    return not (p.teams or p.channels or p.channel_groups or p.languages or p.tags)


def _filtered(base: Base, params: Params, date_field: str) -> QuerySet:
    """The base rows of tickets in the period (by creation or resolution date) that pass the filters.

    The period and the filters apply to ``TicketMetrics``; a joined table (tags, terms, per-person times) takes
    its rows with a semi-join on those tickets (``ticket_id IN (…)``), never through the tickets table."""
    p = params
    q = Q(**{f"{date_field}__gte": p.period.start_at, f"{date_field}__lt": p.period.end_at})
    if p.teams:
        q &= Q(team_id__in=p.teams)
    if p.channels:
        q &= Q(platform__in=p.channels)
    if p.channel_groups:
        q &= Q(channel_group_id__in=p.channel_groups)
    if p.languages:
        q &= Q(language__in=p.languages)
    if (
        base is TERMS
        and date_field == "created_at"
        and not (p.teams or p.channels or p.channel_groups or p.languages or p.tags)
    ):
        # No filter on the tickets: the terms carry the ticket's creation date, and their index answers alone.
        return base.objects().filter(created_at__gte=p.period.start_at, created_at__lt=p.period.end_at)
    if isinstance(base, FacetBase):  # the dates and filters are copied on the rows: no join
        qs = base.objects().filter(q)
        if p.tags:  # only tags reach here (TAG_FILTERED): the chosen tags are the rows
            qs = qs.filter(key__in=Tag.objects.filter(slug__in=p.tags).values("pk"))
        return qs
    metrics = TicketMetrics.objects.filter(q)
    if p.tags and base is not TAGS:
        metrics = metrics.filter(
            Exists(TicketTag.objects.filter(ticket_id=OuterRef("ticket_id"), tag__slug__in=p.tags))
        )
    if base is METRICS:
        return metrics
    qs = base.objects().filter(ticket_id__in=metrics.values("ticket_id"))
    if base is TERMS and date_field == "created_at":  # the ticket's date is copied there: its index helps
        qs = qs.filter(created_at__gte=p.period.start_at, created_at__lt=p.period.end_at)
    if base is TAGS and p.tags:
        qs = qs.filter(tag__slug__in=p.tags)  # a tag report shows the chosen tags as its rows
    return qs


class Median(Aggregate):
    """PostgreSQL's exact median (``percentile_cont``); SQLite computes it in Python (``_medians``)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _medians(qs: QuerySet, dim: Dimension, value: str) -> dict:
    """The median per group; a ticket counts once in a group even with two tags of that group."""
    if connection.vendor == "postgresql" and not dim.distinct:
        return dict(qs.annotate(_k=dim.expr()).values("_k").annotate(m=Median(value)).values_list("_k", "m"))
    values: dict = defaultdict(dict)
    rows = qs.annotate(_k=dim.expr()).values_list("_k", "ticket_id", value).iterator(chunk_size=5000)
    for key, ticket_id, v in rows:
        if v is not None:
            values[key][ticket_id] = v
    return {k: statistics.median(vs.values()) for k, vs in values.items()}


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 2)


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


# --- the custom report (RPT-2): measures x one grouping x filters x period ------------------------------
@dataclass(frozen=True)
class Measure:
    label: object
    date_field: str  # the period applies to the creation or the resolution date
    value: str | None  # TicketMetrics field (business variant: "_business" inserted), None = ticket count
    how: str  # count, sum, avg, median
    hours: bool = False


MEASURES: dict[str, Measure] = {
    "created": Measure(gettext_lazy("Created tickets"), "created_at", None, "count"),
    "resolved": Measure(gettext_lazy("Resolved tickets"), "resolved_at", None, "count"),
    "avg_first_response": Measure(
        gettext_lazy("Average first response (hours)"), "created_at", "first_response_seconds", "avg", True
    ),
    "avg_resolution": Measure(
        gettext_lazy("Average resolution time (hours)"), "resolved_at", "resolution_seconds", "avg", True
    ),
    "median_resolution": Measure(
        gettext_lazy("Median resolution time (hours)"), "resolved_at", "resolution_seconds", "median", True
    ),
    "handling": Measure(
        gettext_lazy("Handling time (hours)"), "resolved_at", "handling_seconds", "sum", True
    ),
    "reopens": Measure(gettext_lazy("Reopenings"), "created_at", "reopen_count", "sum"),
    "replies": Measure(gettext_lazy("Replies"), "created_at", "replies_count", "sum"),
}
CUSTOM_DIMENSIONS = [
    ("agent", gettext_lazy("Person")),
    ("team", gettext_lazy("Team")),
    ("tag", gettext_lazy("Tag")),
    ("tag_group", gettext_lazy("Tag group")),
    ("line_of_business", gettext_lazy("Line of business")),
    ("channel", gettext_lazy("Channel")),
    ("channel_group", gettext_lazy("Channel group")),
    ("language", gettext_lazy("Language")),
    ("hour", gettext_lazy("Hour of day")),
    ("weekday", gettext_lazy("Weekday")),
]


def _custom_dim(by: str, measure: Measure, params: Params) -> Dimension:
    """The grouping for one measure: a person is the assignee for creation-dated measures and the resolver
    for resolution-dated ones."""
    if by == "agent":
        field_name = "resolved_by" if measure.date_field == "resolved_at" else "assignee"
        return _dim(
            "agent", gettext_lazy("Person"), METRICS, field_name, _user_names, gettext_lazy("(unassigned)")
        )
    return _dimension(by, params)


def _measure_field(dim: Dimension, measure: Measure, params: Params) -> str:
    name = measure.value or ""
    if params.hours == "business" and name.endswith("_seconds") and name != "reopen_count":
        name = name.replace("_seconds", "_business_seconds")
    return dim.base.prefix + name


def _run_custom(report: Report, params: Params) -> Result:
    merged: dict = {}
    names: dict = {}
    dims = {}
    for position, code in enumerate(params.measures):
        measure = MEASURES[code]
        dim = _custom_dim(params.by, measure, params)
        dims[code] = dim
        qs = _filtered(dim.base, params, measure.date_field)
        grouped = qs.annotate(_k=dim.expr()).values("_k")
        if measure.how == "median":
            values = _medians(qs, dim, _measure_field(dim, measure, params))
        elif dim.distinct and measure.how != "count":
            values = _distinct_aggregate(qs, dim, _measure_field(dim, measure, params), measure.how)
        else:
            field_name = _measure_field(dim, measure, params)
            aggregate = {
                "count": lambda d=dim: d.count(),
                "sum": lambda f=field_name: Sum(f),
                "avg": lambda f=field_name: Avg(f),
            }[measure.how]()
            values = dict(grouped.annotate(v=aggregate).values_list("_k", "v"))
        if position == 0:  # the tickets behind the first measure: the drill-down population
            for key, n in grouped.annotate(n=dim.count()).values_list("_k", "n"):
                merged.setdefault(key, {})["tickets"] = n
        for key, value in values.items():
            if measure.hours:
                value = _hours(value)
            elif value is not None and measure.how != "count":
                value = round(float(value), 2) if measure.how == "avg" else int(value)
            merged.setdefault(key, {})[code] = value
        names.update(dim.names([k for k in values if k is not None]))
    first = dims[params.measures[0]]
    keys = first.all_keys() if first.all_keys else list(merged)
    names.update(first.names([k for k in keys if k is not None]))
    rows = []
    for key in keys:
        data = merged.get(key, {})
        row = {
            "key": NONE if key is None else str(key),
            "label": names.get(key, str(first.none_label) if key is None else str(key)),
            "tickets": data.get("tickets", 0),
        }
        for code in params.measures:
            row[code] = data.get(code, 0 if MEASURES[code].how in ("count", "sum") else None)
        rows.append(row)
    if not first.all_keys:
        rows.sort(key=lambda r: (-(r.get(params.measures[0]) or 0), r["label"]))
    columns = [Column("label", str(first.label), "text"), Column("tickets", _("Tickets"))]
    columns += [
        Column(code, str(MEASURES[code].label), "hours" if MEASURES[code].hours else "int")
        for code in params.measures
    ]
    return Result(report, params, columns, rows, params.measures[0], note=_business_note(params))


def _distinct_aggregate(qs: QuerySet, dim: Dimension, value: str, how: str) -> dict:
    """Sum or average per group counting each ticket once (a ticket with two tags of one group)."""
    seen: dict = defaultdict(dict)
    for key, ticket_id, v in qs.annotate(_k=dim.expr()).values_list("_k", "ticket_id", value).iterator(5000):
        if v is not None:
            seen[key][ticket_id] = v
    if how == "sum":
        return {k: sum(vs.values()) for k, vs in seen.items()}
    return {k: sum(vs.values()) / len(vs) for k, vs in seen.items()}


def _drill_custom(report: Report, params: Params, key: str) -> QuerySet:
    measure = MEASURES[params.measures[0]]
    dim = _custom_dim(params.by, measure, params)
    qs = _filtered(dim.base, params, measure.date_field)
    return Ticket.objects.filter(pk__in=dim.key_q(qs, key).values("ticket_id"))


_register(
    Report(
        "custom",
        gettext_lazy("Custom report"),
        gettext_lazy(
            "Choose measures, one grouping, filters and a period; save it to run it again or to receive it by e-mail."
        ),
        CUSTOM_DIMENSIONS,
        "team",
        uses_hours=True,
        run=_run_custom,
        drill=_drill_custom,
    )
)


# --- entry points -----------------------------------------------------------------------------------
def get_report(name: str) -> Report:
    report = REPORTS.get(name)
    if report is None:
        raise NotFound(
            _("No report named %(name)s. Reports: %(names)s") % {"name": name, "names": ", ".join(REPORTS)},
            code="unknown_report",
        )
    return report


def run_report(user, name: str, data: Mapping) -> Result:
    """Check reports.view, validate the parameters and run the report."""
    require(user, REPORTS_VIEW)
    report = get_report(name)
    params = parse_params(report, data)
    return report.run(report, params)


def drilldown(user, name: str, data: Mapping, key: str) -> QuerySet[Ticket]:
    """The tickets behind one figure (needs reports.view and tickets.read: it shows the tickets themselves)."""
    require(user, REPORTS_VIEW)
    require(user, READ)
    report = get_report(name)
    params = parse_params(report, data)
    if not key:
        raise Invalid(_("Choose a figure to see its tickets."), details={"field": "key"})
    try:
        return report.drill(report, params, key)
    except (ValueError, TypeError):
        raise Invalid(_("Unknown figure."), details={"field": "key"})
