"""PostgreSQL: the search document carries its ticket's facets, so a search with words and fields (``"permis
d'études" tag:… channel:facebook created:… lang:fr``) is one GIN lookup: the words and the fields intersected
inside the index, before any document is read (SRCH-9; see ``PostgresBackend.match_sql``).

``facets`` (``text[]``) holds the ticket's tags (``#t:<id>``), channel group (``#g:<id>``), language
(``#l:<code>``) and month of creation in UTC (``#m:YYYY-MM``); the generated ``vector`` gains them as lexemes
(``array_to_tsvector``: taken as they are, never parsed, so no word a person types can produce one). The
column is filled here for the documents already indexed, and by every reindex. SQLite (FTS5) has no such
column; its plans walk the date index instead.

The vector is generated again (dropped and added), then indexed: on a large installation this takes about as long
as ``parlons reindex``."""

from django.db import migrations

TABLE = "search_ticketsearchdocument"
FACETS = (
    "ARRAY['#l:' || lower(t.language), '#g:' || t.channel_group_id::text,"
    " '#m:' || to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM')]"
    " || ARRAY(SELECT '#t:' || tt.tag_id::text FROM tickets_tickettag tt WHERE tt.ticket_id = t.id"
    " ORDER BY tt.tag_id)"
)
VECTOR = (
    "to_tsvector('parlons_fr'::regconfig, document) || to_tsvector('parlons_en'::regconfig, document)"
    " || array_to_tsvector(facets)"
)
OLD_VECTOR = "to_tsvector('parlons_fr'::regconfig, document) || to_tsvector('parlons_en'::regconfig, document)"
PG_FORWARD = [
    "DROP INDEX IF EXISTS search_document_vector",
    f"ALTER TABLE {TABLE} DROP COLUMN vector",
    f"ALTER TABLE {TABLE} ADD COLUMN facets text[] NOT NULL DEFAULT '{{}}'",
    f"UPDATE {TABLE} d SET facets = {FACETS} FROM tickets_ticket t WHERE t.id = d.ticket_id",
    f"ALTER TABLE {TABLE} ADD COLUMN vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED",
    "SET LOCAL maintenance_work_mem = '512MB'",  # the GIN index is built several times faster
    f"CREATE INDEX search_document_vector ON {TABLE} USING gin (vector)",
    f"ANALYZE {TABLE}",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_vector",
    f"ALTER TABLE {TABLE} DROP COLUMN vector",
    f"ALTER TABLE {TABLE} DROP COLUMN facets",
    f"ALTER TABLE {TABLE} ADD COLUMN vector tsvector GENERATED ALWAYS AS ({OLD_VECTOR}) STORED",
    f"CREATE INDEX search_document_vector ON {TABLE} USING gin (vector)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_contact_trigrams"), ("tickets", "0004_open_and_spam_indexes")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
