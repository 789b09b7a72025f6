"""Search reads (SRCH-1..9, UI-3, OPS-3, OPS-23): the query language applied to ``tickets_visible_to(user)``.

Structured fields are ORM filters; free text goes to the back-end as a ``pk IN (full-text match)`` subquery,
so both compose with the permissions and with each other.
"""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from django.db.models import BigIntegerField, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from parlons.accounts.models import User
from parlons.accounts.permissions import EXPORT, READ, require
from parlons.core.errors import Invalid
from parlons.search.backends import get_backend
from parlons.search.query import SearchQuery, parse_query
from parlons.tickets.models import ChannelGroup, ContactIdentity, Message, Tag, Ticket, TicketTag
from parlons.tickets.selectors import ORDERINGS, _decode_cursor, encode_cursor, tickets_visible_to

SEARCH_ORDERINGS = ("relevance", *ORDERINGS)
FACET_TAGS = 20
# Facets count at most this many results (the most recent); above it the page says "10,000+".
FACET_SAMPLE = 10_000
# Relevance ranks at most this many matches: the most recent ones (see ``search_tickets``).
RANK_CANDIDATES = 500


_PLUS_PK = "_search_pk"


def _pk_in() -> str:
    """The lookup for "the ticket is in (subquery)". On SQLite it is ``+id IN (…)`` (the alias ``apply_query``
    adds): SQLite's planner would read the whole subquery first, then fetch and sort every ticket in it by
    date; with the unary plus it walks the date index and stops at the page (``SearchBackend.walk_by_date``)."""
    return f"{_PLUS_PK}__in" if get_backend().walk_by_date else "pk__in"


def _tag_q(prefix: str, value: str) -> Q:
    return (
        Q(**{f"{prefix}slug__iexact": value})
        | Q(**{f"{prefix}name_en__iexact": value})
        | Q(**{f"{prefix}name_fr__iexact": value})
    )


def _user_q(prefix: str, value: str, user) -> Q:
    """Users are few: resolve the username to ids first, so the ticket or message index on the user is used."""
    if value.lower() in ("me", "moi") and getattr(user, "pk", None):
        return Q(**{f"{prefix}_id": user.pk})
    ids = list(User.objects.filter(username__iexact=value).values_list("pk", flat=True))
    return Q(**{f"{prefix}_id__in": ids})


def _tickets_tagged(condition: Q, *, negated: bool = False) -> Q:
    """Tags are few: resolve them to ids first, so the (tag, ticket) index is used. Negated (``-tag:``), the
    condition is ``EXISTS`` on the ticket's own tags, so that ``NOT EXISTS`` is an anti-join tested ticket by
    ticket: ``NOT (id IN (…))`` made PostgreSQL hash every ticket of the tag first (139,000 rows, 0.3 s at
    1,000,000 tickets, whatever the rest of the query)."""
    tag_ids = list(Tag.objects.filter(condition).values_list("pk", flat=True))
    if negated:
        return Q(Exists(TicketTag.objects.filter(ticket_id=OuterRef("pk"), tag_id__in=tag_ids)))
    return Q(**{_pk_in(): TicketTag.objects.filter(tag_id__in=tag_ids).values("ticket_id")})


def _handle_forms(value: str) -> list[str]:
    """A handle as typed and in lower case, with and without ``@`` (exact forms keep the handle index usable)."""
    bare = value.strip().lstrip("@")
    return sorted({bare, bare.lower(), "@" + bare, "@" + bare.lower()})


# ``from:`` and ``contact:`` name few contacts: their ids are read first (from the identities' and contacts' own
# indexes) and given to the tickets' query as a list, so the planner sees how selective it is and uses the
# tickets' contact index (with a subquery it may walk the tickets in date order looking for them). A value that
# names more contacts than this stays a subquery.
CONTACT_IDS_INLINE = 500


