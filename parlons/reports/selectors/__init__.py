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

The package: ``params`` (period, filters, measures), ``results`` (columns, rows, filters in words),
``dimensions`` (groupings and the filtered base rows), ``standard`` (the standard reports and the registry),
``custom`` (the custom report); the entry points are here.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from parlons.accounts.permissions import READ, require
from parlons.accounts.permissions import REPORTS as REPORTS_VIEW
from parlons.core.errors import Invalid, NotFound
from parlons.reports.selectors.custom import CUSTOM_DIMENSIONS
from parlons.reports.selectors.dimensions import DIMENSIONS, TAG_FILTERED, Dimension
from parlons.reports.selectors.params import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MAX_TERMS,
    MEASURES,
    NONE,
    Measure,
    Params,
    Period,
    local_zone,
    parse_params,
    parse_period,
)
from parlons.reports.selectors.results import BUCKETS, Column, Result
from parlons.reports.selectors.standard import REPORTS, Report
from parlons.tickets.models import Ticket
from parlons.tickets.selectors import tickets_visible_to

__all__ = [
    "BUCKETS",
    "CUSTOM_DIMENSIONS",
    "DEFAULT_DAYS",
    "DIMENSIONS",
    "MAX_DAYS",
    "MAX_TERMS",
    "MEASURES",
    "NONE",
    "REPORTS",
    "TAG_FILTERED",
    "Column",
    "Dimension",
    "Measure",
    "Params",
    "Period",
    "Report",
    "Result",
    "drilldown",
    "get_report",
    "local_zone",
    "parse_params",
    "parse_period",
    "run_report",
]


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
        tickets = report.drill(report, params, key)
    except (ValueError, TypeError):
        raise Invalid(_("Unknown figure."), details={"field": "key"})
    return tickets & tickets_visible_to(user)  # the figure's tickets that this reader may see
