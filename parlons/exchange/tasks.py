"""Background tasks of data exchange (thin: the work is in services)."""

from django_tasks import task

from parlons.exchange import services


@task(queue_name="default")
def run_ticket_export(job_id: str) -> None:
    services.run_export_job(job_id)
