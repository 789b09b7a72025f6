"""Periodic jobs of the core: the durable event subscribers that have not run yet are run again."""

from __future__ import annotations

from datetime import timedelta

from parlons.core.events import redeliver_due
from parlons.core.scheduler import periodic


@periodic("events.redeliver", every=timedelta(seconds=30))
def redeliver_events(now):
    return redeliver_due(now)
