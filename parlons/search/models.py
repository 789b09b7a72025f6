"""The search document of a ticket: the text the full-text index is built from.

On PostgreSQL the table also holds ``vector``, a ``tsvector`` column generated from ``document`` (English and
French configurations with ``unaccent``) with a GIN index; it is not a model field because the database keeps
it (see migrations/0001). On SQLite the full-text index is the FTS5 table ``search_ticket_fts`` (same migration).
Only ``parlons.search.services`` writes here.
"""

from django.db import models


class TicketSearchDocument(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    document = models.TextField(blank=True)


class SavedSearch(models.Model):
    """A search (a query of the search language) or an inbox view (the inbox's filters, as the query string of
    its address) a user keeps to run again, private to them."""

    class Kind(models.TextChoices):
        SEARCH = "search"
        INBOX = "inbox"

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="saved_searches")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SEARCH)
    name = models.CharField(max_length=120)
    query = models.CharField(max_length=1000)
    ordering = models.CharField(max_length=12, default="relevance")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "name"], name="saved_search_unique_name")
        ]

    def __str__(self):
        return self.name
