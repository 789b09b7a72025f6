"""Background tasks of the connectors (thin: the work is in services)."""

from django_tasks import task

from parlons.connectors import services


@task(queue_name="ingest")
def process_inbound_event(event_id: int) -> list[int]:
    return services.process_inbound(event_id)


@task(queue_name="outbound")
def send_outbound_message(outbound_id: int) -> str:
    return services.send_outbound(outbound_id)
