"""Periodic jobs of the reports: clean up old export files."""

from __future__ import annotations

from datetime import timedelta

from parlons.core.scheduler import periodic


@periodic("reports.cleanup_exports", every=timedelta(hours=1))
def cleanup_exports(now) -> int:
    """Delete export files (and their rows) older than two days: they hold personal data."""
    from parlons.reports.services import delete_old_exports

    return delete_old_exports(now)


@periodic("reports.scheduled", every=timedelta(minutes=15))
def send_scheduled_reports(now) -> int:
    """Send the saved reports that are due (weekly on Monday morning, monthly on the first)."""
    from parlons.reports.services import send_due_reports

    return send_due_reports(now)
