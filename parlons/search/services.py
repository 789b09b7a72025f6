"""Writes to the search index. The index is derived data: it is rebuilt from the tickets, never edited."""

from __future__ import annotations

from collections.abc import Iterable

from parlons.search.backends import get_backend


def reindex_tickets(ticket_ids: Iterable[int]) -> int:
    """Rebuild the search documents of these tickets (called after their messages, notes or subject changed).
    Internal: no permission check (it writes no user-visible data), publishes nothing."""
    return get_backend().reindex(ticket_ids)


def rebuild_index(*, batch_size: int = 20000, progress=None) -> int:
    """Rebuild the whole index (``parlons reindex``, and after ``parlons demo``). Returns the tickets indexed."""
    return get_backend().rebuild(batch_size=batch_size, progress=progress)


def save_search(user, *, name: str, query: str, ordering: str = "relevance", kind: str = "search"):
    """Keep a search under a name (a user's own; saving the same name again replaces it). A search's query must
    parse; an inbox view's query is the inbox address's query string (the web view checks its filters)."""
    from django.db import transaction
    from django.utils.translation import gettext as _

    from parlons.accounts.permissions import READ, require
    from parlons.core.errors import Invalid
    from parlons.search.models import SavedSearch
    from parlons.search.query import parse_query
    from parlons.search.selectors import SEARCH_ORDERINGS

    require(user, READ)
    name = " ".join((name or "").split())
    if not name:
        raise Invalid(_("Give the search a name."), details={"field": "name"})
    if len(name) > 120:
        raise Invalid(_("The name is too long (at most 120 characters)."), details={"field": "name"})
    if not (query or "").strip():
        raise Invalid(_("There is no search to save."), details={"field": "q"})
    if kind not in SavedSearch.Kind.values:
        raise Invalid(_("Unknown kind of saved search."), details={"field": "kind"})
    if len(query) > 1000:
        raise Invalid(_("The search is too long to save."), details={"field": "q"})
    if kind == SavedSearch.Kind.SEARCH:
        parse_query(query)
    if ordering not in SEARCH_ORDERINGS:
        ordering = "relevance"
    with transaction.atomic():
        saved, _created = SavedSearch.objects.update_or_create(
            user=user, kind=kind, name=name, defaults={"query": query.strip(), "ordering": ordering}
        )
    return saved


def delete_saved_search(user, saved_id: int) -> None:
    """Forget one of the user's own saved searches (someone else's is not found)."""
    from parlons.core.errors import NotFound
    from parlons.search.models import SavedSearch

    deleted, _rows = SavedSearch.objects.filter(user=user, pk=saved_id).delete()
    if not deleted:
        raise NotFound()