def _contact_ids(ids: list[int], subquery) -> Q:
    return Q(contact_id__in=ids) if len(ids) <= CONTACT_IDS_INLINE else Q(contact_id__in=subquery)


def _spellings(value: str) -> list[str]:
    """Every upper/lower-case spelling of a short code (``fr`` → fr, fR, Fr, FR)."""
    return sorted({"".join(chars) for chars in itertools.product(*({c.lower(), c.upper()} for c in value))})


def _contacts_with(condition: Q) -> Q:
    subquery = ContactIdentity.objects.filter(condition).values("contact_id")
    ids = list(subquery.values_list("contact_id", flat=True)[: CONTACT_IDS_INLINE + 1])
    return _contact_ids(ids, subquery)


TAG_FIELDS = ("tag", "lob", "taggroup")


def _tags_named(name: str, value: str) -> Q:
    """The tags one ``tag:``, ``lob:`` or ``taggroup:`` value means."""
    if name == "lob":  # a line of business: tags in it, or in a tag group (or subgroup) in it
        return (
            Q(line_of_business__slug__iexact=value)
            | Q(group__line_of_business__slug__iexact=value)
            | Q(group__parent__line_of_business__slug__iexact=value)
        )
    if name == "taggroup":  # a tag group and its subgroups
        return (
            Q(group__slug__iexact=value)
            | Q(group__parent__slug__iexact=value)
            | Q(group__parent__parent__slug__iexact=value)
        )
    return _tag_q("", value)


def _channel_groups(name: str, values: list[str]) -> list[int]:
    """The channel groups ``channel:`` (a platform or channel name) or ``group:`` (a group's name or page id)
    values name; groups are few, so the tickets' condition is a list of ids the planner can weigh."""
    condition = Q()
    for value in values:
        if name == "channel":
            condition |= Q(channel__platform__iexact=value) | Q(channel__name__iexact=value)
        else:
            condition |= Q(name__iexact=value) | Q(external_id__iexact=value)
    return list(ChannelGroup.objects.filter(condition).values_list("pk", flat=True))


MAX_FACET_MONTHS = 36  # a longer date range is left to the tickets' date index alone


def _months(span) -> list[str] | None:
    """``YYYY-MM`` (UTC) of every month a closed date range touches (None for an open or very long one)."""
    if span.start is None or span.end is None:
        return None
    first = span.start.astimezone(UTC)
    last = (span.end - timedelta(microseconds=1)).astimezone(UTC)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if count > MAX_FACET_MONTHS:
        return None
    year, month, out = first.year, first.month, []
    for _month in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def required_facets(q: SearchQuery) -> list[list[str]]:
    """What the query's fields require of a ticket, as lists of facets (``facet``) of which a ticket holds one
    each: every ``tag:`` value a list (tags are all required); the values of ``lob:``, ``taggroup:``,
    ``channel:``, ``group:`` and ``lang:`` one list each (any of them); the months of a ``created:`` range. The
    tickets' own conditions stay: this only lets the index find the candidates first."""
    from parlons.search.backends.base import facet

    lists = [
        [facet("t", pk) for pk in Tag.objects.filter(_tag_q("", value)).values_list("pk", flat=True)]
        for value in q.include.get("tag", [])
    ]
    for name in ("lob", "taggroup"):
        values = q.include.get(name, [])
        if values:
            condition = Q()
            for value in values:
                condition |= _tags_named(name, value)
            lists.append(
                [facet("t", pk) for pk in Tag.objects.filter(condition).values_list("pk", flat=True)]
            )
    for name in ("channel", "group"):
        if q.include.get(name):
            lists.append([facet("g", pk) for pk in _channel_groups(name, q.include[name])])
    if q.include.get("lang"):
        lists.append([facet("l", value) for value in q.include["lang"]])
    if "created" in q.dates:
        months = _months(q.dates["created"])
        if months is not None:
            lists.append([facet("m", month) for month in months])
    return lists


