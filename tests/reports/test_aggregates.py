"""The report pre-aggregates (issue 8, reports at 1,000,000 tickets): ``TicketFacet`` (one row per tag, tag group
and line of business of a ticket, with its figures) and ``TermDay`` (terms counted per local day) stay equal to
what the raw rows say as the work happens, after catalogue changes and after a rebuild; and the reports read
from them give the same figures as the reports read from the raw rows."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from parlons.reports.models import TermDay, TicketFacet, TicketMetrics, TicketTerm
from parlons.reports.selectors import (
    CUSTOM_DIMENSIONS,
    MEASURES,
    REPORTS,
    dimensions,
    local_zone,
    run_report,
    standard,
)
from parlons.tickets import services
from parlons.tickets.models import TicketTag
from tests import factories
from tests.reports.conftest import PERIOD, rows_by_label

pytestmark = pytest.mark.django_db

FIGURES = [
    "created_at",
    "resolved_at",
    "team_id",
    "platform",
    "channel_group_id",
    "language",
    "first_response_seconds",
    "resolution_seconds",
    "resolution_business_seconds",
    "handling_seconds",
    "handling_business_seconds",
    "reopen_count",
    "replies_count",
]


def expected_facets() -> list[tuple]:
    """The facets derived by hand from the metrics and the ticket tags."""
    tags: dict[int, list] = {}
    for ticket_id, tag_id, group_id, lob_id in TicketTag.objects.values_list(
        "ticket_id", "tag_id", "tag__group_id", "tag__line_of_business_id"
    ):
        tags.setdefault(ticket_id, []).append((tag_id, group_id, lob_id))
    rows = []
    for m in TicketMetrics.objects.all():
        figures = tuple(getattr(m, name) for name in FIGURES)
        of_ticket = tags.get(m.ticket_id, [])
        keys = {(TicketFacet.Kind.TAG, t) for t, _g, _l in of_ticket}
        keys |= {(TicketFacet.Kind.TAG_GROUP, g) for _t, g, _l in of_ticket}
        keys |= {(TicketFacet.Kind.LINE_OF_BUSINESS, lob) for _t, _g, lob in of_ticket}
        rows += [(m.ticket_id, int(kind), key, *figures) for kind, key in keys]
    return sorted(rows, key=repr)


def stored_facets() -> list[tuple]:
    return sorted(TicketFacet.objects.values_list("ticket_id", "kind", "key", *FIGURES), key=repr)


def expected_term_days() -> dict:
    zone = local_zone()
    return dict(
        Counter(
            (timezone.localtime(created, zone).date(), term, language)
            for created, term, language in TicketTerm.objects.values_list("created_at", "term", "language")
        )
    )


def stored_term_days() -> dict:
    rows = TermDay.objects.values_list("day", "term", "language", "tickets")
    assert all(n > 0 for *_key, n in rows)
    return {(day, term, language): n for day, term, language, n in rows}


def assert_in_step() -> None:
    assert stored_facets() == expected_facets()
    assert stored_term_days() == expected_term_days()


def test_aggregates_follow_the_work_req_rpt1_ops9(
    channel_group, admin_user, agent_user, analyst_user, committed_events
):
    """Tag added and removed, resolved, reopened, moved to a team: the facets and term counts follow."""
    lob = factories.LineOfBusinessFactory(slug="citizenship", name_en="Citizenship", name_fr="Citoyenneté")
    group = factories.TagGroupFactory(slug="immigration", name_en="Immigration", name_fr="Immigration")
    visa = factories.TagFactory(slug="visa", group=group, line_of_business=lob)
    passport = factories.TagFactory(slug="passport", group=group)
    team = factories.TeamFactory(name="Passeports")

    with committed_events():
        ticket = factories.ingest(channel_group, conversation="c-1", body="Mon passeport est perdu").ticket
        factories.ingest(channel_group, conversation="c-2", body="Passeport et visa perdus")
    assert not TicketFacet.objects.exists()
    day = timezone.localtime(ticket.created_at, local_zone()).date()
    assert (
        sum(n for (d, term, _lang), n in stored_term_days().items() if (d, term) == (day, "passeport")) == 2
    )
    assert_in_step()

    with committed_events():
        services.add_tags(ticket, [visa, passport], actor=agent_user)
    assert TicketFacet.objects.filter(ticket=ticket, kind=TicketFacet.Kind.TAG).count() == 2
    assert TicketFacet.objects.filter(ticket=ticket, kind=TicketFacet.Kind.TAG_GROUP).count() == 1  # once
    assert_in_step()
    today = timezone.localdate(timezone=local_zone()).isoformat()
    period = {"from": today, "to": today}
    groups = rows_by_label(run_report(analyst_user, "topics", {**period, "by": "tag_group"}))
    assert {k: r["tickets"] for k, r in groups.items()} == {"Immigration": 1}

    with committed_events():
        services.assign_ticket(ticket, agent_user, team=team, actor=admin_user)
        services.reply(ticket, "Bonjour, nous regardons votre dossier.", actor=agent_user)
        services.change_status(ticket, "resolved", actor=agent_user)
    facet = TicketFacet.objects.filter(ticket=ticket).first()
    assert facet.resolved_at is not None and facet.team_id == team.pk and facet.replies_count == 1
    assert_in_step()
    resolved = rows_by_label(run_report(analyst_user, "handling-time", {**period, "by": "tag"}))
    assert resolved[visa.name_en]["tickets"] == 1

    with committed_events():  # the client writes again: the ticket reopens
        factories.ingest(channel_group, conversation="c-1", body="Encore une question")
    facet = TicketFacet.objects.filter(ticket=ticket).first()
    assert facet.resolved_at is None and facet.reopen_count == 1
    assert_in_step()

    with committed_events():
        services.remove_tags(ticket, [visa], actor=agent_user)
    assert not TicketFacet.objects.filter(kind=TicketFacet.Kind.LINE_OF_BUSINESS, key=lob.pk).exists()
    assert_in_step()

    with committed_events():
        services.change_status(ticket, "resolved", actor=agent_user)
    assert TicketFacet.objects.get(ticket=ticket, kind=TicketFacet.Kind.TAG).resolved_at is not None
    assert_in_step()


def test_facets_follow_a_regrouped_or_deleted_tag_req_rpt1(
    dataset, admin_user, analyst_user, committed_events
):
    other = factories.TagGroupFactory(slug="fees-group", name_en="Money", name_fr="Argent")
    with committed_events():
        services.update_tag(dataset.visa, group=other, line_of_business=None, actor=admin_user)
    assert_in_step()
    groups = rows_by_label(run_report(analyst_user, "topics", {**PERIOD, "by": "tag_group"}))
    assert {k: r["tickets"] for k, r in groups.items()} == {"Money": 3, "Immigration": 1, "(no group)": 1}
    lobs = rows_by_label(run_report(analyst_user, "topics", {**PERIOD, "by": "line_of_business"}))
    assert {k: r["tickets"] for k, r in lobs.items()} == {"(no line of business)": 4}

    with committed_events():
        services.update_tag(dataset.visa, name_en="Visas", actor=admin_user)  # a rename moves no facet
    assert_in_step()

    with committed_events():
        services.delete_tag(dataset.visa, confirm=True, actor=admin_user)
    assert_in_step()
    groups = rows_by_label(run_report(analyst_user, "topics", {**PERIOD, "by": "tag_group"}))
    assert {k: r["tickets"] for k, r in groups.items()} == {"Immigration": 1, "(no group)": 1}


def test_rebuild_commands_fill_the_aggregates_req_rpt1_ops9(dataset):
    assert_in_step()
    TicketFacet.objects.all().delete()
    TermDay.objects.all().delete()
    out = io.StringIO()
    call_command("reports", "aggregates", stdout=out)
    assert "6 tickets" in out.getvalue()
    assert_in_step()

    TicketFacet.objects.all().delete()
    TermDay.objects.create(day="2026-03-02", term="stale", language="fr", tickets=4)
    call_command("reports", "rebuild", stdout=io.StringIO())
    assert_in_step()
    call_command(
        "reports", "rebuild", "--days", "30", stdout=io.StringIO()
    )  # partial: counts moved, not doubled
    assert_in_step()


def _raw_dimensions(monkeypatch) -> None:
    """Make the reports read the raw rows again (ticket tags with DISTINCT per group, terms counted row by
    row): the reference the pre-aggregates must match."""
    raw_tag = dimensions._dim("tag", "Tag", dimensions.TAGS, "tag", dimensions._bilingual(dimensions.Tag))
    monkeypatch.setitem(dimensions.DIMENSIONS, "tag", raw_tag)
    for name, dim in dimensions.TAG_FILTERED.items():
        monkeypatch.setitem(dimensions.DIMENSIONS, name, dim)
    monkeypatch.setattr(standard, "_term_days", None)  # any use would fail
    monkeypatch.setattr(standard, "_unfiltered", lambda params: False)


def _every_report() -> list[tuple[str, dict]]:
    runs = []
    for report in REPORTS.values():
        if report.name == "custom":
            for by, _label in CUSTOM_DIMENSIONS:
                runs.append((report.name, {"by": by, "measure": list(MEASURES)}))
                runs.append((report.name, {"by": by, "measure": list(MEASURES), "hours": "business"}))
            continue
        for by in [code for code, _label in report.dimensions] or [""]:
            runs.append((report.name, {"by": by} if by else {}))
            if report.uses_hours:
                runs.append((report.name, {"by": by, "hours": "business"}))
    runs += [
        ("keywords", {"bucket": "day"}),
        ("keywords", {"bucket": "month", "term_language": "fr"}),
        ("keywords", {"keywords": "permis,passport", "bucket": "week"}),
        ("topics", {"by": "term", "term_language": "en"}),
        ("topics", {"by": "tag", "tag": "visa"}),
        ("topics", {"by": "tag_group", "tag": "visa"}),
        ("custom", {"by": "line_of_business", "measure": ["handling", "replies"], "tag": "passport"}),
    ]
    return runs


def test_reports_from_aggregates_equal_the_raw_rows_req_rpt1_rpt2(dataset, analyst_user, monkeypatch):
    """Every report and grouping (and the custom report with every measure) gives the same rows from the
    pre-aggregates as from the raw rows."""
    runs = _every_report()
    fast = [run_report(analyst_user, name, {**PERIOD, **extra}).rows for name, extra in runs]
    assert any(rows for rows in fast)
    _raw_dimensions(monkeypatch)
    for (name, extra), rows in zip(runs, fast, strict=True):
        assert rows == run_report(analyst_user, name, {**PERIOD, **extra}).rows, (name, extra)


def test_median_by_tag_group_counts_a_ticket_once_req_rpt2(dataset, analyst_user):
    """t1 (3 h) carries two tags of Immigration: the median of 3, 3, 4, 19 and 576 hours is 4, not the 3.5 of
    3, 3, 3, 4, 19, 576 (the same once-per-ticket rule as the sums and averages)."""
    from parlons.reports import metrics

    TicketTag.objects.create(ticket=dataset.t["t1"], tag=dataset.passport)
    metrics.compute([dataset.t["t1"].pk])
    data = {**PERIOD, "by": "tag_group", "measure": ["median_resolution", "avg_resolution"]}
    for extra in ({}, {"tag": ["visa", "passport"]}):  # from the facets, and from the chosen tags' rows
        row = rows_by_label(run_report(analyst_user, "custom", {**data, **extra}))["Immigration"]
        assert row["median_resolution"] == 4.0, extra
        assert row["avg_resolution"] == round((3 + 19 + 4 + 576 + 3) / 5, 2), extra
