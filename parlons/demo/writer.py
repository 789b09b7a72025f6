"""The bulk writer: demo tickets written straight into the tables, bypassing the per-ticket services.

``--tickets 1000000`` must fill PostgreSQL in reasonable time, which per-ticket service calls (a transaction,
a row lock, history rows and events each) cannot do. So this module **deliberately bypasses the services**: it
is the demo and benchmark loader, and the ONLY module allowed to do so (ADR 0004). It writes exactly the rows
the services would write for the same story (contacts and identities as ingest creates them, messages,
outbound rows for sent replies, notes, tag and tracker links) and the same history shapes (``TicketEvent``
kinds and data as ``record`` is called with in ``parlons/tickets/services``), with the story's timestamps. It
publishes no domain events: nobody watches a demo load, so anything that derives data from events (a search
index, report metrics) must be rebuilt after a load.

How: for each batch, the ids that rows refer to (contacts, tickets, messages, notes) are reserved first from
the tables' own sequences, so every row of the batch is known before any is written; then each table's rows
go in at once, with ``COPY`` on PostgreSQL and one prepared ``INSERT`` run over all rows (``executemany``) on
SQLite. Models are imported inside the functions so that importing ``parlons.demo`` does not need Django's app
registry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.db import connection, models, transaction
from django.utils import timezone

from parlons.demo.base import BaseData
from parlons.demo.plans import Ref, TicketPlan


class BulkWriter:
    """Bulk inserts of plain rows into a model's table: ``COPY`` on PostgreSQL, one prepared ``INSERT`` run
    over all the rows (``executemany``) on SQLite. Ids that other rows refer to are reserved first from the
    table's own sequence (``reserve``), so every row of a batch (replies pointing at their message, history
    pointing at messages and notes) is known before any is written. Rows are dicts keyed by field attname;
    fields a row leaves out get the model's default, so the writer follows the models. Django's
    ``bulk_create`` for the same rows (one model instance per row, values dumped one by one) held the whole
    load to ~210 tickets/s on PostgreSQL, against ~1,000 with ``COPY``: too slow for a million tickets."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self._layouts: dict[tuple[str, frozenset], tuple] = {}

    def reserve(self, model: type[models.Model], count: int) -> list[int]:
        """``count`` new ids of ``model``'s table, in order, taken from its sequence (PostgreSQL) or past the
        highest id in use (SQLite, where the batch's transaction holds the write lock)."""
        if count == 0:
            return []
        table = model._meta.db_table
        with self.connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, model._meta.pk.column, count],
                )
                return sorted(row[0] for row in cursor.fetchall())
            # SQLite: the write lock is held (the batch's transaction has written or begins IMMEDIATE).
            quoted = self.connection.ops.quote_name(table)
            pk = self.connection.ops.quote_name(model._meta.pk.column)
            cursor.execute(f"SELECT MAX({pk}) FROM {quoted}")  # noqa: S608
            top = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(top, row[0] if row else 0) + 1
            return list(range(start, start + count))

    def _layout(self, model, keys: frozenset):
        """The columns, value converters and defaults for rows of ``model`` that give ``keys``; cached."""
        layout = self._layouts.get((model._meta.label, keys))
        if layout is None:
            fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in keys)]
            now = timezone.now()
            defaults = {}
            for f in fields:
                if f.attname in keys:
                    continue
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    defaults[f.attname] = now
                else:
                    defaults[f.attname] = f.get_default()
            prepared = []
            for f in fields:
                convert = None
                if self.postgres and isinstance(f, models.JSONField) and f.encoder is None:
                    convert = json.dumps  # COPY's text format takes JSON text as it is
                elif isinstance(f, models.JSONField) or (
                    not self.postgres and isinstance(f, models.DateTimeField | models.DecimalField)
                ):
                    convert = partial(f.get_db_prep_save, connection=self.connection)
                prepared.append((f.attname, convert))
            layout = ([f.column for f in fields], prepared, defaults)
            self._layouts[(model._meta.label, keys)] = layout
        return layout

    def insert(self, model: type[models.Model], rows: list[dict]) -> None:
        """Write ``rows`` (dicts keyed by attname, all with the same keys) into ``model``'s table."""
        if not rows:
            return
        columns, prepared, defaults = self._layout(model, frozenset(rows[0]))
        db = self.connection

        def values(row):
            out = []
            for attname, convert in prepared:
                value = row[attname] if attname in row else defaults[attname]
                out.append(value if convert is None else convert(value))
            return out

        quote = db.ops.quote_name
        table, names = quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
        with db.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(values(row))
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                    [values(row) for row in rows],
                )


