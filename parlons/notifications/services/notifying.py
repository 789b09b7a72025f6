"""Storing notifications: ``notify`` writes one row per recipient who may be told, in the caller's transaction,
and hands them to delivery after the commit; the in-page list marks them read; old ones are forgotten."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.core.actors import actor_user
from parlons.core.errors import Invalid, NotFound
from parlons.notifications.models import Notification
from parlons.notifications.services.delivery import deliver
from parlons.notifications.services.preferences import KINDS

DELIVER_INLINE_MAX = 50  # more recipients than this: delivered by background tasks in batches


def _reachable(users) -> list:
    """Only people who can read their notifications: active, not locked, not bots; each once."""
    seen: dict[int, Any] = {}
    for user in users:
        if user is None or getattr(user, "pk", None) is None or user.pk in seen:
            continue
        if not user.is_active or getattr(user, "is_bot", False) or getattr(user, "locked_at", None):
            continue
        seen[user.pk] = user
    return list(seen.values())


def _plain(context: dict | None) -> dict:
    return json.loads(json.dumps(context or {}, cls=DjangoJSONEncoder))


def notify(recipients, kind: str, *, context: dict | None = None, ticket=None, actor=None) -> int:
    """Tell each recipient about ``kind`` (see ``Kind``). Stores one row per reachable recipient in the caller's
    transaction and delivers after the commit (desktop push, e-mail or digest per preferences).
    ``recipients``: users or user ids. ``context``: JSON-able data (ticket id/subject/link, due_at, rule name,
    message text…). ``actor``: the user who caused it (``SYSTEM``/None for the platform). Returns rows made."""
    if kind not in KINDS:
        raise Invalid(_("Unknown notification kind “%(kind)s”.") % {"kind": kind})
    from parlons.accounts.models import User

    recipients = list(recipients or [])
    ids = [r for r in recipients if isinstance(r, int)]
    users = [r for r in recipients if not isinstance(r, int)]
    if ids:
        users += list(User.objects.filter(pk__in=ids))
    users = _reachable(users)
    if ticket is not None:  # nobody is told about a ticket they may not see (the visibility root)
        from parlons.tickets.selectors import users_who_may_see

        users = users_who_may_see(ticket, users)
    if not users:
        return 0
    data = _plain(context)
    ticket_obj = None
    if ticket is not None:
        from parlons.tickets.models import Ticket

        ticket_obj = ticket if isinstance(ticket, Ticket) else Ticket.objects.filter(pk=ticket).first()
        if ticket_obj is not None:
            data.setdefault("ticket_id", ticket_obj.pk)
            data.setdefault("subject", ticket_obj.subject)
    author = actor_user(actor) if actor is not None else None
    author = author if getattr(author, "pk", None) else None
    rows = Notification.objects.bulk_create(
        [
            Notification(recipient=user, kind=kind, context=data, ticket=ticket_obj, actor=author)
            for user in users
        ]
    )
    row_ids = [row.pk for row in rows]
    if None in row_ids:  # backends that do not return ids from bulk_create
        row_ids = list(
            Notification.objects.filter(recipient__in=users, kind=kind)
            .order_by("-id")
            .values_list("pk", flat=True)[: len(users)]
        )
    if len(row_ids) > DELIVER_INLINE_MAX:  # e.g. a broadcast: do not hold the request for every recipient
        transaction.on_commit(lambda: _enqueue_delivery(row_ids), robust=True)
    else:
        transaction.on_commit(lambda: deliver(row_ids), robust=True)
    return len(rows)


def _enqueue_delivery(row_ids: list[int]) -> None:
    from parlons.notifications.tasks import deliver_notifications

    for start in range(0, len(row_ids), DELIVER_INLINE_MAX):
        deliver_notifications.enqueue(row_ids[start : start + DELIVER_INLINE_MAX])


# --- the in-page list -----------------------------------------------------------------------------
def mark_read(user, *, actor, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications as read (all of them when ``ids`` is None)."""
    if getattr(actor, "pk", None) != getattr(user, "pk", None):
        raise NotFound()
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        clean = []
        for value in ids:
            try:
                clean.append(int(value))
            except (TypeError, ValueError):
                raise Invalid(_("Unknown notification."))
        qs = qs.filter(pk__in=clean)
    return qs.update(read_at=timezone.now())


KEEP_READ = timedelta(days=90)
KEEP_UNREAD = timedelta(days=365)


def clean_up(now: datetime | None = None) -> int:
    """Forget old notifications (read after 90 days, unread after a year) so the bell stays fast.
    Notifications still waiting for a digest are kept."""
    now = now or timezone.now()
    old = Notification.objects.exclude(email_state=Notification.Email.QUEUED)
    read = old.filter(read_at__isnull=False, created_at__lt=now - KEEP_READ)
    unread = old.filter(read_at__isnull=True, created_at__lt=now - KEEP_UNREAD)
    return read.delete()[0] + unread.delete()[0]
