"""Transient database failures (deadlock, serialization failure, lock timeout, SQLite busy) are recognised, and
idempotent work such as the listeners' recomputations runs again after one (issue 5: two workers' batches)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, OperationalError

from parlons.core import db


class _Cause(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _error(sqlstate: str | None, text: str = "boom") -> OperationalError:
    exc = OperationalError(text)
    exc.__cause__ = _Cause(sqlstate)
    return exc


def test_transient_failures_are_recognised():
    assert db.is_transient(_error("40P01"))  # deadlock
    assert db.is_transient(_error("40001"))  # serialization failure
    assert db.is_transient(_error("55P03"))  # lock not available
    assert db.is_transient(_error(None, "database is locked"))
    assert not db.is_transient(_error("23505"))  # a unique violation is the data's fault
    assert not db.is_transient(ValueError("x"))


@pytest.mark.django_db(transaction=True)
def test_idempotent_work_runs_again_after_a_deadlock_but_not_after_other_errors(monkeypatch):
    monkeypatch.setattr(db.time, "sleep", lambda s: None)
    calls = []

    def work(value):
        calls.append(value)
        if len(calls) < 3:
            raise _error("40P01")
        return value * 2

    assert db.retry_transient(work, 21) == 42 and calls == [21, 21, 21]

    def always():
        raise _error("40P01")

    with pytest.raises(DatabaseError):
        db.retry_transient(always, attempts=2)

    def refused():
        calls.append("refused")
        raise _error("23505")

    calls.clear()
    with pytest.raises(DatabaseError):
        db.retry_transient(refused)
    assert calls == ["refused"]


@pytest.mark.django_db
def test_inside_a_transaction_only_work_with_its_own_savepoint_runs_again(monkeypatch):
    """The ingest batch runs in a savepoint of its own inside a caller's transaction (tests, a caller's atomic
    block): rolled back to it after a deadlock, it may run again; other work there may not (the failure broke
    the caller's transaction)."""
    from django.db import transaction

    from parlons.tickets.models import Tag

    monkeypatch.setattr(db.time, "sleep", lambda s: None)
    calls = []

    def batch():
        with transaction.atomic():  # its own savepoint
            calls.append("batch")
            Tag.objects.create(slug=f"t-{len(calls)}", name_en="T", name_fr="T")
            if len(calls) < 2:
                raise _error("40P01")
        return "done"

    assert db.retry_transient(batch, own_savepoint=True) == "done"
    assert calls == ["batch", "batch"]
    assert list(Tag.objects.filter(slug__startswith="t-").values_list("slug", flat=True)) == ["t-2"]
    calls.clear()
    with pytest.raises(DatabaseError):
        db.retry_transient(batch)
    assert calls == ["batch"]
