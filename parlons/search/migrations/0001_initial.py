"""The search index: a document per ticket, and per database the full-text structure over it.

PostgreSQL: the unaccent and pg_trgm extensions, two text search configurations (``parlons_en``,
``parlons_fr``: the English and French Snowball stemmers after ``unaccent``), a generated ``tsvector``
column and its GIN index. SQLite: an FTS5 table with accent folding and prefix indexes.
"""

import django.db.models.deletion
from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations, models

PG_FORWARD = [
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS parlons_fr",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS parlons_en",
    "CREATE TEXT SEARCH CONFIGURATION parlons_fr (COPY = pg_catalog.french)",
    "ALTER TEXT SEARCH CONFIGURATION parlons_fr ALTER MAPPING FOR hword, hword_part, word"
    " WITH unaccent, french_stem",
    "CREATE TEXT SEARCH CONFIGURATION parlons_en (COPY = pg_catalog.english)",
    "ALTER TEXT SEARCH CONFIGURATION parlons_en ALTER MAPPING FOR hword, hword_part, word"
    " WITH unaccent, english_stem",
    "ALTER TABLE search_ticketsearchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS"
    " (to_tsvector('parlons_fr'::regconfig, document) || to_tsvector('parlons_en'::regconfig, document)) STORED",
    "CREATE INDEX search_document_vector ON search_ticketsearchdocument USING gin (vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_vector",
    "ALTER TABLE search_ticketsearchdocument DROP COLUMN IF EXISTS vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS parlons_fr",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS parlons_en",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_ticket_fts USING fts5("
    "document, stems, tokenize=\"unicode61 remove_diacritics 2\", prefix='2 3 4')"
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_ticket_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("tickets", "0001_initial"),
    ]

    operations = [
        UnaccentExtension(),  # both skip databases other than PostgreSQL
        TrigramExtension(),
        migrations.CreateModel(
            name="TicketSearchDocument",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="tickets.ticket",
                    ),
                ),
                ("document", models.TextField(blank=True)),
            ],
        ),
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
