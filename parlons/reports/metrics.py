"""Compute and store the per-ticket report figures (``TicketMetrics``, ``AgentTicketTime``, ``TicketTerm``) and
what is derived from them for the reports at scale (``TicketFacet``: one row per tag, tag group and line of
business of a ticket; ``TermDay``: the terms counted per local day).

A ticket's figures are derived from its own row, its history (``TicketEvent``: status changes and
assignments) and its messages, so computing them again after any change gives the same answer whether it runs
from a domain event or from the rebuild command (idempotent). The listeners recompute one ticket per event;
``rebuild`` walks every ticket in batches with a handful of queries per batch.

The facets of a batch are written by one ``INSERT … SELECT`` from the stored figures and tags; the day counts of
terms are moved by the difference between the old and the new terms (an upsert that adds to the count), and
recomputed in one ``INSERT … SELECT … GROUP BY`` by a full rebuild.
"""

# ruff: noqa: S608 - the SQL is assembled from model metadata only; every value is a parameter.
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from parlons.reports.hours import business_seconds, current_calendar
from parlons.reports.models import AgentTicketTime, TermDay, TicketFacet, TicketMetrics, TicketTerm
from parlons.reports.stopwords import terms_of
from parlons.tickets.models import Message, Tag, Ticket, TicketEvent, TicketTag

OPEN = {"new", "open", "pending"}
DONE = {"resolved", "closed"}
BATCH = 1000
COPY_MIN_ROWS = 50  # below this, INSERT is as quick as COPY
FACET_BATCH = 5000  # tickets per facet refresh statement
FACET_REBUILD_BATCH = 20000


def _user_id(ref) -> int | None:
    return ref.get("id") if isinstance(ref, dict) else None


def handling_intervals(ticket: Ticket, events: list[TicketEvent], now: datetime):
    """The (user_id, start, end) spans when the ticket was assigned to someone while open.

    Walks the history from the ticket's creation: the state before the first recorded change is read from that
    change's ``from`` value (or the ticket's current value when nothing changed). A span still running is
    counted up to ``now`` only while the ticket is open, and not at all once it is resolved."""
    assigned = [e for e in events if e.kind == "ticket.assigned"]
    statuses = [e for e in events if e.kind == "ticket.status_changed"]
    assignee = _user_id(assigned[0].data.get("from")) if assigned else ticket.assignee_id
    status = statuses[0].data.get("from", "new") if statuses else ticket.status
    since = ticket.created_at
    spans: list[tuple[int, datetime, datetime]] = []
    for event in events:
        if event.kind not in ("ticket.assigned", "ticket.status_changed"):
            continue
        at = max(event.created_at, since)
        if assignee and status in OPEN and at > since:
            spans.append((assignee, since, at))
        since = at
        if event.kind == "ticket.assigned":
            assignee = _user_id(event.data.get("to"))
        else:
            status = event.data.get("to", status)
    if assignee and status in OPEN and now > since:
        spans.append((assignee, since, now))
    return spans


def _resolver(ticket: Ticket, events: list[TicketEvent]) -> int | None:
    """Who resolved the ticket: its assignee at the last resolution, else the person who resolved it."""
    if ticket.status not in DONE:
        return None
    assigned = [e for e in events if e.kind == "ticket.assigned"]
    assignee = _user_id(assigned[0].data.get("from")) if assigned else ticket.assignee_id
    resolver = None
    for event in events:
        if event.kind == "ticket.assigned":
            assignee = _user_id(event.data.get("to"))
        elif (
            event.kind == "ticket.status_changed"
            and event.data.get("to") in DONE
            and (event.data.get("from") in OPEN or resolver is None)
        ):
            resolver = assignee or event.actor_id
    return resolver or ticket.assignee_id


