"""Search reads (SRCH-1..9, UI-3, OPS-3, OPS-23): the query language applied to ``tickets_visible_to(user)``.

Structured fields are ORM filters; free text goes to the back-end as a ``pk IN (full-text match)`` subquery,
so both compose with the permissions and with each other.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace

from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from parlons.accounts.models import User
from parlons.accounts.permissions import EXPORT, READ, require
from parlons.core.errors import Invalid
from parlons.search.backends import get_backend
from parlons.search.query import SearchQuery, parse_query
from parlons.tickets.models import ContactIdentity, Message, Tag, Ticket, TicketTag
from parlons.tickets.selectors import ORDERINGS, _decode_cursor, encode_cursor, tickets_visible_to

SEARCH_ORDERINGS = ("relevance", *ORDERINGS)
FACET_TAGS = 20
RANK_CHUNK = 1000


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


def _tickets_tagged(condition: Q) -> Q:
    """Tags are few: resolve them to ids first, so the (tag, ticket) index is used."""
    tag_ids = list(Tag.objects.filter(condition).values_list("pk", flat=True))
    return Q(pk__in=TicketTag.objects.filter(tag_id__in=tag_ids).values("ticket_id"))


def _handle_forms(value: str) -> list[str]:
    """A handle as typed and in lower case, with and without ``@`` (exact forms keep the handle index usable)."""
    bare = value.strip().lstrip("@")
    return sorted({bare, bare.lower(), "@" + bare, "@" + bare.lower()})


def _contacts_with(condition: Q) -> Q:
    return Q(contact_id__in=ContactIdentity.objects.filter(condition).values("contact_id"))


def field_condition(name: str, value: str, user) -> Q:
    """The condition on a ticket for one ``field:value`` of the query language. Conditions on related rows
    are ``IN (subquery)`` from the related table's own index (selective, and never a scan of every ticket)."""
    if name == "tag":
        return _tickets_tagged(_tag_q("", value))
    if name == "lob":  # a line of business: tags in it, or in a tag group (or subgroup) in it
        return _tickets_tagged(
            Q(line_of_business__slug__iexact=value)
            | Q(group__line_of_business__slug__iexact=value)
            | Q(group__parent__line_of_business__slug__iexact=value)
        )
    if name == "taggroup":  # a tag group and its subgroups
        return _tickets_tagged(
            Q(group__slug__iexact=value)
            | Q(group__parent__slug__iexact=value)
            | Q(group__parent__parent__slug__iexact=value)
        )
    if name == "channel":
        return Q(channel_group__channel__platform__iexact=value) | Q(
            channel_group__channel__name__iexact=value
        )
    if name == "group":
        return Q(channel_group__name__iexact=value) | Q(channel_group__external_id__iexact=value)
    if name in ("status", "priority"):
        return Q(**{name: value})
    if name == "type":
        return Q(kind=value) | Q(pk__in=Message.objects.filter(kind=value).values("ticket_id"))
    if name == "spam":
        return Q(is_spam=value == "yes")
    if name == "lang":
        return Q(language__iexact=value)
    if name == "from":
        return _contacts_with(Q(handle__in=_handle_forms(value)))
    if name == "contact":
        rest = (
            Q(contact__name__icontains=value)
            | Q(contact__email__iexact=value)
            | _contacts_with(
                Q(handle__iexact=value.lstrip("@"))
                | Q(handle__iexact=value)
                | Q(display_name__icontains=value)
            )
        )
        return Q(contact_id=int(value)) | rest if value.isdigit() else rest
    if name == "assignee":
        if value.lower() in ("none", "aucun"):
            return Q(assignee__isnull=True)
        return _user_q("assignee", value, user)
    if name == "closed_by":
        return _user_q("closed_by", value, user)
    if name == "replied_by":
        replies = Message.objects.filter(_user_q("author_user", value, user), direction=Message.Direction.OUT)
        return Q(pk__in=replies.values("ticket_id"))
    if name == "team":
        return Q(team__name__iexact=value)
    raise Invalid(_("Unknown field “%(field)s”.") % {"field": name}, code="bad_query")


