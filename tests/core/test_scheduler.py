"""The scheduler of periodic jobs: once per period across workers, failures recorded, next period runs again."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from parlons.core import scheduler
from parlons.core.models import ScheduledJob


@pytest.fixture
def job(monkeypatch):
    """A registered job that counts its runs (the registry is restored afterwards)."""
    monkeypatch.setattr(scheduler, "_jobs", {})
    runs = []
    scheduler.periodic("test.count", every=timedelta(minutes=5))(lambda now: runs.append(now))
    return runs


@pytest.mark.django_db
def test_a_due_job_runs_once_per_period_req_bey5(job):
    now = timezone.now()
    assert scheduler.run_due_jobs(now, worker_id="a") == ["test.count"]
    # A second worker ticking at the same moment, or the same one a minute later: not due.
    assert scheduler.run_due_jobs(now, worker_id="b") == []
    assert scheduler.run_due_jobs(now + timedelta(minutes=1), worker_id="a") == []
    assert scheduler.run_due_jobs(now + timedelta(minutes=5), worker_id="b") == ["test.count"]
    assert len(job) == 2
    row = ScheduledJob.objects.get(name="test.count")
    assert row.runs == 2 and row.claimed_by == "b" and row.last_error == ""


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_does_not_stop_the_others_req_bey5(monkeypatch):
    monkeypatch.setattr(scheduler, "_jobs", {})
    ran = []

    @scheduler.periodic("test.broken", every=timedelta(minutes=1))
    def broken(now):
        raise RuntimeError("mailbox unreachable")

    scheduler.periodic("test.ok", every=timedelta(minutes=1))(lambda now: ran.append(now))
    now = timezone.now()
    assert sorted(scheduler.run_due_jobs(now)) == ["test.broken", "test.ok"]
    assert ran == [now]
    assert "mailbox unreachable" in ScheduledJob.objects.get(name="test.broken").last_error
    # It is tried again next period.
    assert "test.broken" in scheduler.run_due_jobs(now + timedelta(minutes=1))


def test_a_period_must_be_positive():
    with pytest.raises(ValueError):
        scheduler.periodic("test.never", every=timedelta(0))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_ticking_together_run_a_job_once_req_bey5(job):
    """Several worker threads, each with its own database connection, tick at the same moment."""
    now = timezone.now()
    barrier = threading.Barrier(4)
    results = []

    def tick(name):
        try:
            barrier.wait()
            results.append(scheduler.run_due_jobs(now, worker_id=name))
        finally:
            connection.close()

    threads = [threading.Thread(target=tick, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(len, results)) == [0, 0, 0, 1]
    assert len(job) == 1


@pytest.mark.django_db
def test_worker_batch_runs_due_jobs_req_bey5(job, capsys):
    from django.core.management import call_command

    call_command("worker", "--batch")
    assert len(job) == 1
    assert "1 periodic job(s)" in capsys.readouterr().out


def test_a_worker_process_lowers_its_cpu_priority(settings, monkeypatch):
    """``parlons worker`` runs below the web server (``PARLONS_WORKER_NICE``): acknowledging webhooks and
    answering agents come first on a shared machine (issue 5)."""
    import os

    from parlons.core import worker

    steps = []
    monkeypatch.setattr(os, "nice", lambda n: steps.append(n) or 5)
    settings.PARLONS_WORKER_NICE = 5
    assert worker.lower_priority() == 5 and steps == [5]
    settings.PARLONS_WORKER_NICE = 0
    worker.lower_priority()
    assert steps == [5, 0]
