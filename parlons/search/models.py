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
