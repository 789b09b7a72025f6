"""Background tasks of the e-mail channel (thin: the work is in the modules)."""

from django_tasks import task


@task(queue_name="outbound")
def send_forward_task(forward_id: int) -> str:
    from parlons.connectors.email.services import send_forward

    return send_forward(forward_id)
