"""The periodic job that fetches every active e-mail mailbox (parlons.core.scheduler).

Each run polls every mailbox. When ``PARLONS_EMAIL_IDLE_SECONDS`` is above zero, a background thread per
mailbox then holds an IMAP IDLE connection until shortly before the next run, so new mail arrives within
seconds instead of a minute, without holding up the scheduler's other jobs (a server without IDLE is simply
polled at the next run)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection

from parlons.core.scheduler import periodic
from parlons.tickets.models import ChannelGroup, Platform

logger = logging.getLogger(__name__)
_watchers: dict[int, threading.Thread] = {}
_lock = threading.Lock()


def mailboxes():
    return (
        ChannelGroup.objects.filter(channel__platform=Platform.EMAIL, is_active=True)
        .exclude(credentials_encrypted="")
        .select_related("channel")
        .order_by("pk")
    )


def _watch(group_pk: int, seconds: float) -> None:
    from parlons.connectors.email.imap import fetch_mailbox

    try:
        group = ChannelGroup.objects.select_related("channel").filter(pk=group_pk).first()
        if group is not None:
            fetch_mailbox(group, idle_seconds=seconds)
    except Exception:  # noqa: BLE001  (network, login, a server's odd answer: the next run polls)
        logger.warning("IDLE on the mailbox of channel group %s stopped", group_pk, exc_info=True)
    finally:
        close_old_connections()
        connection.close()


def start_watcher(group: ChannelGroup, seconds: float) -> bool:
    """An IDLE thread for this mailbox unless one is still running. True when one was started."""
    with _lock:
        running = _watchers.get(group.pk)
        if running is not None and running.is_alive():
            return False
        thread = threading.Thread(
            target=_watch, args=(group.pk, seconds), name=f"email-idle-{group.pk}", daemon=True
        )
        _watchers[group.pk] = thread
        thread.start()
        return True


@periodic("email.fetch", every=timedelta(minutes=1))
def fetch_all(now) -> int:
    """Poll each mailbox; a failing one is logged and never stops the others."""
    from parlons.connectors.email.imap import fetch_mailbox

    idle_seconds = settings.PARLONS_EMAIL_IDLE_SECONDS
    total = 0
    for group in mailboxes():
        try:
            total += fetch_mailbox(group)
        except Exception:  # noqa: BLE001  (network, login, a server's odd answer)
            logger.warning("fetching mailbox of channel group %s failed", group.pk, exc_info=True)
            continue
        if idle_seconds > 0:
            start_watcher(group, idle_seconds)
    return total
