"""Periodic jobs of data exchange (parlons.core.scheduler)."""

from datetime import timedelta

from parlons.core.scheduler import periodic
from parlons.exchange import services


@periodic("exchange.purge", every=timedelta(hours=1))
def purge(now):
    """Export files and pending imports are kept a week, then deleted."""
    return services.purge_old_exports(now)