def compute(ticket_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Recompute the figures of these tickets (deleted tickets simply lose theirs). Returns how many."""
    ids = list(ticket_ids)
    now = now or timezone.now()
    calendar = current_calendar()
    done = 0
    for start in range(0, len(ids), BATCH):
        done += _compute_batch(ids[start : start + BATCH], now, calendar)
    return done


def _compute_batch(ids: list[int], now: datetime, calendar, *, term_days: bool = True) -> int:
    tickets = list(Ticket.objects.filter(pk__in=ids).select_related("channel_group__channel"))
    found = [t.pk for t in tickets]
    events: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in (
        TicketEvent.objects.filter(ticket_id__in=found, kind__in=("ticket.assigned", "ticket.status_changed"))
        .only("ticket_id", "kind", "data", "created_at", "actor_id")
        .order_by("created_at", "id")
    ):
        events[event.ticket_id].append(event)
    replies = dict(
        Message.objects.filter(ticket_id__in=found, direction=Message.Direction.OUT)
        .values_list("ticket_id")
        .annotate(n=Count("id"))
        .values_list("ticket_id", "n")
    )
    first_in: dict[int, str] = {}
    for ticket_id, body in (
        Message.objects.filter(ticket_id__in=found, direction=Message.Direction.IN)
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "body")
    ):
        first_in.setdefault(ticket_id, body)

    metrics, agent_times, terms = [], [], []
    for t in tickets:
        history = events.get(t.pk, [])
        resolved = t.resolved_at if t.status in DONE else None
        per_user: dict[int, list[int | None]] = {}
        for user_id, span_start, span_end in handling_intervals(t, history, now):
            seconds = int((span_end - span_start).total_seconds())
            biz = business_seconds(calendar, span_start, span_end)
            acc = per_user.setdefault(user_id, [0, 0 if calendar else None])
            acc[0] += seconds
            if biz is not None:
                acc[1] += biz
        first = t.first_response_at
        metrics.append(
            TicketMetrics(
                ticket_id=t.pk,
                created_at=t.created_at,
                resolved_at=resolved,
                status=t.status,
                language=t.language or "",
                platform=t.channel_group.channel.platform,
                channel_group_id=t.channel_group_id,
                team_id=t.team_id,
                assignee_id=t.assignee_id,
                resolved_by_id=_resolver(t, history) if resolved else None,
                first_response_seconds=_seconds(t.created_at, first),
                first_response_business_seconds=business_seconds(calendar, t.created_at, first),
                resolution_seconds=_seconds(t.created_at, resolved),
                resolution_business_seconds=business_seconds(calendar, t.created_at, resolved),
                handling_seconds=sum(v[0] for v in per_user.values()),
                handling_business_seconds=(
                    sum(v[1] for v in per_user.values()) if calendar is not None else None
                ),
                reopen_count=sum(
                    1
                    for e in history
                    if e.kind == "ticket.status_changed"
                    and e.data.get("from") in DONE
                    and e.data.get("to") in OPEN
                ),
                replies_count=replies.get(t.pk, 0),
                computed_at=now,
            )
        )
        agent_times += [
            AgentTicketTime(
                ticket_id=t.pk, user_id=u, seconds=v[0], business_seconds=v[1], resolved_at=resolved
            )
            for u, v in per_user.items()
        ]
        terms += [
            TicketTerm(ticket_id=t.pk, term=term, language=t.language or "", created_at=t.created_at)
            for term in terms_of(first_in.get(t.pk, ""))
        ]
    with transaction.atomic():
        if term_days:
            old_terms = list(
                TicketTerm.objects.filter(ticket_id__in=ids).values_list("created_at", "term", "language")
            )
        TicketMetrics.objects.filter(ticket_id__in=ids).delete()
        AgentTicketTime.objects.filter(ticket_id__in=ids).delete()
        TicketTerm.objects.filter(ticket_id__in=ids).delete()
        for model, rows in ((TicketMetrics, metrics), (AgentTicketTime, agent_times), (TicketTerm, terms)):
            _insert(model, rows)
        refresh_facets(ids)
        if term_days:
            _move_term_days(old_terms, [(t.created_at, t.term, t.language) for t in terms])
    return len(metrics)


# --- facets: one row per tag, tag group and line of business of a ticket ------------------------------------
FACET_FIGURES = [
    "created_at",
    "resolved_at",
    "team_id",
    "platform",
    "channel_group_id",
    "language",
    "first_response_seconds",
    "first_response_business_seconds",
    "resolution_seconds",
    "resolution_business_seconds",
    "handling_seconds",
    "handling_business_seconds",
    "reopen_count",
    "replies_count",
]


def _ids_sql(column: str, ids: list[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _facets_insert_sql(where: str) -> str:
    """``INSERT … SELECT`` of the facets of the tickets matching ``where`` (a condition on a column named
    ``{ticket}``, applied to the ticket tags and to the metrics so that both are read by index ranges): the tags
    are read once, their groups and lines of business taken once per ticket (``DISTINCT`` on two columns), and
    the figures joined by ticket."""
    q = connection.ops.quote_name
    metrics_columns = {f.attname: f.column for f in TicketMetrics._meta.concrete_fields}
    facet_columns = {f.attname: f.column for f in TicketFacet._meta.concrete_fields}
    copied = ", ".join(f"m.{q(metrics_columns[name])}" for name in FACET_FIGURES)
    columns = ", ".join(q(facet_columns[name]) for name in ["ticket_id", "kind", "key", *FACET_FIGURES])
    ticket, kind = q("ticket_id"), TicketFacet.Kind
    return (
        f"WITH tags AS (SELECT tt.{ticket} AS ticket_id, tt.{q('tag_id')} AS tag_id, t.{q('group_id')} AS group_id,"
        f" t.{q('line_of_business_id')} AS lob_id FROM {q(TicketTag._meta.db_table)} tt"
        f" JOIN {q(Tag._meta.db_table)} t ON t.{q('id')} = tt.{q('tag_id')}"
        f" WHERE {where.format(ticket='tt.' + ticket)}), "
        f"keys AS (SELECT ticket_id, {kind.TAG.value} AS kind, tag_id AS key FROM tags"
        f" UNION ALL SELECT DISTINCT ticket_id, {kind.TAG_GROUP.value}, group_id FROM tags"
        f" UNION ALL SELECT DISTINCT ticket_id, {kind.LINE_OF_BUSINESS.value}, lob_id FROM tags) "
        f"INSERT INTO {q(TicketFacet._meta.db_table)} ({columns}) "
        f"SELECT k.ticket_id, k.kind, k.key, {copied} FROM keys k"
        f" JOIN {q(TicketMetrics._meta.db_table)} m ON m.{ticket} = k.ticket_id"
        f" WHERE {where.format(ticket='m.' + ticket)}"
    )


def refresh_facets(ticket_ids: Iterable[int]) -> None:
    """Write again the facets of these tickets from their stored figures and tags (set-based)."""
    ids = list(ticket_ids)
    for start in range(0, len(ids), FACET_BATCH):
        chunk = ids[start : start + FACET_BATCH]
        where, params = _ids_sql("{ticket}", chunk)
        with transaction.atomic(), connection.cursor() as cursor:
            TicketFacet.objects.filter(ticket_id__in=chunk).delete()
            cursor.execute(_facets_insert_sql(where), params * 2)


def refresh_facets_of_tag(tag_id: int) -> int:
    """After a tag changes group or line of business, or is deleted: its tickets' facets follow. A rename or an
    archive changes no facet and writes nothing. Returns the number of tickets refreshed."""
    tag = Tag.objects.filter(pk=tag_id).first()
    facets = TicketFacet.objects.filter(ticket_id=OuterRef("ticket_id"))
    if tag is not None:
        in_step = TicketTag.objects.filter(tag_id=tag_id).filter(
            Exists(facets.filter(kind=TicketFacet.Kind.TAG, key=tag_id)),
            Exists(facets.filter(kind=TicketFacet.Kind.TAG_GROUP, key=tag.group_id)),
            Exists(facets.filter(kind=TicketFacet.Kind.LINE_OF_BUSINESS, key=tag.line_of_business_id)),
        )
        if in_step.count() == TicketTag.objects.filter(tag_id=tag_id).count() and not _stale_facets(tag_id):
            return 0  # every ticket with the tag already has its group and line of business, and no other
    ids = set(TicketTag.objects.filter(tag_id=tag_id).values_list("ticket_id", flat=True))
    ids |= set(
        TicketFacet.objects.filter(kind=TicketFacet.Kind.TAG, key=tag_id).values_list("ticket_id", flat=True)
    )
    refresh_facets(sorted(ids))
    return len(ids)


def _stale_facets(tag_id: int) -> bool:
    """Does a ticket with this tag keep a group or line-of-business facet that none of its tags has now?"""
    tagged = TicketTag.objects.filter(tag_id=tag_id).values("ticket_id")
    for kind, field_name in (
        (TicketFacet.Kind.TAG_GROUP, "group"),
        (TicketFacet.Kind.LINE_OF_BUSINESS, "line_of_business"),
    ):
        rows = TicketFacet.objects.filter(kind=kind, ticket_id__in=tagged)
        of_ticket = TicketTag.objects.filter(ticket_id=OuterRef("ticket_id"))
        matched = of_ticket.filter(**{f"tag__{field_name}_id": OuterRef("key")})
        matched_none = of_ticket.filter(**{f"tag__{field_name}__isnull": True})
        if (
            rows.filter(key__isnull=False).exclude(Exists(matched)).exists()
            or rows.filter(key__isnull=True).exclude(Exists(matched_none)).exists()
        ):
            return True
    return False


def rebuild_facets(progress=None) -> int:
    """Every ticket's facets again, in ranges of ticket ids (one ``INSERT … SELECT`` each)."""
    done, last = 0, 0
    while True:
        bounds = list(
            TicketMetrics.objects.filter(ticket_id__gt=last)
            .order_by("ticket_id")
            .values_list("ticket_id", flat=True)[FACET_REBUILD_BATCH - 1 : FACET_REBUILD_BATCH]
        )
        upper = bounds[0] if bounds else None
        with transaction.atomic(), connection.cursor() as cursor:
            rows = TicketFacet.objects.filter(ticket_id__gt=last)
            (rows.filter(ticket_id__lte=upper) if upper else rows).delete()
            where = "{ticket} > %s" + (" AND {ticket} <= %s" if upper else "")
            params = [last] + ([upper] if upper else [])
            cursor.execute(_facets_insert_sql(where), params * 2)
        done += FACET_REBUILD_BATCH if upper else TicketMetrics.objects.filter(ticket_id__gt=last).count()
        if progress:
            progress(done)
        if not upper:
            return done
        last = upper


# --- terms counted per local day -----------------------------------------------------------------------
def local_day(moment: datetime) -> date:
    from parlons.reports.selectors import local_zone

    return timezone.localtime(moment, local_zone()).date()


def _move_term_days(old: list[tuple], new: list[tuple]) -> None:
    """Add the difference between a batch's old and new terms to the day counts (an upsert that adds)."""
    delta: Counter = Counter()
    for created_at, term, language in new:
        delta[(local_day(created_at), term, language)] += 1
    for created_at, term, language in old:
        delta[(local_day(created_at), term, language)] -= 1
    rows = sorted((k, n) for k, n in delta.items() if n)  # one order for every writer: no deadlock
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(TermDay._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            params = [v for (day, term, language), n in chunk for v in (day, term, language, n)]
            cursor.execute(
                f"INSERT INTO {table} ({q('day')}, {q('term')}, {q('language')}, {q('tickets')}) "
                f"VALUES {values} ON CONFLICT ({q('day')}, {q('term')}, {q('language')}) "
                f"DO UPDATE SET {q('tickets')} = {table}.{q('tickets')} + excluded.{q('tickets')}",
                params,
            )
    emptied = Q()
    for (day, term, language), n in rows:
        if n < 0:  # a count that went down may now be zero: the row goes
            emptied |= Q(day=day, term=term, language=language)
    if emptied:
        TermDay.objects.filter(emptied, tickets__lte=0).delete()


def rebuild_term_days() -> int:
    """Count every term per local day again from ``TicketTerm`` (one ``INSERT … SELECT … GROUP BY``)."""
    from parlons.reports.selectors import local_zone

    counted = (
        TicketTerm.objects.annotate(day=TruncDate("created_at", tzinfo=local_zone()))
        .values("day", "term", "language")
        .annotate(n=Count("id"))
        .values_list("day", "term", "language", "n")
        .order_by()
    )
    sql, params = counted.query.sql_with_params()
    q = connection.ops.quote_name
    table = q(TermDay._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO {table} ({q('day')}, {q('term')}, {q('language')}, {q('tickets')}) {sql}", params
        )
    return TermDay.objects.count()


def _insert(model, rows: list) -> None:
    """Insert the rows: PostgreSQL's COPY for big batches (five times faster than INSERT for the rebuild of a
    large database), ``bulk_create`` otherwise."""
    if not rows:
        return
    if connection.vendor != "postgresql" or len(rows) < COPY_MIN_ROWS:
        model.objects.bulk_create(rows, batch_size=BATCH)
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname == "id")]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([getattr(row, name) for name in names])


