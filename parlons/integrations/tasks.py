"""Background tasks of the integrations (thin: the work is in services)."""

from django_tasks import task

from parlons.integrations import services


@task(queue_name="outbound")
def send_webhook(delivery_id: int) -> str:
    return services.send_delivery(delivery_id)
