"""Background tasks of the service standards (thin: the work is in services)."""

from django_tasks import task


@task(queue_name="default")
def recompute_open_tickets() -> int:
    """After an administrator changes a policy, the opening hours or the holidays (may touch many tickets)."""
    from parlons.sla.services import recompute_open_tickets as recompute

    return recompute()