def field_condition(name: str, value: str, user, *, negated: bool = False) -> Q:
    """The condition on a ticket for one ``field:value`` of the query language. Conditions on related rows
    are ``IN (subquery)`` from the related table's own index (selective, and never a scan of every ticket);
    with ``negated`` (the caller excludes it), those are ``EXISTS`` on the ticket's own rows instead (see
    ``_tickets_tagged``)."""
    if name in TAG_FIELDS:
        return _tickets_tagged(_tags_named(name, value), negated=negated)
    if name in ("channel", "group"):
        return Q(channel_group_id__in=_channel_groups(name, [value]))
    if name in ("status", "priority"):
        return Q(**{name: value})
    if name == "type":
        if negated:
            return Q(kind=value) | Q(Exists(Message.objects.filter(ticket_id=OuterRef("pk"), kind=value)))
        return Q(kind=value) | Q(**{_pk_in(): Message.objects.filter(kind=value).values("ticket_id")})
    if name == "spam":
        return Q(is_spam=value == "yes")
    if name == "lang":
        # Every spelling of a short code as a list of constants, not ``UPPER(language) = …``: the planner then
        # reads the language's share from its statistics (half the tickets), where the function hid it and it
        # guessed 0.5 %, and planned on that (1M tickets: the bench's combined query 1.1 s → 0.35 s, first run).
        return Q(language__in=_spellings(value)) if len(value) <= 3 else Q(language__iexact=value)
    if name == "from":
        return _contacts_with(Q(handle__in=_handle_forms(value)))
    if name == "contact":  # from the contacts' own (trigram) indexes, then the tickets' contact index
        from django.db import connection

        sql, params = get_backend().contact_sql(value)
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} LIMIT %s", [*params, CONTACT_IDS_INLINE + 1])
            ids = [row[0] for row in cursor.fetchall()]
        return _contact_ids(ids, RawSQL(sql, params))  # noqa: S611 - the value is a parameter
    if name == "assignee":
        if value.lower() in ("none", "aucun"):
            return Q(assignee__isnull=True)
        return _user_q("assignee", value, user)
    if name == "closed_by":
        return _user_q("closed_by", value, user)
    if name == "replied_by":
        replies = Message.objects.filter(_user_q("author_user", value, user), direction=Message.Direction.OUT)
        return Q(**{_pk_in(): replies.values("ticket_id")})
    if name == "team":
        return Q(team__name__iexact=value)
    raise Invalid(_("Unknown field “%(field)s”.") % {"field": name}, code="bad_query")


def apply_query(qs: QuerySet[Ticket], q: SearchQuery, user) -> QuerySet[Ticket]:
    """Filter a ticket queryset by a parsed query (structured fields, dates and free text)."""
    return apply_text(apply_fields(qs, q, user), q)


def apply_fields(qs: QuerySet[Ticket], q: SearchQuery, user) -> QuerySet[Ticket]:
    """Filter a ticket queryset by the fields and dates of a parsed query (not its words)."""
    if get_backend().walk_by_date:  # the conditions on ``pk`` (``_pk_in``) use this alias
        qs = qs.alias(
            **{_PLUS_PK: Func(F("pk"), template="+%(expressions)s", output_field=BigIntegerField())}
        )
    for name, values in q.include.items():
        if name == "tag":  # tags are all required (visa AND urgent); other fields take any of their values
            for value in values:
                qs = qs.filter(field_condition(name, value, user))
            continue
        condition = Q()
        for value in values:
            condition |= field_condition(name, value, user)
        qs = qs.filter(condition)
    for name, values in q.exclude.items():
        condition = Q()
        for value in values:
            condition |= field_condition(name, value, user, negated=True)
        qs = qs.exclude(condition)
    for name, span in q.dates.items():
        column = f"{name}_at"
        if span.start is not None:
            qs = qs.filter(**{f"{column}__gte": span.start})
        if span.end is not None:
            qs = qs.filter(**{f"{column}__lt": span.end})
    return qs


