"""The standard reports against the hand-computed data set of ``conftest.py`` (expected numbers written here)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from parlons.core.errors import Forbidden, Invalid, NotFound
from parlons.reports.models import AgentTicketTime, TicketMetrics
from parlons.reports.selectors import REPORTS, drilldown, run_report
from tests import factories
from tests.reports.conftest import PERIOD, rows_by_label

pytestmark = pytest.mark.django_db


def run(user, name, **extra):
    return run_report(user, name, {**PERIOD, **extra})


def test_ticket_metrics_from_history_req_rpt1(dataset):
    """First response, resolution, handling per assignee, reopens and replies, calendar and business hours."""
    m = {t: TicketMetrics.objects.get(ticket=dataset.t[t]) for t in dataset.t}
    assert m["t1"].first_response_seconds == 3600
    assert m["t1"].replies_count == 1 and m["t2"].replies_count == 0
    assert m["t1"].resolution_seconds == 3 * 3600
    assert m["t2"].resolution_seconds == 19 * 3600
    assert m["t2"].resolution_business_seconds == 3 * 3600  # Mon 15:00-17:00 + Tue 9:00-10:00 (Toronto)
    assert m["t5"].resolution_business_seconds == 18 * 8 * 3600  # 18 working days
    assert m["t4"].resolution_seconds is None and m["t4"].resolved_by_id is None
    assert m["t6"].reopen_count == 1 and m["t1"].reopen_count == 0
    assert m["t6"].handling_seconds == 2 * 3600  # not counted while it was resolved
    assert m["t3"].resolved_by_id == dataset.b.pk
    times = {
        (x.ticket.subject, x.user_id): x.seconds for x in AgentTicketTime.objects.select_related("ticket")
    }
    assert times[("t3", dataset.a.pk)] == 2 * 3600 and times[("t3", dataset.b.pk)] == 2 * 3600
    assert times[("t2", dataset.b.pk)] == 19 * 3600
    assert AgentTicketTime.objects.get(ticket=dataset.t["t2"]).business_seconds == 3 * 3600


def test_tickets_by_tag_req_rpt1(dataset, analyst_user):
    rows = rows_by_label(run(analyst_user, "tickets-by-tag"))
    assert {k: r["tickets"] for k, r in rows.items()} == {"Visa": 3, "Fees": 1, "Passport": 1}
    only = rows_by_label(run(analyst_user, "tickets-by-tag", tag=["fees"]))
    assert {k: r["tickets"] for k, r in only.items()} == {"Fees": 1}


def test_resolved_by_agent_req_rpt1(dataset, analyst_user):
    rows = rows_by_label(run(analyst_user, "resolved-by-agent"))
    assert rows[dataset.a.display_name]["tickets"] == 3
    assert rows[dataset.b.display_name]["tickets"] == 2
    assert len(rows) == 2


def test_created_and_resolved_by_team_req_rpt1(dataset, analyst_user):
    created = rows_by_label(run(analyst_user, "created-by-team"))
    assert {k: r["tickets"] for k, r in created.items()} == {"Passeports": 3, "Visas": 2}
    by_group = rows_by_label(run(analyst_user, "created-by-team", by="channel_group"))
    assert {k: r["tickets"] for k, r in by_group.items()} == {"Page Facebook": 3, "Boîte courriel": 2}
    resolved = rows_by_label(run(analyst_user, "resolved-by-team"))
    assert {k: r["tickets"] for k, r in resolved.items()} == {"Passeports": 4, "Visas": 1}


def test_handling_time_per_person_team_tag_req_rpt1(dataset, analyst_user):
    people = rows_by_label(run(analyst_user, "handling-time", by="agent"))
    a, b = people[dataset.a.display_name], people[dataset.b.display_name]
    assert (a["tickets"], a["total_hours"], a["average_hours"]) == (4, 583.0, 145.75)
    assert (b["tickets"], b["total_hours"], b["average_hours"]) == (2, 21.0, 10.5)
    teams = rows_by_label(run(analyst_user, "handling-time", by="team"))
    assert (teams["Passeports"]["total_hours"], teams["Passeports"]["average_hours"]) == (600.0, 150.0)
    assert teams["Visas"]["total_hours"] == 4.0
    tags = rows_by_label(run(analyst_user, "handling-time", by="tag"))
    assert tags["Visa"]["total_hours"] == 3 + 19 + 2 and tags["Visa"]["tickets"] == 3


def test_handling_time_business_hours_req_rpt1(dataset, analyst_user):
    people = rows_by_label(run(analyst_user, "handling-time", by="agent", hours="business"))
    assert people[dataset.b.display_name]["total_hours"] == 3.0 + 2.0  # t2 3 h, t3 16:00-18:00 UTC = 11-13 h


def test_resolution_time_average_median_ratio_req_rpt1(dataset, analyst_user):
    teams = rows_by_label(run(analyst_user, "resolution-time", by="team"))
    t1 = teams["Passeports"]
    assert (t1["tickets"], t1["average_hours"], t1["median_hours"], t1["created"], t1["ratio"]) == (
        4,
        150.25,
        11.0,
        3,
        1.33,
    )
    t2 = teams["Visas"]
    assert (t2["tickets"], t2["average_hours"], t2["median_hours"], t2["created"], t2["ratio"]) == (
        1,
        4.0,
        4.0,
        2,
        0.5,
    )
    people = rows_by_label(run(analyst_user, "resolution-time", by="agent"))
    a = people[dataset.a.display_name]
    assert (a["tickets"], a["average_hours"], a["median_hours"], a["created"], a["ratio"]) == (
        3,
        194.0,
        3.0,
        2,
        1.5,
    )
    assert people["(unassigned)"]["created"] == 1 and people["(unassigned)"]["tickets"] == 0
    tags = rows_by_label(run(analyst_user, "resolution-time", by="tag"))
    assert tags["Passport"]["tickets"] == 2 and tags["Passport"]["average_hours"] == (4 + 576) / 2


def test_resolution_time_business_hours_req_rpt1(dataset, analyst_user):
    teams = rows_by_label(run(analyst_user, "resolution-time", by="team", hours="business"))
    assert teams["Passeports"]["average_hours"] == (3 + 3 + 144 + 3) / 4
    assert teams["Passeports"]["median_hours"] == 3.0


def test_topics_by_tag_group_lob_and_terms_req_rpt1(dataset, analyst_user):
    groups = rows_by_label(run(analyst_user, "topics", by="tag_group"))
    assert {k: r["tickets"] for k, r in groups.items()} == {"Immigration": 4, "(no group)": 1}
    lobs = rows_by_label(run(analyst_user, "topics", by="line_of_business"))
    assert {k: r["tickets"] for k, r in lobs.items()} == {"Citizenship": 3, "(no line of business)": 2}
    terms = rows_by_label(run(analyst_user, "topics", by="term"))
    assert terms["permis"]["tickets"] == 3 and terms["passport"]["tickets"] == 2
    assert terms["question"]["tickets"] == 2
    assert not {"est", "les", "sur", "mon", "the", "is"} & set(terms)  # stop-words removed
    assert terms["etudes"]["tickets"] == 1  # accents folded
    french = rows_by_label(run(analyst_user, "topics", by="term", term_language="fr"))
    assert french["question"]["tickets"] == 1 and "passport" not in french


def test_volume_by_channel_language_hour_weekday_req_rpt1(dataset, analyst_user):
    channel = rows_by_label(run(analyst_user, "volume", by="channel"))
    assert {k: r["tickets"] for k, r in channel.items()} == {"Facebook": 3, "E-mail": 2}
    language = rows_by_label(run(analyst_user, "volume", by="language"))
    assert {k: r["tickets"] for k, r in language.items()} == {"French": 3, "English": 2}
    hours = run(analyst_user, "volume", by="hour")
    assert len(hours.rows) == 24
    assert {r["key"]: r["tickets"] for r in hours.rows if r["tickets"]} == {"9": 3, "10": 1, "15": 1}
    weekday = rows_by_label(run(analyst_user, "volume", by="weekday"))
    assert [weekday[d]["tickets"] for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")] == [
        2,
        1,
        1,
        1,
        0,
    ]


def test_keywords_over_time_req_rpt1(dataset, analyst_user):
    result = run(analyst_user, "keywords", keywords="permis,Passport", bucket="week")
    got = {(r["label"], r["period"].isoformat()): r["tickets"] for r in result.rows}
    assert got == {("permis", "2026-03-02"): 2, ("permis", "2026-03-09"): 1, ("passport", "2026-03-02"): 2}


@pytest.mark.parametrize(
    "name,extra",
    [
        ("tickets-by-tag", {}),
        ("resolved-by-agent", {}),
        ("created-by-team", {"by": "channel_group"}),
        ("resolved-by-team", {}),
        ("handling-time", {"by": "agent"}),
        ("handling-time", {"by": "tag"}),
        ("resolution-time", {"by": "team"}),
        ("topics", {"by": "tag_group"}),
        ("topics", {"by": "term"}),
        ("volume", {"by": "hour"}),
        ("volume", {"by": "weekday"}),
        ("keywords", {"keywords": "permis,passport"}),
    ],
)
def test_drilldown_count_equals_figure_req_rpt1(dataset, analyst_user, name, extra):
    result = run(analyst_user, name, **extra)
    assert any(r["tickets"] for r in result.rows)
    for row in result.rows:
        tickets = drilldown(analyst_user, name, {**PERIOD, **extra}, row["key"])
        assert tickets.count() == row["tickets"], row


def test_drilldown_lists_the_right_tickets_req_rpt1(dataset, analyst_user):
    tickets = drilldown(analyst_user, "resolved-by-team", PERIOD, str(dataset.t1_team.pk))
    assert sorted(t.subject for t in tickets) == ["t1", "t2", "t5", "t6"]


def test_180_day_period_and_default_30_days_req_rpt3(db, analyst_user):
    from django.utils import timezone

    from parlons.reports import metrics

    team = factories.TeamFactory(name="Longue durée")
    old = factories.TicketFactory(team=team, created_at=timezone.now() - timedelta(days=170))
    recent = factories.TicketFactory(team=team, created_at=timezone.now() - timedelta(days=2))
    metrics.compute([old.pk, recent.pk])
    today = timezone.localdate()
    long = run_report(
        analyst_user,
        "created-by-team",
        {"from": (today - timedelta(days=179)).isoformat(), "to": today.isoformat()},
    )
    assert rows_by_label(long)["Longue durée"]["tickets"] == 2
    default = run_report(analyst_user, "created-by-team", {})
    assert default.params.period.days == 30
    assert rows_by_label(default)["Longue durée"]["tickets"] == 1


def test_bad_parameters_are_clear_errors_req_rpt1(db, analyst_user):
    with pytest.raises(Invalid, match="YYYY-MM-DD"):
        run_report(analyst_user, "volume", {"from": "31/01/2026"})
    with pytest.raises(Invalid, match="after its end"):
        run_report(analyst_user, "volume", {"from": "2026-03-02", "to": "2026-03-01"})
    with pytest.raises(Invalid, match="grouping"):
        run_report(analyst_user, "volume", {"by": "colour"})
    with pytest.raises(Invalid, match="Unknown tag"):
        run_report(analyst_user, "volume", {"tag": "no-such-tag"})
    with pytest.raises(NotFound):
        run_report(analyst_user, "no-such-report", {})


def test_reports_need_reports_view_req_rpt1(db, agent_user, reader_user):
    for user in (agent_user, reader_user):
        with pytest.raises(Forbidden):
            run_report(user, "volume", {})
    assert set(REPORTS) >= {
        "tickets-by-tag",
        "resolved-by-agent",
        "created-by-team",
        "resolved-by-team",
        "handling-time",
        "resolution-time",
        "topics",
        "volume",
        "keywords",
    }
