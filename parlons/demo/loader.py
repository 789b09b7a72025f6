"""``load_demo``: base data through the services, then the tickets planned by the generator and written in
bulk batches, one transaction per batch, keeping memory flat; big PostgreSQL loads write each batch on a
second connection while the next one is planned."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.demo import corpus
from parlons.demo.base import ensure_base
from parlons.demo.generator import DemoGenerator
from parlons.demo.plans import DEMO_USERNAMES
from parlons.demo.writer import batch_writer

BATCH_SIZE = 2000


@dataclass
class DemoResult:
    usernames: list[str]  # the five demo users first, then the other agents
    tickets: int  # tickets created by this call
    seconds: float
    new_users: list[str] = field(default_factory=list)  # users created now (they have the given password)


class Progress:
    """Counts written tickets; on big loads, writes a progress line per batch to ``stdout``."""

    def __init__(self, stdout, total: int, batch_size: int, started: float):
        self.stdout, self.total, self.started, self.done = stdout, total, started, 0
        self.verbose = stdout is not None and total > batch_size

    def add(self, count: int) -> None:
        self.done += count
        if self.verbose:
            elapsed = time.monotonic() - self.started
            line = _("%(done)s / %(total)s tickets (%(rate)s tickets/s)") % {
                "done": f"{self.done:,}",
                "total": f"{self.total:,}",
                "rate": f"{self.done / max(elapsed, 1e-6):,.0f}",
            }
            self.stdout.write(line + "\n")


def write_serially(batches, make_writer, progress: Progress) -> None:
    write = make_writer()
    for plans in batches:
        write(plans)
        progress.add(len(plans))


def write_in_background(batches, make_writer, progress: Progress) -> None:
    """Write each batch on a second thread (so a second connection) while the next one is generated: the
    database works (COPY, index upkeep, foreign-key checks at commit) while Python plans. At most three
    batches are in memory; the first failure stops the load and is raised here."""
    work: queue.Queue = queue.Queue(maxsize=1)
    failure: list[BaseException] = []

    def writer():
        from django.db import connection as own

        try:
            write = make_writer()
            while (plans := work.get()) is not None:
                write(plans)
                progress.add(len(plans))
        except BaseException as exc:  # handed to the producer
            failure.append(exc)
            while work.get() is not None:  # drain, so that the producer never blocks
                pass
        finally:
            own.close()

    thread = threading.Thread(target=writer, name="parlons-demo-writer", daemon=True)
    thread.start()
    try:
        for plans in batches:
            if failure:
                break
            work.put(plans)
    finally:
        work.put(None)
        thread.join()
    if failure:
        raise failure[0]


def load_demo(
    *,
    tickets: int = 500,
    seed: int = 42,
    password: str,
    stdout=None,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> DemoResult:
    """Load the demo data set: base data through the services, then ``tickets`` tickets in bulk batches, one
    transaction per batch (batches already written stay if a later one fails).

    Safe to run again: existing users, teams, groups, tags and trackers are reused (passwords of existing
    users are left alone; ``DemoResult.new_users`` lists who got ``password``) and new tickets are added.
    ``stdout`` (anything with ``write``) gets a progress line per batch on big loads. Called inside a
    transaction (tests), everything happens in it; otherwise, on PostgreSQL, batches are written on a second
    connection while the next one is generated."""
    from parlons.tickets.models import Ticket

    started = time.monotonic()
    now = now or timezone.now()
    with transaction.atomic():
        base = ensure_base(password=password)
    # On a second load, ticket positions start past every existing id, so platform ids never collide.
    offset = Ticket.objects.aggregate(top=Max("id"))["top"] or 0
    gen = DemoGenerator(seed=seed, total=tickets, now=now, offset=offset)
    batches = (
        [gen.plan(i) for i in range(start, min(start + batch_size, tickets))]
        for start in range(0, tickets, batch_size)
    )
    progress = Progress(stdout, tickets, batch_size, started)
    background = connection.vendor == "postgresql" and not connection.in_atomic_block and tickets > batch_size
    (write_in_background if background else write_serially)(batches, partial(batch_writer, base), progress)
    usernames = [*DEMO_USERNAMES, *(spec[0] for spec in corpus.AGENTS)]
    return DemoResult(
        usernames=usernames,
        tickets=progress.done,
        seconds=time.monotonic() - started,
        new_users=base.new_users,
    )
