"""Service standards (OPS-7, OPS-8): policy choice, due times kept current by the domain events, the periodic
check (warning and breach once each, events, history, notifications) and "remind me"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.core import scheduler
from parlons.core.business_hours import BusinessCalendar
from parlons.core.errors import Forbidden, Invalid, NotFound
from parlons.core.worker import run_pending_tasks
from parlons.sla import services
from parlons.sla.models import Reminder, SlaPolicy, TicketSla
from parlons.tickets.models import Ticket, TicketEvent
from parlons.tickets.services import change_priority, change_status, reply
from tests import factories

pytestmark = pytest.mark.django_db
M = timedelta(minutes=1)


def _new_ticket(committed_events, group, **kwargs):
    with committed_events():
        return factories.ingest(group, **kwargs).ticket


# --- policies --------------------------------------------------------------------------------------
def test_most_specific_policy_applies_req_ops7(channel_group):
    other_group = factories.ChannelGroupFactory()
    SlaPolicy.objects.all().delete()
    everyone = SlaPolicy.objects.create(name="All", first_response_minutes=240)
    urgent = SlaPolicy.objects.create(name="Urgent", priority="urgent", first_response_minutes=60)
    group = SlaPolicy.objects.create(name="Group", channel_group=channel_group, first_response_minutes=120)
    group_urgent = SlaPolicy.objects.create(
        name="Group urgent", channel_group=channel_group, priority="urgent", first_response_minutes=30
    )
    SlaPolicy.objects.create(name="Off", channel_group=channel_group, priority="urgent", is_active=False)

    def pick(group_, priority):
        return services.select_policy(Ticket(channel_group=group_, priority=priority))

    assert pick(channel_group, "urgent") == group_urgent
    assert pick(channel_group, "normal") == group
    assert pick(other_group, "urgent") == urgent
    assert pick(other_group, "low") == everyone
    SlaPolicy.objects.all().delete()
    assert pick(channel_group, "normal") is None


def test_default_policy_counts_business_hours_req_ops7(committed_events, channel_group):
    ticket = _new_ticket(committed_events, channel_group)
    sla = TicketSla.objects.get(ticket=ticket)
    cal = BusinessCalendar.current()
    assert sla.policy.name == "Standard"
    assert sla.first_response_due_at == cal.add(ticket.created_at, timedelta(hours=4))
    assert sla.resolution_due_at == cal.add(ticket.created_at, timedelta(hours=40))
    ticket.refresh_from_db()
    assert ticket.sla_due_at == sla.first_response_due_at


# --- due times follow the ticket ------------------------------------------------------------------
def test_due_times_on_create_req_ops8(committed_events, channel_group, calendar_policy):
    ticket = _new_ticket(committed_events, channel_group)
    sla = ticket.sla
    assert sla.first_response_due_at == ticket.created_at + timedelta(hours=1)
    assert sla.first_response_warn_at == ticket.created_at + timedelta(minutes=45)
    assert sla.resolution_due_at == ticket.created_at + timedelta(hours=8)
    ticket.refresh_from_db()
    assert ticket.sla_due_at == ticket.created_at + timedelta(hours=1)


def test_priority_change_recomputes_req_ops7(committed_events, channel_group, calendar_policy, agent_user):
    SlaPolicy.objects.create(
        name="Urgent",
        priority="urgent",
        first_response_minutes=15,
        resolution_minutes=120,
        business_hours=False,
    )
    ticket = _new_ticket(committed_events, channel_group)
    with committed_events():
        change_priority(ticket.pk, "urgent", actor=agent_user)
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.policy.name == "Urgent"
    assert sla.first_response_due_at == ticket.created_at + timedelta(minutes=15)
    assert sla.resolution_due_at == ticket.created_at + timedelta(hours=2)
    ticket.refresh_from_db()
    assert ticket.sla_due_at == ticket.created_at + timedelta(minutes=15)


def test_reply_meets_first_response_req_ops7(committed_events, channel_group, calendar_policy, agent_user):
    ticket = _new_ticket(committed_events, channel_group)
    with committed_events():
        reply(ticket.pk, "Bonjour, nous regardons votre dossier.", actor=agent_user)
    ticket.refresh_from_db()
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.first_response_met_at == ticket.first_response_at
    # The next due time is now the resolution target.
    assert ticket.sla_due_at == sla.resolution_due_at == ticket.created_at + timedelta(hours=8)


def test_resolve_stops_and_reopen_restarts_the_clock_req_ops8(
    committed_events, channel_group, calendar_policy, agent_user
):
    ticket = _new_ticket(committed_events, channel_group)
    with committed_events():
        change_status(ticket.pk, "resolved", actor=agent_user)
    ticket.refresh_from_db()
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.resolution_met_at == ticket.resolved_at
    assert ticket.sla_due_at is None
    # Nothing is checked on a resolved ticket, however late.
    assert services.check_due(ticket.created_at + timedelta(days=30)) == {"warning": 0, "breached": 0}

    with committed_events():
        change_status(ticket.pk, "open", actor=agent_user)
    ticket.refresh_from_db()
    sla.refresh_from_db()
    assert sla.resolution_met_at is None
    assert sla.resolution_started_at == ticket.updated_at
    assert sla.resolution_due_at == ticket.updated_at + timedelta(hours=8)
    assert ticket.sla_due_at == sla.first_response_due_at  # still no reply: the first response comes first


def test_spam_has_no_due_time_req_ops7(committed_events, channel_group, calendar_policy, agent_user):
    from parlons.tickets.services import mark_spam

    ticket = _new_ticket(committed_events, channel_group)
    with committed_events():
        mark_spam(ticket.pk, True, actor=agent_user)
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None


def test_no_policy_no_due_time_req_ops7(committed_events, channel_group):
    SlaPolicy.objects.all().delete()
    ticket = _new_ticket(committed_events, channel_group)
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None
    assert ticket.sla.first_response_due_at is None


# --- the periodic check ----------------------------------------------------------------------------
@pytest.fixture
def watched(committed_events, channel_group, calendar_policy, agent_user, lead_user):
    """A ticket assigned to the agent, in a team led by the lead."""
    team = factories.TeamFactory(lead=lead_user)
    ticket = _new_ticket(committed_events, channel_group)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent_user, team=team)
    ticket.refresh_from_db()
    return ticket


def test_job_warns_then_breaches_once_each_req_ops7(watched, sent, agent_user, lead_user, committed_events):
    due = watched.sla.first_response_due_at
    with committed_events() as events:
        assert services.check_due(due - 20 * M) == {"warning": 0, "breached": 0}
        assert services.check_due(due - 10 * M) == {"warning": 1, "breached": 0}
        assert services.check_due(due - 5 * M) == {"warning": 0, "breached": 0}  # once
        assert services.check_due(due + M) == {"warning": 0, "breached": 1}
        assert services.check_due(due + 2 * M) == {"warning": 0, "breached": 0}  # once
    published = [(e.type, e.data) for e in events if e.type.startswith("sla.")]
    assert published == [
        ("sla.warning", {"id": watched.pk, "target": "first_response", "due_at": due.isoformat()}),
        ("sla.breached", {"id": watched.pk, "target": "first_response", "due_at": due.isoformat()}),
    ]
    assert [(who, kind) for who, kind, _ctx, _t in sent] == [
        (sorted([agent_user.pk, lead_user.pk]), "sla.warning"),
        (sorted([agent_user.pk, lead_user.pk]), "sla.breached"),
    ]
    assert sent[0][2]["target"] == "first_response" and sent[0][3] == watched.pk
    history = list(
        TicketEvent.objects.filter(ticket=watched, kind__startswith="sla.").values_list("kind", "data")
    )
    assert history == [
        ("sla.warning", {"target": "first_response", "due_at": due.isoformat()}),
        ("sla.breached", {"target": "first_response", "due_at": due.isoformat()}),
    ]


def test_breach_found_late_sends_no_late_warning_req_ops7(watched, sent):
    due = watched.sla.resolution_due_at
    counts = services.check_due(due + M)
    assert counts == {"warning": 0, "breached": 2}  # first response and resolution both missed
    assert services.check_due(due + 2 * M) == {"warning": 0, "breached": 0}
    assert [kind for _w, kind, _c, _t in sent] == ["sla.breached", "sla.breached"]


def test_job_runs_through_the_scheduler_req_ops7(watched, sent):
    due = watched.sla.first_response_due_at
    assert "sla.check" in scheduler.run_due_jobs(due + M, only=["sla.check"])
    assert TicketSla.objects.get(pk=watched.sla.pk).first_response_breached_at == due + M
    assert len(sent) == 1


def test_later_due_time_rearms_the_warning_req_ops7(watched, sent, committed_events, agent_user):
    due = watched.sla.first_response_due_at
    services.check_due(due - 10 * M)
    assert len(sent) == 1
    SlaPolicy.objects.create(name="Low", priority="low", first_response_minutes=600, business_hours=False)
    with committed_events():
        change_priority(watched.pk, "low", actor=agent_user)
    sla = TicketSla.objects.get(pk=watched.sla.pk)
    assert sla.first_response_warned_at is None
    assert services.check_due(due - 5 * M) == {"warning": 0, "breached": 0}


def test_sla_notifications_reach_the_notifications_app_req_ops7(watched, lead_user, agent_user):
    from parlons.notifications.models import Notification

    services.check_due(watched.sla.first_response_due_at + M)
    rows = Notification.objects.filter(kind="sla.breached", ticket=watched)
    assert sorted(rows.values_list("recipient_id", flat=True)) == sorted([agent_user.pk, lead_user.pk])


# --- reminders (OPS-7) ------------------------------------------------------------------------------
def test_reminder_fires_once_req_ops7(ticket, agent_user, sent, committed_events):
    now = timezone.now()
    reminder = services.create_reminder(
        ticket.pk, actor=agent_user, in_minutes=2 * 24 * 60, note="Rappeler", now=now
    )
    assert reminder.remind_at == now + timedelta(days=2)
    assert services.fire_due_reminders(now + timedelta(days=1)) == 0
    with committed_events() as events:
        assert services.fire_due_reminders(now + timedelta(days=2, minutes=1)) == 1
        assert services.fire_due_reminders(now + timedelta(days=2, minutes=2)) == 0
    assert sent == [([agent_user.pk], "reminder.due", sent[0][2], ticket.pk)]
    assert sent[0][2]["note"] == "Rappeler"
    assert [e.data["id"] for e in events if e.type == "reminder.due"] == [reminder.pk]
    kinds = list(
        TicketEvent.objects.filter(ticket=ticket, kind__startswith="reminder.").values_list("kind", flat=True)
    )
    assert kinds == ["reminder.set", "reminder.due"]


def test_cancelled_reminder_never_fires_req_ops7(ticket, agent_user, other_agent, sent):
    now = timezone.now()
    reminder = services.create_reminder(
        ticket.pk, actor=agent_user, remind_at=now + timedelta(hours=1), now=now
    )
    with pytest.raises(NotFound):  # someone else's reminder
        services.cancel_reminder(reminder.pk, actor=other_agent)
    services.cancel_reminder(reminder.pk, actor=agent_user)
    with pytest.raises(Invalid):
        services.cancel_reminder(reminder.pk, actor=agent_user)
    assert services.fire_due_reminders(now + timedelta(hours=2)) == 0
    assert sent == []
    assert Reminder.objects.get(pk=reminder.pk).fired_at is None


def test_reminder_validation_and_permissions_req_ops7(ticket, agent_user, reader_user, no_role_user):
    now = timezone.now()
    with pytest.raises(Invalid):
        services.create_reminder(ticket.pk, actor=agent_user, remind_at=now - M, now=now)
    with pytest.raises(Invalid):
        services.create_reminder(ticket.pk, actor=agent_user, now=now)
    with pytest.raises(Invalid):
        services.create_reminder(ticket.pk, actor=agent_user, in_minutes=5, remind_at=now + M, now=now)
    with pytest.raises(Invalid):
        services.create_reminder(ticket.pk, actor=agent_user, in_minutes=5, note="x" * 501, now=now)
    with pytest.raises(Forbidden):
        services.create_reminder(ticket.pk, actor=reader_user, in_minutes=5)
    with pytest.raises(NotFound):
        services.create_reminder(ticket.pk, actor=no_role_user, in_minutes=5)
    with pytest.raises(NotFound):
        services.create_reminder(999999, actor=agent_user, in_minutes=5)


def test_policy_management_needs_admin_req_ops7(agent_user, admin_user):
    data = services.PolicyInput(name="Vite", priority="high", first_response_minutes=30)
    with pytest.raises(Forbidden):
        services.save_policy(data, actor=agent_user)
    policy = services.save_policy(data, actor=admin_user)
    assert policy.pk and policy.priority == "high"
    with pytest.raises(Invalid):
        services.save_policy(services.PolicyInput(name="Rien"), actor=admin_user)
    with pytest.raises(Invalid):
        services.save_policy(
            services.PolicyInput(name="Bad", priority="huge", first_response_minutes=5), actor=admin_user
        )
    with pytest.raises(Forbidden):
        services.delete_policy(policy.pk, actor=agent_user)


def test_policy_change_recomputes_open_tickets_req_ops7(
    committed_events, channel_group, calendar_policy, admin_user
):
    ticket = _new_ticket(committed_events, channel_group)
    with committed_events():
        services.save_policy(
            services.PolicyInput(
                name="Calendar", first_response_minutes=30, resolution_minutes=60, business_hours=False
            ),
            actor=admin_user,
            policy_id=calendar_policy.pk,
        )
    ticket.refresh_from_db()
    assert ticket.sla_due_at == ticket.created_at + timedelta(hours=1)  # recomputed in the background
    assert run_pending_tasks() >= 1
    ticket.refresh_from_db()
    assert ticket.sla_due_at == ticket.created_at + timedelta(minutes=30)


def test_holidays_feed_the_current_calendar_req_ops7(admin_user, agent_user):
    from datetime import date

    with pytest.raises(Forbidden):
        services.add_holiday(date(2026, 12, 25), "Christmas", "Noël", actor=agent_user)
    services.add_holiday(date(2026, 12, 25), "Christmas", "Noël", actor=admin_user)
    with pytest.raises(Invalid):
        services.add_holiday(date(2026, 12, 25), "Again", "Encore", actor=admin_user)
    assert date(2026, 12, 25) in BusinessCalendar.current().holidays
    services.set_business_hours("America/Halifax", {0: [("08:00", "12:00")]}, actor=admin_user)
    cal = BusinessCalendar.current()
    assert cal.time_zone == "America/Halifax" and cal.hours[0] == ((480, 720),) and cal.hours[1] == ()
    with pytest.raises(Invalid):
        services.set_business_hours("Mars/Olympus", {0: [("08:00", "12:00")]}, actor=admin_user)
    with pytest.raises(Invalid):
        services.set_business_hours("America/Toronto", {0: [("12:00", "08:00")]}, actor=admin_user)


def test_backfill_gives_old_tickets_due_times_without_a_flood_req_ops7(
    channel_group, calendar_policy, sent, agent_user
):
    old = factories.TicketFactory(
        channel_group=channel_group,
        created_at=timezone.now() - timedelta(days=3),
        status="open",
        assignee=agent_user,
    )
    fresh = factories.TicketFactory(channel_group=channel_group, status="open", assignee=agent_user)
    now = timezone.now()
    assert services.check_due(now) == {"warning": 0, "breached": 0}
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.sla_due_at == old.created_at + timedelta(hours=1)  # already missed, marked quietly
    assert fresh.sla_due_at == fresh.created_at + timedelta(hours=1)
    assert sent == []
    # The fresh ticket is still watched: its breach is announced when it comes.
    assert services.check_due(fresh.sla_due_at + M) == {"warning": 0, "breached": 1}
    assert [(kind, t) for _w, kind, _c, t in sent] == [("sla.breached", fresh.pk)]


def test_history_reads_the_sla_rows_in_both_languages_req_ops7(watched, sent):
    from parlons.tickets.history import describe

    services.check_due(watched.sla.first_response_due_at + M)
    row = TicketEvent.objects.get(ticket=watched, kind="sla.breached")
    assert describe(row, "en") == "Service standard missed: first response is overdue"
    assert describe(row, "fr") == "Norme de service manquée\u00a0: la première réponse est en retard"


def test_one_sync_of_many_tickets_equals_syncing_each_and_costs_the_same_few_queries_req_ops7(
    channel_group, calendar_policy, agent_user
):
    """The listeners reconcile a batch's tickets in one pass: the rows are those of one-by-one syncs (new,
    urgent, replied to, resolved, spam) and the queries do not grow with the number of tickets."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    SlaPolicy.objects.create(
        name="Urgent", priority="urgent", first_response_minutes=15, business_hours=False
    )

    base = timezone.now()

    def make(n):
        tickets = []
        for i in range(n):
            kind = i % 5
            ticket = factories.TicketFactory(
                channel_group=channel_group,
                created_at=base - timedelta(minutes=10 * i),
                status="resolved" if kind == 3 else "open",
                priority="urgent" if kind == 1 else "normal",
                is_spam=kind == 4,
                first_response_at=base if kind == 2 else None,
                resolved_at=base if kind == 3 else None,
            )
            tickets.append(ticket.pk)
        return tickets

    fields = ["ticket_id", "policy_id", "first_response_due_at", "first_response_warn_at",
              "first_response_met_at", "resolution_due_at", "resolution_met_at"]  # fmt: skip
    now = timezone.now()
    singles = make(5)
    for pk in singles:
        services.sync_ticket(pk, now=now)
    batch = make(5)
    with CaptureQueriesContext(connection) as small:
        services.sync_tickets(batch, now=now)
    larger = make(25)
    with CaptureQueriesContext(connection) as big:
        services.sync_tickets(larger, now=now)

    def rows(ids):
        values = TicketSla.objects.filter(ticket_id__in=ids).order_by("ticket_id").values_list(*fields)
        dues = Ticket.objects.filter(pk__in=ids).order_by("pk").values_list("sla_due_at", flat=True)
        return [(*row[1:], due) for row, due in zip(values, dues, strict=True)]

    assert rows(singles) == rows(batch)
    assert len(rows(batch)) == 5 and rows(batch)[1][0] != rows(batch)[0][0]  # the urgent one has its policy
    assert rows(batch)[4][-1] is None  # spam: no due time
    assert len(big) == len(small) <= 12
    # Nothing changed: a second pass writes nothing.
    with CaptureQueriesContext(connection) as again:
        services.sync_tickets(larger, now=now)
    assert not [q for q in again.captured_queries if q["sql"].startswith("UPDATE")]
