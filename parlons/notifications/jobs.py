"""Periodic jobs of notifications: the e-mail digest (OPS-13: nobody gets 100 mails in a minute)."""

from datetime import timedelta

from parlons.core.scheduler import periodic
from parlons.notifications import services


@periodic("notifications.digest", every=timedelta(minutes=1))
def send_digests(now):
    return services.run_digests(now)


@periodic("notifications.cleanup", every=timedelta(hours=6))
def clean_up(now):
    return services.clean_up(now)
