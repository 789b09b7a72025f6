"""PostgreSQL: the search document carries its ticket's tag ids (``tag_ids``, GIN-indexed), so a search with
words and tags (``"permis d'études" tag:visa``) intersects the two indexes of one table before reading any
document, instead of testing the phrase on every document of the tag (SRCH-9; see
``PostgresBackend.match_sql``). Filled here for the documents already indexed and kept by every reindex. SQLite
(FTS5) has no such column; its plans walk the date index instead.

Adding the column is instant; filling it rewrites the tagged documents (their generated vector is computed again),
about as long as ``parlons reindex`` on a large installation."""

from django.db import migrations

PG_FORWARD = [
    "ALTER TABLE search_ticketsearchdocument ADD COLUMN IF NOT EXISTS tag_ids bigint[] NOT NULL DEFAULT '{}'",
    "UPDATE search_ticketsearchdocument d SET tag_ids = ARRAY(SELECT tt.tag_id FROM tickets_tickettag tt"
    " WHERE tt.ticket_id = d.ticket_id ORDER BY tt.tag_id)"
    " WHERE EXISTS (SELECT 1 FROM tickets_tickettag tt WHERE tt.ticket_id = d.ticket_id)",
    "CREATE INDEX IF NOT EXISTS search_document_tags ON search_ticketsearchdocument USING gin (tag_ids)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_tags",
    "ALTER TABLE search_ticketsearchdocument DROP COLUMN IF EXISTS tag_ids",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_contact_trigrams")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