def apply_text(qs: QuerySet[Ticket], q: SearchQuery) -> QuerySet[Ticket]:
    """Filter a ticket queryset by the words of a parsed query (after ``apply_fields``, which adds the alias
    the SQLite conditions use)."""
    backend = get_backend()
    key = _pk_in()
    if q.terms:
        # Where the documents carry their facets, the words and what the fields require are matched together
        # there (the tickets' own conditions stay: they are the reference, the documents' copy follows them).
        facets = required_facets(q) if backend.has_facets else []
        sql, params = backend.match_sql(q.terms, facets=facets)
        qs = qs.filter(**{key: RawSQL(sql, params)})  # noqa: S611 - user text is a parameter
    if q.excluded_terms:
        matches = backend.matches_any(q.excluded_terms)
        if matches is not None:  # tested ticket by ticket (see ``SearchBackend.matches_any``)
            qs = qs.exclude(matches)
        else:
            sql, params = backend.match_sql(q.excluded_terms, any_of=True)
            qs = qs.exclude(**{key: RawSQL(sql, params)})  # noqa: S611 - user text is a parameter
    return qs


def filter_by_query(qs: QuerySet[Ticket], query_string: str, user) -> QuerySet[Ticket]:
    """The hook the inbox and ``GET /api/v1/tickets?q=`` use: parse and apply (raises ``Invalid``)."""
    return apply_query(qs, parse_query(query_string), user)


@dataclass
class SearchResults:
    items: list[Ticket]
    snippets: dict[int, str]
    facets: dict[str, list[dict]] = field(default_factory=dict)
    next_cursor: str | None = None
    # The number of results when it is known without counting (they fit in the ranked candidates or in this
    # one page, or the facets were counted); None otherwise (``search_facets`` counts them).
    total: int | None = None


