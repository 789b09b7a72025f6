"""What a report groups by and where its rows come from: the metrics, the ticket tags, the facets, the terms
and the per-person times, filtered by period and filters in the database."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Aggregate, Count, Exists, F, FloatField, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils.translation import get_language, gettext_lazy

from parlons.accounts.models import Team, User
from parlons.reports.models import AgentTicketTime, TicketFacet, TicketMetrics, TicketTerm
from parlons.reports.selectors.params import NONE, Params, local_zone
from parlons.reports.selectors.results import _language_label
from parlons.tickets.models import ChannelGroup, LineOfBusiness, Platform, Tag, TagGroup, TicketTag


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
