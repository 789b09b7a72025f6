"""The custom report (RPT-2): chosen measures x one grouping x filters x period."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Avg, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parlons.reports.selectors.dimensions import (
    METRICS,
    Dimension,
    _dim,
    _dimension,
    _filtered,
    _hours,
    _medians,
    _user_names,
)
from parlons.reports.selectors.params import MEASURES, NONE, Measure, Params
from parlons.reports.selectors.results import Column, Result
from parlons.reports.selectors.standard import Report, _business_note, _register
from parlons.tickets.models import Ticket

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
