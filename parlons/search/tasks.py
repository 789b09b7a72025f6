"""Background tasks of search (thin: the work is in services)."""

from django_tasks import task

from parlons.search import services


@task(queue_name="default")
def reindex_ticket(ticket_id: int) -> int:
    return services.reindex_tickets([ticket_id])


@task(queue_name="default")
def reindex_ticket_batch(ticket_ids: list[int]) -> int:
    """The tickets of one batch of changes (e.g. the messages of an ingest batch), rebuilt together."""
    return services.reindex_tickets(ticket_ids)
