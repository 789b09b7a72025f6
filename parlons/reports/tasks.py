"""Background work of the reports: long exports."""

from __future__ import annotations

from django_tasks import task


@task()
def run_export(export_id: int) -> None:
    from parlons.reports.exports import run_export_job

    run_export_job(export_id)