def _seconds(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else max(0, int((end - start).total_seconds()))


def rebuild(*, since: datetime | None = None, progress=None) -> int:
    """Recompute the figures of every ticket (or those created since ``since``), in id order and batches."""
    qs = Ticket.objects.order_by("pk")
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    now = timezone.now()
    calendar = current_calendar()
    done, last = 0, 0
    # A full rebuild counts the terms per day once at the end; a partial one moves the counts batch by batch.
    while True:
        ids = list(qs.filter(pk__gt=last).values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        done += _compute_batch(ids, now, calendar, term_days=since is not None)
        last = ids[-1]
        if progress:
            progress(done)
    if since is None:
        rebuild_term_days()
    vacuum()
    return done


def vacuum() -> None:
    """After a bulk rewrite, PostgreSQL's statistics and visibility map of the report tables (so that the
    covering indexes answer alone at once, not after the next autovacuum). Not inside a transaction."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in (TicketMetrics, TicketFacet, TermDay)  # the tables the covering indexes serve
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


def rebuild_aggregates(progress=None) -> tuple[int, int]:
    """The facets and the day counts of terms again from the stored figures (after an upgrade that adds them,
    without recomputing every ticket's figures). Returns (tickets, term-day rows)."""
    counts = rebuild_facets(progress), rebuild_term_days()
    vacuum()
    return counts
