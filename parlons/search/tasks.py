"""Background tasks of search (thin: the work is in services)."""

from django_tasks import task

from parlons.search import services


@task(queue_name="default")
def reindex_ticket(ticket_id: int) -> int:
    return services.reindex_tickets([ticket_id])
