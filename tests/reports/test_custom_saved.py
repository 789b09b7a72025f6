"""The custom report builder, saved and shared reports, and scheduled e-mails (RPT-2)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import Client

from parlons.core.errors import Forbidden, Invalid, NotFound
from parlons.reports import services
from parlons.reports.models import SavedReport
from parlons.reports.selectors import drilldown, run_report
from tests import factories
from tests.reports.conftest import PERIOD, rows_by_label

pytestmark = pytest.mark.django_db


def test_custom_report_measures_by_team_req_rpt2(dataset, analyst_user):
    data = {
        **PERIOD,
        "by": "team",
        "measure": [
            "created",
            "resolved",
            "avg_resolution",
            "median_resolution",
            "handling",
            "reopens",
            "replies",
            "avg_first_response",
        ],
    }
    rows = rows_by_label(run_report(analyst_user, "custom", data))
    p = rows["Passeports"]
    assert (p["created"], p["resolved"], p["avg_resolution"], p["median_resolution"]) == (3, 4, 150.25, 11.0)
    assert (p["handling"], p["reopens"], p["replies"], p["avg_first_response"]) == (600.0, 1, 1, 1.0)
    assert p["tickets"] == 3  # the population of the first measure (created), what the drill-down lists
    v = rows["Visas"]
    assert (v["created"], v["resolved"], v["avg_resolution"]) == (2, 1, 4.0)
    for row in rows.values():
        assert drilldown(analyst_user, "custom", data, row["key"]).count() == row["tickets"]


def test_custom_report_by_person_uses_resolver_for_resolved_req_rpt2(dataset, analyst_user):
    rows = rows_by_label(run_report(analyst_user, "custom", {**PERIOD, "by": "agent", "measure": "resolved"}))
    assert rows[dataset.a.display_name]["resolved"] == 3 and rows[dataset.b.display_name]["resolved"] == 2


def test_custom_report_business_hours_and_bad_measure_req_rpt2(dataset, analyst_user):
    rows = rows_by_label(
        run_report(
            analyst_user, "custom", {**PERIOD, "by": "team", "measure": "avg_resolution", "hours": "business"}
        )
    )
    assert rows["Passeports"]["avg_resolution"] == (3 + 3 + 144 + 3) / 4
    with pytest.raises(Invalid, match="Unknown measure"):
        run_report(analyst_user, "custom", {"measure": "happiness"})


def test_save_share_and_run_later_req_rpt2(dataset, lead_user, analyst_user):
    team = factories.TeamFactory(name="Analyse")
    lead_user.teams.add(team)
    analyst_user.teams.add(team)
    with pytest.raises(Forbidden):
        services.save_report(lead_user, name="x", report="volume", data=PERIOD, team=dataset.t1_team)
    saved = services.save_report(
        lead_user, name="Volume par canal", report="volume", data={**PERIOD, "by": "channel"}, team=team
    )
    assert saved.period_days == 31 and saved.params == {"by": "channel", "bucket": "week"}
    assert services.get_saved_report(analyst_user, saved.pk) == saved  # shared with the team
    private = services.save_report(analyst_user, name="Mine", report="topics", data=PERIOD)
    with pytest.raises(NotFound):
        services.get_saved_report(lead_user, private.pk)
    result = services.run_saved(
        analyst_user, saved, services.Period(datetime(2026, 3, 1).date(), datetime(2026, 3, 31).date())
    )
    assert {r["label"]: r["tickets"] for r in result.rows} == {"Facebook": 3, "E-mail": 2}
    with pytest.raises(Forbidden):
        services.delete_saved_report(analyst_user, saved)


def test_saved_reports_pages_and_api_req_rpt2(dataset, analyst_user):
    client = Client()
    client.force_login(analyst_user)
    page = client.get("/reports/custom/", {**PERIOD, "by": "team", "measure": ["created", "resolved"]})
    assert page.status_code == 200 and 'name="measure"' in page.content.decode()
    r = client.post(
        "/reports/saved/new/",
        {
            **PERIOD,
            "report": "custom",
            "name": "Équipes",
            "by": "team",
            "measure": ["created", "resolved"],
            "schedule": "weekly",
        },
    )
    assert r.status_code == 302
    saved = SavedReport.objects.get(name="Équipes")
    assert saved.schedule == "weekly" and saved.next_send_at is not None
    assert "Équipes" in client.get("/reports/").content.decode()
    opened = client.get(f"/reports/saved/{saved.pk}/")
    assert opened.status_code == 302 and "measure=resolved" in opened["Location"]
    api = client.get(f"/api/v1/reports/{saved.pk}", PERIOD).json()
    assert {row["label"]: row["resolved"] for row in api["rows"]} == {"Passeports": 4, "Visas": 1}
    assert client.post(f"/reports/saved/{saved.pk}/delete/").status_code == 302
    assert not SavedReport.objects.exists()


def test_scheduled_email_in_each_recipients_language_req_rpt2(dataset, lead_user, analyst_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    team = factories.TeamFactory(name="Analyse")
    lead_user.teams.add(team)
    analyst_user.teams.add(team)
    analyst_user.language = "fr"
    analyst_user.save()
    saved = services.save_report(
        lead_user, name="Hebdo", report="resolved-by-team", data=PERIOD, team=team, schedule="monthly"
    )
    assert saved.next_send_at.day == 1
    now = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)  # sends March
    SavedReport.objects.filter(pk=saved.pk).update(next_send_at=now)
    from parlons.core import scheduler

    scheduler.run_due_jobs(now, only=["reports.scheduled"])
    assert len(mail.outbox) == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    english, french = by_address[lead_user.email], by_address[analyst_user.email]
    assert "Tickets resolved per team or group" in english.body and "Passeports | 4" in english.body
    assert "Billets résolus par équipe ou par groupe" in french.body
    assert {a[0] for a in french.attachments} == {
        "resolved-by-team_2026-03-01_2026-03-31.pdf",
        "resolved-by-team_2026-03-01_2026-03-31.xlsx",
    }
    saved.refresh_from_db()
    assert saved.next_send_at > now and saved.last_sent_at == now
    scheduler.run_due_jobs(now, only=["reports.scheduled"])
    assert len(mail.outbox) == 2  # not sent twice


def test_custom_report_counts_a_ticket_once_per_tag_group_req_rpt2(dataset, analyst_user):
    from parlons.tickets.models import TicketTag

    TicketTag.objects.create(ticket=dataset.t["t1"], tag=dataset.passport)  # t1: visa + passport, one group
    data = {**PERIOD, "by": "tag_group", "measure": ["created", "replies"]}
    rows = rows_by_label(run_report(analyst_user, "custom", data))
    assert rows["Immigration"]["created"] == 4 and rows["Immigration"]["replies"] == 1
    assert drilldown(analyst_user, "custom", data, str(dataset.group.pk)).count() == 4