def apply_query(qs: QuerySet[Ticket], q: SearchQuery, user) -> QuerySet[Ticket]:
    """Filter a ticket queryset by a parsed query (structured fields, dates and free text)."""
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
            condition |= field_condition(name, value, user)
        qs = qs.exclude(condition)
    for name, span in q.dates.items():
        column = f"{name}_at"
        if span.start is not None:
            qs = qs.filter(**{f"{column}__gte": span.start})
        if span.end is not None:
            qs = qs.filter(**{f"{column}__lt": span.end})
    backend = get_backend()
    if q.terms:
        sql, params = backend.match_sql(q.terms)
        qs = qs.filter(pk__in=RawSQL(sql, params))  # noqa: S611 - user text is a parameter
    if q.excluded_terms:
        sql, params = backend.match_sql(q.excluded_terms, any_of=True)
        qs = qs.exclude(pk__in=RawSQL(sql, params))  # noqa: S611 - user text is a parameter
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


def facets_of(qs: QuerySet[Ticket]) -> dict[str, list[dict]]:
    """Counts per channel, status and tag (the most used tags) over the whole result set."""
    base = qs.order_by()
    channels: dict[str, int] = {}
    statuses: dict[str, int] = {}
    for row in base.values("channel_group__channel__platform", "status").annotate(n=Count("id")):
        platform = row["channel_group__channel__platform"]
        channels[platform] = channels.get(platform, 0) + row["n"]
        statuses[row["status"]] = statuses.get(row["status"], 0) + row["n"]
    tags = (
        TicketTag.objects.filter(ticket__in=base.values("pk"))
        .values("tag__slug")
        .annotate(n=Count("id"))
        .order_by("-n", "tag__slug")[:FACET_TAGS]
    )

    def ranked(counts: dict[str, int]) -> list[dict]:
        return [{"value": k, "count": n} for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    return {
        "channel": ranked(channels),
        "status": ranked(statuses),
        "tag": [{"value": r["tag__slug"], "count": r["n"]} for r in tags],
    }


def _ranked_page(visible: QuerySet[Ticket], q: SearchQuery, user, *, offset: int, size: int) -> list[int]:
    """Ids of one page by relevance: the back-end ranks the full-text matches; the structured filters and the
    permissions are then checked on the ranked ids a chunk at a time, until the page is full."""
    ranked = get_backend().ranked_ids(q.terms)
    structured = replace(q, terms=[])
    found: list[int] = []
    for start in range(0, len(ranked), RANK_CHUNK):
        chunk = ranked[start : start + RANK_CHUNK]
        allowed = set(
            apply_query(visible, structured, user).filter(pk__in=chunk).values_list("pk", flat=True)
        )
        found.extend(pk for pk in chunk if pk in allowed)
        if len(found) >= offset + size:
            break
    return found[offset : offset + size]


def search_tickets(
    user,
    query_string: str,
    *,
    ordering: str = "relevance",
    cursor: str = "",
    limit: int = 50,
    with_facets: bool = True,
) -> SearchResults:
    """One page of search results with highlighted snippets and facets. Needs tickets.read."""
    require(user, READ)
    if ordering not in SEARCH_ORDERINGS:
        raise Invalid(
            _("Ordering must be one of: %(choices)s") % {"choices": ", ".join(SEARCH_ORDERINGS)},
            details={"field": "order"},
        )
    q = parse_query(query_string)
    limit = max(1, min(int(limit), 200))
    qs = apply_query(tickets_visible_to(user), q, user)
    facets = facets_of(qs) if with_facets else {}
    if ordering == "relevance" and not q.terms:
        ordering = "-created"  # nothing to rank by
    related = ("contact", "channel_group__channel", "assignee", "team")
    if ordering == "relevance":
        offset = _decode_offset(cursor) if cursor else 0
        page_ids = _ranked_page(tickets_visible_to(user), q, user, offset=offset, size=limit + 1)
        by_id = qs.select_related(*related).prefetch_related("tags").in_bulk(page_ids)
        rows = [by_id[pk] for pk in page_ids if pk in by_id]
        next_cursor = _offset_cursor(offset + limit) if len(rows) > limit else None
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
    rows = rows[:limit]
    snippets = get_backend().snippets([t.pk for t in rows], q.terms)
    return SearchResults(items=rows, snippets=snippets, facets=facets, next_cursor=next_cursor)


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
