"""Background work of the reports: long exports."""

from __future__ import annotations

from django_tasks import task


@task()
def run_export(export_id: int) -> None:
    from parlons.reports.services import run_ticket_export

    run_ticket_export(export_id)
