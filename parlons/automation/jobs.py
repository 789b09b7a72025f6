"""Periodic work of the automation app: the "time since the last update" rules."""

from __future__ import annotations

from datetime import timedelta

from parlons.core.scheduler import periodic


@periodic("automation.idle_rules", every=timedelta(minutes=5))
def idle_rules(now):
    from parlons.automation.services import run_idle_rules

    return run_idle_rules(now)
