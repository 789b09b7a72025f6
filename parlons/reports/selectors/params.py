"""The parameters of a report (RPT-1..3): the period in whole local days, the grouping, the filters and the
custom report's measures, validated the same way for the pages, the API and the exports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parlons.core.errors import Invalid
from parlons.tickets.models import Platform, Tag

if TYPE_CHECKING:
    from parlons.reports.selectors.standard import Report

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


# --- the custom report's measures (RPT-2), chosen with ``measure`` ----------------------------------
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
