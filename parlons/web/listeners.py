"""Forward domain events to open browsers as small payloads (realtime, STYLE.md rule 8).

A worker has no event loop of its own, and ``async_to_sync`` would start a new one for every event (several
milliseconds each, a new Redis connection each time). So outside an event loop's thread the payloads go to one
long-lived sender thread per process, which runs one loop and sends them in order. Inside a request or a
websocket handler (a thread of the server's loop) the payload is sent on that loop, as before."""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from parlons.core.event_types import (
    MessageCreated,
    MessageDeliveryChanged,
    NoteCreated,
    TicketCreated,
    TicketUpdated,
)
from parlons.core.events import DomainEvent, subscribe
from parlons.web.consumers import ALL_READERS

logger = logging.getLogger(__name__)


def _payload(event: DomainEvent) -> dict:
    payload = {"type": event.type, "id": event.data.get("id")}
    for key in ("version", "ticket_id", "status"):
        if key in event.data:
            payload[key] = event.data[key]
    return payload


class _Sender:
    """One daemon thread with one event loop that sends queued messages to a channel layer group."""

    def __init__(self):
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.pid = os.getpid()
        self.thread = threading.Thread(target=self._run, daemon=True, name="parlons-browser-push")
        self.thread.start()

    def _run(self) -> None:
        # A daemon thread blocking on the queue, and one loop kept for every send (so that a Redis layer keeps
        # its connections); nothing here may keep the process alive at exit.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        while True:
            batch = [self.queue.get()]
            while True:  # whatever else is waiting goes out in the same turn
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            loop.run_until_complete(self._send(batch))

    @staticmethod
    async def _send(batch) -> None:
        for layer, group, message, done in batch:
            try:
                if layer is not None:  # None: a flush marker
                    await layer.group_send(group, message)
            except Exception:
                logger.warning("push to browsers failed", exc_info=True)
            finally:
                if done is not None:
                    done.set()

    def send(self, layer, group: str, message: dict, done: threading.Event | None = None) -> None:
        self.queue.put((layer, group, message, done))


_sender: _Sender | None = None
_sender_lock = threading.Lock()


def sender() -> _Sender:
    global _sender
    with _sender_lock:
        if _sender is None or _sender.pid != os.getpid() or not _sender.thread.is_alive():
            _sender = _Sender()
        return _sender


def flush(timeout: float = 5) -> bool:
    """Wait until every payload queued so far has been sent (tests, shutdown)."""
    if _sender is None:
        return True
    done = threading.Event()
    _sender.send(None, "", {}, done)
    return done.wait(timeout)


def _in_server_loop_thread() -> bool:
    """True in a thread that ``sync_to_async`` runs for an event loop of this process (a request, a socket)."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return (
        loop is not None
        and getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid()
        and loop.is_running()
    )


@subscribe(TicketCreated, TicketUpdated, MessageCreated, NoteCreated, MessageDeliveryChanged)
def push_to_browsers(event: DomainEvent) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "domain.event", "payload": _payload(event)}
    if _in_server_loop_thread():
        async_to_sync(layer.group_send)(ALL_READERS, message)
        return
    if isinstance(layer, InMemoryChannelLayer):
        from parlons.core import worker

        if worker.DEDICATED:
            return  # an in-memory layer in a worker process of its own reaches no browser
        # The embedded install: the sockets' queues belong to the server's loop; send as before.
        async_to_sync(layer.group_send)(ALL_READERS, message)
        return
    sender().send(layer, ALL_READERS, message)
