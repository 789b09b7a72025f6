"""What a report returns: its columns, its rows and, in words, what it was run with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from parlons.accounts.models import Team
from parlons.reports.selectors.params import MEASURES, Params
from parlons.tickets.models import ChannelGroup, Platform, Tag

if TYPE_CHECKING:
    from parlons.reports.selectors.standard import Report


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