def _offset_cursor(offset: int) -> str:
    raw = json.dumps({"o": "relevance", "offset": offset})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_offset(cursor: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        if data.get("o") != "relevance":
            raise ValueError
        return max(0, int(data["offset"]))
    except (ValueError, KeyError, TypeError, AttributeError, json.JSONDecodeError, UnicodeDecodeError):
        raise Invalid(_("The page cursor is not valid for this ordering."), code="bad_cursor")


def _ids_condition(vendor: str) -> str:
    """SQL matching ``ticket_id`` against a list of ids passed as one parameter (no 10,000 placeholders)."""
    if vendor == "postgresql":
        return "ticket_id = ANY(%s)"
    return "ticket_id IN (SELECT value FROM json_each(%s))"


def _ids_param(vendor: str, ids: list[int]):
    return ids if vendor == "postgresql" else json.dumps(ids)


def _recent_first(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.order_by("-created_at", "-id")


@dataclass
class SearchFacets:
    """Counts per channel, status and tag. ``total`` is exact when ``more`` is false; when a search has more than
    ``FACET_SAMPLE`` results, everything is counted over its ``FACET_SAMPLE`` most recent results and ``more``
    is true (the page says "10,000+ results" and "among the 10,000 most recent")."""

    total: int
    more: bool
    facets: dict[str, list[dict]]
    sample: int = 0  # the most recent results counted when ``more``


def facets_of(qs: QuerySet[Ticket], *, sample: int | None = None) -> SearchFacets:
    """Counts per channel, status and tag (the most used tags) over the result set, or over its ``sample`` most
    recent tickets when it is larger (SRCH-9: the cost is bounded whatever the query; see ``SearchFacets``).

    One query reads the (at most ``sample`` + 1) ids with their channel group and status in date order; channel
    and status are counted from those rows, and tags with one ``GROUP BY tag_id`` over those ids on the
    (ticket, tag) index, never a join back through the tickets."""
    from django.db import connection

    sample = FACET_SAMPLE if sample is None else sample
    rows = list(_recent_first(qs).values_list("pk", "channel_group_id", "status")[: sample + 1])
    more = len(rows) > sample
    rows = rows[:sample]
    groups: dict[int, int] = {}
    statuses: dict[str, int] = {}
    for _pk, group_id, status in rows:
        groups[group_id] = groups.get(group_id, 0) + 1
        statuses[status] = statuses.get(status, 0) + 1
    platforms = dict(ChannelGroup.objects.filter(pk__in=groups).values_list("pk", "channel__platform"))
    channels: dict[str, int] = {}
    for group_id, n in groups.items():
        platform = platforms.get(group_id, "")
        channels[platform] = channels.get(platform, 0) + n
    tags: list[dict] = []
    if rows:
        vendor = connection.vendor
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT tag_id, count(*) AS n FROM {TicketTag._meta.db_table} "  # noqa: S608 - constants only
                f"WHERE {_ids_condition(vendor)} GROUP BY tag_id ORDER BY n DESC, tag_id LIMIT %s",
                [_ids_param(vendor, [r[0] for r in rows]), FACET_TAGS * 2],
            )
            counted = cursor.fetchall()
        slugs = dict(Tag.objects.filter(pk__in=[t for t, _n in counted]).values_list("pk", "slug"))
        ordered = sorted(((slugs[t], n) for t, n in counted if t in slugs), key=lambda sn: (-sn[1], sn[0]))
        tags = [{"value": slug, "count": n} for slug, n in ordered[:FACET_TAGS]]

    def ranked(counts: dict[str, int]) -> list[dict]:
        return [{"value": k, "count": n} for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    return SearchFacets(
        total=len(rows),
        more=more,
        facets={"channel": ranked(channels), "status": ranked(statuses), "tag": tags},
        sample=sample,
    )


def search_facets(user, query_string: str) -> SearchFacets:
    """The counts of a search on their own (the search page fetches them in a second request, so that the
    results never wait for them). Needs tickets.read; raises ``Invalid`` on bad syntax like ``search_tickets``."""
    require(user, READ)
    q = parse_query(query_string)
    narrowed = apply_fields(tickets_visible_to(user), q, user)
    with get_backend().planned(q.terms, _narrowing(narrowed, q), wanted=None):
        return facets_of(apply_text(narrowed, q))


def _narrowing(narrowed: QuerySet[Ticket], q: SearchQuery) -> QuerySet[Ticket] | None:
    """The tickets the fields and dates keep, for ``SearchBackend.planned`` (None when there are none)."""
    return narrowed if q.include or q.exclude or q.dates else None


def search_tickets(
    user,
    query_string: str,
    *,
    ordering: str = "relevance",
    cursor: str = "",
    limit: int = 50,
    with_facets: bool = True,
) -> SearchResults:
    """One page of search results with highlighted snippets (and facets unless ``with_facets`` is false: the
    page fetches them with ``search_facets`` in a second request). Needs tickets.read.

    By relevance, the ``RANK_CANDIDATES`` most recent tickets that match the whole query (words, fields, dates,
    permissions) are ranked, so a broad word (``immig*``) costs about what a rare one does (SRCH-9); pages by
    relevance end there, and ordering by date reaches every match."""
    require(user, READ)
    if ordering not in SEARCH_ORDERINGS:
        raise Invalid(
            _("Ordering must be one of: %(choices)s") % {"choices": ", ".join(SEARCH_ORDERINGS)},
            details={"field": "order"},
        )
    q = parse_query(query_string)
    limit = max(1, min(int(limit), 200))
    visible = tickets_visible_to(user)
    narrowed = apply_fields(visible, q, user)
    # With the counts in the same request, the planner chooses for both (see ``SearchBackend.planned``).
    wanted = None if with_facets else RANK_CANDIDATES
    with get_backend().planned(q.terms, _narrowing(narrowed, q), wanted=wanted):
        return _search_page(
            visible,
            apply_text(narrowed, q),
            q,
            ordering=ordering,
            cursor=cursor,
            limit=limit,
            with_facets=with_facets,
        )


def _search_page(
    visible: QuerySet[Ticket],
    qs: QuerySet[Ticket],
    q: SearchQuery,
    *,
    ordering: str,
    cursor: str,
    limit: int,
    with_facets: bool,
) -> SearchResults:
    counted = facets_of(qs) if with_facets else None
    if ordering == "relevance" and not q.terms:
        ordering = "-created"  # nothing to rank by
    related = ("contact", "channel_group__channel", "assignee", "team")
    total = None
    if ordering == "relevance":
        offset = _decode_offset(cursor) if cursor else 0
        candidates = list(_recent_first(qs).values_list("pk", flat=True)[:RANK_CANDIDATES])
        if len(candidates) < RANK_CANDIDATES:
            total = len(candidates)
        ranked = get_backend().rank(candidates, q.terms)
        page_ids = ranked[offset : offset + limit]
        # The ids already passed the query and the permissions: fetch them by primary key only.
        by_id = visible.select_related(*related).prefetch_related("tags").in_bulk(page_ids)
        rows = [by_id[pk] for pk in page_ids if pk in by_id]
        next_cursor = _offset_cursor(offset + limit) if len(ranked) > offset + limit else None
    else:
        column = ORDERINGS[ordering][0]
        if cursor:
            value, pk = _decode_cursor(cursor, ordering)
            name = column.lstrip("-")
            op = "lt" if column.startswith("-") else "gt"
            qs = qs.filter(Q(**{f"{name}__{op}": value}) | Q(**{name: value, f"id__{op}": pk}))
        rows = list(
            qs.order_by(*ORDERINGS[ordering]).select_related(*related).prefetch_related("tags")[: limit + 1]
        )
        next_cursor = encode_cursor(rows[limit - 1], ordering) if len(rows) > limit else None
        if not cursor and len(rows) <= limit:
            total = len(rows)
    rows = rows[:limit]
    snippets = get_backend().snippets([t.pk for t in rows], q.terms)
    return SearchResults(
        items=rows,
        snippets=snippets,
        facets=counted.facets if counted else {},
        next_cursor=next_cursor,
        total=total if counted is None else (None if counted.more else counted.total),
    )


EXPORT_COLUMNS = (
    "id",
    "subject",
    "status",
    "priority",
    "channel",
    "group",
    "contact",
    "assignee",
    "team",
    "language",
    "tags",
    "created_at",
    "updated_at",
    "resolved_at",
)


def export_rows(user, query_string: str, *, ordering: str = "-created", chunk_size: int = 2000):
    """Every result (not one page) as tuples in ``EXPORT_COLUMNS`` order, read in chunks so that memory stays
    flat. Needs data.export (checked before the first row, so the caller can answer 403)."""
    require(user, EXPORT)
    require(user, READ)
    if ordering not in ORDERINGS:
        ordering = "-created"
    qs = filter_by_query(tickets_visible_to(user), query_string, user)
    qs = (
        qs.order_by(*ORDERINGS[ordering])
        .select_related("contact", "channel_group__channel", "assignee", "team")
        .prefetch_related("tags")
    )

    def rows():
        for t in qs.iterator(chunk_size=chunk_size):
            yield (
                t.pk,
                t.subject,
                t.status,
                t.priority,
                t.channel_group.channel.platform,
                t.channel_group.name,
                t.contact.name,
                t.assignee.username if t.assignee else "",
                t.team.name if t.team else "",
                t.language,
                " ".join(tag.slug for tag in t.tags.all()),
                t.created_at.isoformat(),
                t.updated_at.isoformat(),
                t.resolved_at.isoformat() if t.resolved_at else "",
            )

    return rows()
