"""Background tasks of notifications (thin: the work is in services)."""

from django_tasks import task

from parlons.notifications import services


@task(queue_name="default")
def send_notification_email(notification_id: int) -> int:
    return services.send_email_for(notification_id)


@task(queue_name="default")
def send_digest(user_id: int, notification_ids: list[int]) -> int:
    return services.send_digest_for(user_id, notification_ids)


@task(queue_name="default")
def deliver_notifications(notification_ids: list[int]) -> int:
    services.deliver(notification_ids)
    return len(notification_ids)