def _resolve(value, base: BaseData, group_id: int, message_ids: list[int], note_ids: list[int]):
    if not isinstance(value, Ref):
        return value
    if value.kind == "msg":
        return message_ids[value.value]
    if value.kind == "note":
        return note_ids[value.value]
    if value.kind == "group":
        return group_id
    if value.kind == "user":
        if value.value is None:
            return None
        pk, name = base.users[value.value]
        return {"id": pk, "name": name}
    if value.kind == "tags":
        return [base.tags[slug] for slug in value.value]
    return base.trackers[value.value]  # tracker


def _contacts(plans: list[TicketPlan], sink: BulkWriter) -> dict[tuple[str, str], int]:
    """The contact of every plan's sender: found by platform identity, or created as ingest would (a
    contact and its identity), dated by the sender's first ticket."""
    from parlons.tickets.models import Contact, ContactIdentity

    first_seen: dict[tuple[str, str], TicketPlan] = {}
    for p in plans:
        first_seen.setdefault((p.identity["platform"], p.identity["external_id"]), p)
    contact_of: dict[tuple[str, str], int] = {}
    for platform in {key[0] for key in first_seen}:
        wanted = [ext for plat, ext in first_seen if plat == platform]
        contact_of.update(
            ((platform, ext), cid)
            for ext, cid in ContactIdentity.objects.filter(
                platform=platform, external_id__in=wanted
            ).values_list("external_id", "contact_id")
        )
    missing = [key for key in first_seen if key not in contact_of]
    contacts, identities = [], []
    for key, cid in zip(missing, sink.reserve(Contact, len(missing)), strict=True):
        i, at = first_seen[key].identity, first_seen[key].created_at
        contact_of[key] = cid
        contacts.append(
            {
                "id": cid,
                "name": i["name"],
                "email": i["email"],
                "language": i["language"],
                "created_at": at,
                "updated_at": at,
            }
        )
        identities.append(
            {
                "contact_id": cid,
                "platform": i["platform"],
                "external_id": i["external_id"],
                "handle": i["handle"],
                "display_name": i["name"],
                "profile_url": i["profile_url"],
                "avatar_url": "",
                "profile": i["profile"],
                "profile_fetched_at": at,
                "created_at": at,
            }
        )
    sink.insert(Contact, contacts)
    sink.insert(ContactIdentity, identities)
    return contact_of


