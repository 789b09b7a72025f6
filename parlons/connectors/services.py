"""The durable edges: store an inbound delivery before acknowledging it, process it into tickets; queue an
outgoing message and deliver it through the platform's connector, with retries that never post twice."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.connectors.base import SendError, batch_scope, connector_for
from parlons.connectors.models import InboundEvent, OutboundMessage
from parlons.core.actors import SYSTEM
from parlons.core.db import atomic, is_transient, retry_transient
from parlons.core.errors import Invalid, ParlonsError
from parlons.core.event_types import MessageDeliveryChanged
from parlons.core.events import publish
from parlons.tickets.inbound import InboundMessage, PlatformEvent
from parlons.tickets.models import Message
from parlons.tickets.services import (
    apply_platform_event,
    check_inbound,
    ingest_inbound_message,
    ingest_inbound_messages,
)
from parlons.tickets.services._common import lock_ticket, record

logger = logging.getLogger(__name__)
MAX_SEND_ATTEMPTS = 8


def store_inbound(
    platform: str, external_id: str, body: str, *, headers: dict | None = None, channel_group=None
):
    """Store a raw delivery (deduplicated by the platform's id) and queue its processing in the same
    transaction. Returns (event, created). Call before acknowledging the delivery."""
    with atomic():
        try:
            with atomic():
                event = InboundEvent.objects.create(
                    platform=platform,
                    external_id=external_id[:255],
                    body=body,
                    headers=headers or {},
                    channel_group=channel_group,
                )
        except IntegrityError:
            return InboundEvent.objects.get(platform=platform, external_id=external_id[:255]), False
        from parlons.connectors.tasks import process_inbound_event

        process_inbound_event.enqueue(event.pk)
    return event, True


# Batches of inbound deliveries are processed one at a time per channel group across all workers (see
# ``_one_batch_at_a_time``): the advisory lock (this class, the group's id).
INGEST_LOCK_CLASS = 7301
_FINAL = (InboundEvent.State.DONE, InboundEvent.State.IGNORED)


def store_inbound_items(items, *, headers: dict | None = None) -> tuple[int, int]:
    """Store the items of one delivery — ``(platform, external_id, body, group_external_id)``, the last being
    the page, account or number id that names the channel group — each once (deduplicated by platform id), and
    queue each new one's processing, in one transaction. Returns (stored, duplicates).

    The acknowledgement path, so as few round trips as can be: one statement per item that finds the channel
    group, inserts the row unless the platform id is already stored, and returns the new id; one task row per
    new item. A delivery for a page that is no channel group (yet) is stored without one (shown to admins)."""
    import json

    from django.db import connection

    from parlons.connectors.tasks import process_inbound_event
    from parlons.tickets.models import Channel, ChannelGroup

    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    # Table names come from the models, values are parameters. "WHERE true" lets SQLite parse the upsert.
    sql = (
        f"INSERT INTO {InboundEvent._meta.db_table} (platform, external_id, channel_group_id, body, headers, "  # noqa: S608
        "state, attempts, error, received_at) "
        f"SELECT %s, %s, (SELECT g.id FROM {ChannelGroup._meta.db_table} g "
        f"JOIN {Channel._meta.db_table} c ON c.id = g.channel_id WHERE c.platform = %s AND g.external_id = %s "
        f"ORDER BY g.id LIMIT 1), %s, %s{cast}, %s, 0, '', %s WHERE true "
        "ON CONFLICT (platform, external_id) DO NOTHING RETURNING id"
    )
    header_json = json.dumps(headers or {})
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    stored = duplicates = 0
    with atomic(), connection.cursor() as cursor:
        for platform, external_id, body, group_external_id in items:
            cursor.execute(
                sql,
                [
                    platform,
                    external_id[:255],
                    platform,
                    group_external_id or None,  # no id: no group (NULL matches nothing)
                    body,
                    header_json,
                    InboundEvent.State.PENDING,
                    at,
                ],
            )
            row = cursor.fetchone()
            if row is None:
                duplicates += 1
                continue
            stored += 1
            process_inbound_event.enqueue(row[0])
    return stored, duplicates


def _prefetch(event: InboundEvent):
    """The connector's network work for a delivery (media downloads, profiles), outside any transaction so that
    a slow platform never holds a database lock. A failure here is not fatal: ``parse`` may fetch again or do
    without."""
    connector = connector_for(event.platform)
    if connector is None:
        return None
    try:
        return connector.prefetch(event)
    except Exception:
        logger.warning("prefetch failed for inbound event %s", event.pk, exc_info=True)
        return None


def _prefetch_all(events: list[InboundEvent]) -> dict[int, object]:
    """Every delivery's network work (media, profiles), ``PARLONS_INGEST_FETCHERS`` (8) at a time: a platform's
    answers take tens of milliseconds each, and one after the other they were most of a batch with media. In a
    caller's transaction (tests) the threads could not see its rows: one at a time there."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings
    from django.db import connection, connections

    fetchers = settings.PARLONS_INGEST_FETCHERS
    with batch_scope() as memo:
        if fetchers <= 1 or len(events) <= 1 or connection.in_atomic_block:
            return {e.pk: _prefetch(e) for e in events}

        def one(event):
            try:
                with batch_scope(memo):
                    return _prefetch(event)
            finally:
                connections.close_all()  # a thread's own connections (back to the pool)

        with ThreadPoolExecutor(min(fetchers, len(events)), thread_name_prefix="parlons-prefetch") as pool:
            return dict(zip([e.pk for e in events], pool.map(one, events), strict=True))


def _lock_ingest(group_id: int | None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [INGEST_LOCK_CLASS, group_id or 0])


def _after_the_running_batch(group_id: int | None) -> None:
    """Wait (PostgreSQL) until no other worker's batch of this channel group is running: its deliveries are
    likely this task's own, and finding that out before the batch's network work (media, profiles) saves doing
    it twice."""
    from django.db import connection

    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with atomic():
            _lock_ingest(group_id)


def _one_batch_at_a_time(group_id: int | None) -> None:
    """Serialize the batches of one channel group across workers (PostgreSQL: a transaction-scoped advisory
    lock; SQLite already writes one transaction at a time). A conversation never leaves its channel group, so
    its messages are stored in the order they arrived; two groups' batches run side by side (different pages,
    numbers and tickets: a deadlock between them, rare, is retried). Within a group, two batches could each hold
    one contact and wait for the other's, or store a conversation's messages out of order."""
    from django.db import connection

    if connection.vendor == "postgresql":
        _lock_ingest(group_id)


def _parse(event: InboundEvent) -> list:
    connector = connector_for(event.platform)
    if connector is None:
        raise Invalid(f"no connector for platform {event.platform}", code="no_connector")
    return connector.parse(event)


def _apply(event: InboundEvent, *, savepoint: bool, items: list | None = None) -> list[int]:
    """Parse one delivery (unless its ``items`` are given) and ingest what it holds; sets ``event.state``/
    ``error`` (not saved). Every change of one delivery is all-or-nothing: each service call is atomic, and a
    delivery of several items gets a savepoint of its own (``savepoint=True`` wraps every delivery, as the
    one-at-a-time path does)."""
    from contextlib import nullcontext

    ticket_ids: list[int] = []
    try:
        with atomic() if savepoint else nullcontext():
            if items is None:
                items = _parse(event)
            with atomic() if len(items) > 1 and not savepoint else nullcontext():
                for item in items:
                    if isinstance(item, PlatformEvent):
                        ticket_ids += apply_platform_event(item, actor=SYSTEM, via="ingest")
                    else:
                        ticket_ids.append(ingest_inbound_message(item, actor=SYSTEM, via="ingest").ticket.pk)
    except ParlonsError as exc:
        _failed(event, str(exc.message))
        return []
    except DatabaseError as exc:
        _refused(event, exc, in_savepoint=savepoint)
        return []
    _done(event, ticket_ids)
    return ticket_ids


def _refused(event: InboundEvent, exc: DatabaseError, *, in_savepoint: bool) -> None:
    """The database refused something of a delivery: run the whole batch again when that is not the delivery's
    fault (a deadlock), again one delivery at a time when it broke the batch's transaction, else keep the
    delivery as failed, saying why (a value the database refuses)."""
    if is_transient(exc):
        raise exc  # the batch runs again (``_run_with_retries``)
    if not in_savepoint and _transaction_broken():
        raise _BatchBroken() from exc
    _failed(event, f"{exc.__class__.__name__}: {exc}")


def _failed(event: InboundEvent, error: str) -> None:
    event.state, event.error = InboundEvent.State.FAILED, error[:2000]


def _done(event: InboundEvent, ticket_ids: list[int]) -> None:
    event.state = InboundEvent.State.DONE if ticket_ids else InboundEvent.State.IGNORED
    event.error = ""


def _apply_all(events: list[InboundEvent], *, savepoints: bool) -> dict[int, list[int]]:
    """Every delivery of a batch, in order. Consecutive deliveries that hold only messages are stored together
    by ``ingest_inbound_messages`` (a few statements for all of them, in a savepoint); a delivery with anything
    else (edits, deletions, statuses, echoes) is applied on its own, in its place. A delivery whose items are
    refused fails alone; when the database refuses a run of them, each is applied on its own to find which."""
    results: dict[int, list[int]] = {}
    run: list[tuple[InboundEvent, list]] = []

    def flush() -> None:
        if not run:
            return
        try:
            with atomic():
                stored = ingest_inbound_messages(
                    [i for _e, items in run for i in items], actor=SYSTEM, via="ingest"
                )
        except (DatabaseError, ParlonsError) as exc:
            if isinstance(exc, DatabaseError) and is_transient(exc):
                raise  # the batch runs again
            for event, items in run:
                results[event.pk] = _apply(event, savepoint=True, items=items)
        else:
            at = 0
            for event, items in run:
                results[event.pk] = [result.ticket.pk for result in stored[at : at + len(items)]]
                _done(event, results[event.pk])
                at += len(items)
        run.clear()

    for event in events:
        if savepoints:  # one at a time, each in its savepoint (a batch that broke its transaction)
            results[event.pk] = _apply(event, savepoint=True)
            continue
        connector = connector_for(event.platform)
        if connector is not None and connector.parse_reads_stored:
            flush()
        try:
            items = _parse(event)
            if items and all(isinstance(item, InboundMessage) for item in items):
                for item in items:
                    check_inbound(item)
                run.append((event, items))
                continue
        except ParlonsError as exc:
            _failed(event, str(exc.message))
            results[event.pk] = []
            continue
        except DatabaseError as exc:
            _refused(event, exc, in_savepoint=False)
            results[event.pk] = []
            continue
        flush()
        results[event.pk] = _apply(event, savepoint=False, items=items)
    flush()
    return results


class _BatchBroken(Exception):
    """A database error outside any savepoint: the batch's transaction cannot go on (PostgreSQL)."""


def _transaction_broken() -> bool:
    connection = transaction.get_connection()
    if connection.needs_rollback:
        return True
    if connection.vendor != "postgresql":
        return False  # SQLite: a refused statement does not abort the transaction
    from psycopg.pq import TransactionStatus

    return connection.connection.info.transaction_status == TransactionStatus.INERROR


def _save_states(events: list[InboundEvent], now) -> None:
    """One UPDATE per outcome (done, ignored), one per failed delivery (each has its own error)."""
    from django.db.models import F

    by_state: dict[str, list[int]] = {}
    for event in events:
        if event.state == InboundEvent.State.FAILED:
            InboundEvent.objects.filter(pk=event.pk).update(
                state=event.state, error=event.error, attempts=F("attempts") + 1, processed_at=now
            )
        else:
            by_state.setdefault(event.state, []).append(event.pk)
    for state, ids in by_state.items():
        InboundEvent.objects.filter(pk__in=ids).update(
            state=state, error="", attempts=F("attempts") + 1, processed_at=now
        )


def _run_batch(ids: list[int], *, own: int | None, savepoints: bool, group_id=None) -> dict[int, list[int]]:
    """Process the deliveries ``ids`` (those still to do, of channel group ``group_id``) in one transaction,
    oldest first. Returns {event id: ticket ids}."""
    from parlons.connectors.tasks import process_inbound_event
    from parlons.core.events import batched_dispatch
    from parlons.core.worker import finish_ready_tasks

    todo = [InboundEvent.State.PENDING, InboundEvent.State.PROCESSING, InboundEvent.State.FAILED]
    base = InboundEvent.objects.select_related("channel_group__channel").order_by("pk")
    # Network work first, outside the transaction (a read of the batch, no lock).
    prefetched = _prefetch_all(list(base.filter(pk__in=ids, state__in=todo)))
    with batched_dispatch(), atomic():
        _one_batch_at_a_time(group_id)
        # Re-read under the lock: another worker's batch may have done some of them meanwhile. Only the task's
        # own delivery is tried again when it failed before; the others are pending ones.
        events = [
            e
            for e in base.select_for_update(of=("self",)).filter(pk__in=ids, state__in=todo)
            if e.state != InboundEvent.State.FAILED or e.pk == own
        ]
        for event in events:
            event.prefetched = prefetched.get(event.pk)
        results = _apply_all(events, savepoints=savepoints)
        _save_states(events, timezone.now())
        # The other deliveries' tasks have nothing left to do: finish them now rather than run them.
        finish_ready_tasks(process_inbound_event, [pk for pk in results if pk != own])
    return results


def _run_with_retries(ids: list[int], *, own: int, group_id=None, attempts: int = 5) -> dict[int, list[int]]:
    """The batch, run again after a deadlock (``core.db.retry_transient``: it has a transaction, or inside a
    caller's one a savepoint, of its own), and again one delivery at a time if one broke its transaction."""

    def run() -> dict[int, list[int]]:
        try:
            return _run_batch(ids, own=own, savepoints=False, group_id=group_id)
        except _BatchBroken:  # one delivery broke the transaction: one by one, each in a savepoint
            results: dict[int, list[int]] = {}
            for pk in ids:
                results.update(_run_batch([pk], own=own, savepoints=True, group_id=group_id))
            return results

    return retry_transient(run, attempts=attempts, own_savepoint=True)


def process_inbound(event_id: int, *, batch: int | None = None) -> list[int]:
    """Process a stored delivery with its platform's connector, and with it the oldest pending deliveries (up
    to ``batch``, setting ``PARLONS_INGEST_BATCH``, default 200) of the same channel group in one transaction:
    fewer round trips and commits per message. Oldest first, one batch of a channel group at a time across
    workers, so a conversation's messages are stored in the order they arrived. A delivery that fails (bad
    data, a value the database refuses) is marked failed with its error and does not undo the others. Returns
    the ids of the tickets ``event_id`` touched.

    Safe to run twice: a delivery already done is skipped, and messages are deduplicated by platform id. Called
    by the ``process_inbound_event`` task; the other deliveries' tasks are finished with the batch."""
    from django.conf import settings

    size = max(1, batch if batch is not None else settings.PARLONS_INGEST_BATCH)
    found = InboundEvent.objects.filter(pk=event_id).values_list("channel_group_id", flat=True)
    if not found:
        return []
    group_id = found[0]
    same_group = InboundEvent.objects.filter(state=InboundEvent.State.PENDING, channel_group_id=group_id)
    while True:  # the own delivery is at most a few batches away: oldest first
        _after_the_running_batch(group_id)
        own = InboundEvent.objects.filter(pk=event_id).values_list("state", flat=True).first()
        if own is None or own in _FINAL:  # done (by another worker's batch, often the one just waited for)
            return []
        older = list(same_group.filter(pk__lt=event_id).order_by("pk").values_list("pk", flat=True)[:size])
        with_own = len(older) < size
        newer = []
        if with_own and len(older) < size - 1:
            newer = list(
                same_group.filter(pk__gt=event_id)
                .order_by("pk")
                .values_list("pk", flat=True)[: size - 1 - len(older)]
            )
        ids = [*older, event_id, *newer] if with_own else older
        results = _run_with_retries(ids, own=event_id, group_id=group_id)
        if event_id in results:
            return results[event_id]
        if with_own or not results:  # done by another worker meanwhile (or nothing left to do)
            return []


def queue_outbound(message: Message, *, idempotency_key: str) -> OutboundMessage:
    """Queue an outgoing message for delivery, in the caller's transaction (called by the reply service)."""
    outbound = OutboundMessage.objects.create(
        message=message,
        channel_group=message.ticket.channel_group,
        idempotency_key=idempotency_key,
        next_attempt_at=timezone.now(),
    )
    from parlons.connectors.tasks import send_outbound_message

    send_outbound_message.enqueue(outbound.pk)
    return outbound


def _set_delivery(outbound: OutboundMessage, status: str, error: str = "") -> None:
    Message.objects.filter(pk=outbound.message_id).update(delivery_status=status, delivery_error=error)
    publish(
        MessageDeliveryChanged(
            via="outbound", id=outbound.message_id, status=status, ticket_id=outbound.message.ticket_id
        )
    )


def send_outbound(outbound_id: int) -> str:
    """Deliver one queued message. A retryable failure is scheduled again with exponential backoff and
    jitter (or the platform's Retry-After); the idempotency key travels with every attempt so a retry never
    posts twice. Returns the resulting state."""
    with atomic():
        outbound = (
            OutboundMessage.objects.select_for_update()
            .select_related("message", "channel_group__channel")
            .filter(pk=outbound_id)
            .first()
        )
        if outbound is None or outbound.state in (OutboundMessage.State.SENT, OutboundMessage.State.FAILED):
            return outbound.state if outbound else "missing"
        outbound.state = OutboundMessage.State.SENDING
        outbound.attempts += 1
        outbound.save(update_fields=["state", "attempts"])
    connector = connector_for(outbound.channel_group.channel.platform)
    # The platform call runs outside any transaction: a slow platform must not hold the database.
    result, failure = None, None
    try:
        if connector is None:
            raise SendError(
                _("Sending on %(platform)s is not set up on this server.")
                % {"platform": outbound.channel_group.channel.get_platform_display()},
                code="connector_unavailable",
                retryable=False,
            )
        result = connector.send(outbound)
    except SendError as exc:
        failure = exc
    with atomic():
        if failure is not None:
            exc = failure
            outbound.last_error = str(exc)[:2000]
            outbound.error_code = exc.code
            if exc.retryable and outbound.attempts < MAX_SEND_ATTEMPTS:
                delay = exc.retry_after or min(3600, 2**outbound.attempts) * (0.5 + random.random())
                outbound.state = OutboundMessage.State.QUEUED
                outbound.next_attempt_at = timezone.now() + timedelta(seconds=delay)
                outbound.save(update_fields=["state", "last_error", "error_code", "next_attempt_at"])
                from parlons.connectors.tasks import send_outbound_message

                send_outbound_message.using(run_after=outbound.next_attempt_at).enqueue(outbound.pk)
            else:
                outbound.state = OutboundMessage.State.FAILED
                outbound.save(update_fields=["state", "last_error", "error_code"])
                _set_delivery(outbound, Message.Delivery.FAILED, outbound.last_error)
            return outbound.state
        outbound.state = OutboundMessage.State.SENT
        outbound.external_id = result.external_id[:255]
        outbound.sent_at = timezone.now()
        outbound.last_error = ""
        outbound.save(update_fields=["state", "external_id", "sent_at", "last_error"])
        if result.external_id:  # the platform's echo of this very message may have been stored first
            Message.objects.filter(
                platform=outbound.message.platform, external_id=result.external_id[:255], metadata__echo=True
            ).exclude(pk=outbound.message_id).delete()
        Message.objects.filter(pk=outbound.message_id).update(
            external_id=result.external_id[:255], permalink=result.permalink[:1000]
        )
        _set_delivery(outbound, Message.Delivery.SENT)
    return outbound.state


def retry_failed_reply(message_id: int, *, actor, via: str = "web") -> Message:
    """Send a failed reply again (the agent's "Retry"): the same queued row and idempotency key, so the platform
    never gets it twice. Needs tickets.write and tickets.publish on a ticket the actor can see."""
    from parlons.accounts.permissions import PUBLISH, WRITE, require
    from parlons.core.errors import Invalid, NotFound

    require(actor, WRITE)
    require(actor, PUBLISH)
    with atomic():
        message = Message.objects.filter(pk=message_id, direction=Message.Direction.OUT).first()
        if message is None:
            raise NotFound()
        ticket = lock_ticket(actor, message.ticket_id)
        outbound = OutboundMessage.objects.select_for_update().filter(message=message).first()
        if outbound is None or outbound.state != OutboundMessage.State.FAILED:
            raise Invalid(_("Only a reply that failed can be sent again."), code="not_failed")
        outbound.state = OutboundMessage.State.QUEUED
        outbound.attempts = 0
        outbound.last_error = ""
        outbound.error_code = ""
        outbound.next_attempt_at = timezone.now()
        outbound.save(update_fields=["state", "attempts", "last_error", "error_code", "next_attempt_at"])
        Message.objects.filter(pk=message.pk).update(
            delivery_status=Message.Delivery.QUEUED, delivery_error=""
        )
        record(ticket, "reply.retried", actor=actor, via=via, message=message.pk)
        publish(
            MessageDeliveryChanged(
                actor_id=getattr(actor, "pk", None),
                via=via,
                id=message.pk,
                status=Message.Delivery.QUEUED,
                ticket_id=ticket.pk,
            )
        )
        from parlons.connectors.tasks import send_outbound_message

        send_outbound_message.enqueue(outbound.pk)
    message.refresh_from_db()
    return message


def reprocess_waiting(*, actor) -> int:
    """Queue every waiting delivery again (after the channel group was added), each in the channel group its
    body names when there is one now: it then takes its place in that group's batches, oldest first, beside
    the group's newer deliveries (``connectors.setup.waiting_deliveries`` lists them). Needs system.admin;
    writes a ``channel.deliveries_reprocessed`` security event; publishes nothing."""
    from parlons.accounts.permissions import ADMIN, require
    from parlons.accounts.services import record_security_event
    from parlons.connectors.tasks import process_inbound_event
    from parlons.tickets.models import ChannelGroup

    require(actor, ADMIN)

    with atomic():
        events = list(
            InboundEvent.objects.select_for_update()
            .filter(state=InboundEvent.State.FAILED, channel_group__isnull=True)
            .order_by("pk")
            .only("pk", "platform", "body")
        )
        wanted: dict[tuple[str, str], list[int]] = {}
        for event in events:
            connector = connector_for(event.platform)
            key = connector.channel_group_key(event) if connector else ""
            wanted.setdefault((event.platform, key), []).append(event.pk)
        groups = {  # the oldest group of an id wins, as when a delivery is stored
            (group.channel.platform, group.external_id): group.pk
            for group in ChannelGroup.objects.select_related("channel")
            .filter(
                channel__platform__in={platform for platform, _key in wanted},
                external_id__in={key for _platform, key in wanted if key},
            )
            .order_by("-pk")
        }
        for key, pks in wanted.items():
            InboundEvent.objects.filter(pk__in=pks).update(
                state=InboundEvent.State.PENDING, error="", channel_group_id=groups.get(key)
            )
        ids = [event.pk for event in events]
        for pk in ids:
            process_inbound_event.enqueue(pk)
    if ids:
        record_security_event("channel.deliveries_reprocessed", actor=actor, count=len(ids))
    return len(ids)