@dataclass
class _BatchRows:
    """The rows of one batch, table by table, in the order they are written."""

    base: BaseData
    tickets: list[dict] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    outbound: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    trackers: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

    def uid(self, username: str | None) -> int | None:
        return self.base.users[username][0] if username else None

    def add(self, p: TicketPlan, tid: int, contact_id: int, mids: list[int], nids: list[int]) -> None:
        """One planned ticket with its reserved ids: the ticket, then its messages, notes, links and history."""
        base, uid = self.base, self.uid
        group_id = base.groups[p.group.key]
        self.tickets.append({
            "id": tid, "subject": p.subject, "status": p.status, "priority": p.priority, "is_spam": p.is_spam,
            "kind": p.kind, "language": p.language, "contact_id": contact_id, "channel_group_id": group_id,
            "assignee_id": uid(p.assignee), "team_id": base.group_teams[p.group.key],
            "conversation_key": p.conversation_key, "split_from_id": None, "created_at": p.created_at,
            "updated_at": p.updated_at, "first_response_at": p.first_response_at, "resolved_at": p.resolved_at,
            "closed_at": p.closed_at, "closed_by_id": uid(p.closed_by), "sla_due_at": None, "version": p.version,
        })  # fmt: skip
        self._messages(p, tid, contact_id, group_id, mids)
        self.notes += [
            {"id": nid, "ticket_id": tid, "author_id": uid(author), "body": body, "created_at": at}
            for (at, author, body), nid in zip(p.notes, nids, strict=True)
        ]
        self.tags += [
            {"ticket_id": tid, "tag_id": base.tags[slug]["id"], "added_by_id": uid(author), "added_at": at}
            for slug, author, at in p.tags
        ]
        self.trackers += [
            {
                "tracker_id": base.trackers[key]["id"],
                "ticket_id": tid,
                "added_by_id": uid(author),
                "added_at": at,
            }
            for key, author, at in p.trackers
        ]
        self.events += [
            {
                "ticket_id": tid,
                "kind": kind,
                "actor_id": uid(actor),
                "via": via,
                "created_at": at,
                "data": {k: _resolve(v, base, group_id, mids, nids) for k, v in data.items()},
            }  # fmt: skip
            for kind, at, actor, via, data in p.events
        ]

    def _messages(self, p: TicketPlan, tid: int, contact_id: int, group_id: int, mids: list[int]) -> None:
        for m, mid in zip(p.messages, mids, strict=True):
            self.messages.append({
                "id": mid, "ticket_id": tid, "direction": m.direction, "kind": p.kind, "platform": p.group.platform,
                "author_contact_id": contact_id if m.direction == "in" else None, "author_user_id": self.uid(m.author),
                "body": m.body, "external_id": m.external_id, "permalink": m.permalink,
                "parent_id": mids[m.parent] if m.parent is not None else None, "delivery_status": m.delivery,
                "delivery_error": m.error, "metadata": m.metadata, "created_at": m.at, "edited_at": None,
                "deleted_at": None,
            })  # fmt: skip
            if m.direction == "out":  # the queue row the reply service writes, as the sender left it
                failed = m.delivery == "failed"
                self.outbound.append({
                    "message_id": mid, "channel_group_id": group_id, "idempotency_key": m.idempotency_key,
                    "state": "failed" if failed else "sent", "attempts": 1, "next_attempt_at": m.at,
                    "last_error": m.error, "error_code": m.error_code, "external_id": m.external_id,
                    "created_at": m.at, "sent_at": None if failed else m.at + timedelta(seconds=2),
                })  # fmt: skip


def write_batch(plans: list[TicketPlan], base: BaseData, sink: BulkWriter) -> None:
    """Write a batch of planned tickets with everything they hold (call inside a transaction: ids are
    reserved first, then each table's rows go in at once)."""
    from parlons.connectors.models import OutboundMessage
    from parlons.tickets.models import Message, Note, Ticket, TicketEvent, TicketTag, TrackerTicket

    contact_of = _contacts(plans, sink)
    ticket_ids = sink.reserve(Ticket, len(plans))
    message_ids = iter(sink.reserve(Message, sum(len(p.messages) for p in plans)))
    note_ids = iter(sink.reserve(Note, sum(len(p.notes) for p in plans)))
    rows = _BatchRows(base)
    for p, tid in zip(plans, ticket_ids, strict=True):
        contact_id = contact_of[(p.identity["platform"], p.identity["external_id"])]
        mids = [next(message_ids) for _m in p.messages]
        nids = [next(note_ids) for _n in p.notes]
        rows.add(p, tid, contact_id, mids, nids)
    for model, table_rows in (
        (Ticket, rows.tickets), (Message, rows.messages), (OutboundMessage, rows.outbound), (Note, rows.notes),
        (TicketTag, rows.tags), (TrackerTicket, rows.trackers), (TicketEvent, rows.events),
    ):  # fmt: skip
        sink.insert(model, table_rows)


def batch_writer(base: BaseData):
    """A function writing one batch in its own transaction on the calling thread's connection."""
    sink = BulkWriter(connection)

    def write(plans: list[TicketPlan]) -> None:
        with transaction.atomic():
            write_batch(plans, base, sink)

    return write
