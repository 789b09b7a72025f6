"""``contact:`` (a part of a contact's name, display name or handle) without reading every contact (SRCH-6).

PostgreSQL: ``pg_trgm`` GIN indexes on ``upper(name)``, ``upper(display_name)`` and ``upper(handle)``, the
expressions Django's ``icontains`` compares (``UPPER(col) LIKE UPPER('%…%')``). SQLite: an FTS5 table with the
trigram tokenizer, one row per contact (rowid = contact id) holding its name, display names and handles; it is
filled here and kept current with the search index (``parlons.search.backends.sqlite``).
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS contact_name_trgm ON tickets_contact USING gin (upper(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS identity_display_name_trgm ON tickets_contactidentity"
    " USING gin (upper(display_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS identity_handle_trgm ON tickets_contactidentity"
    " USING gin (upper(handle) gin_trgm_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS identity_handle_trgm",
    "DROP INDEX IF EXISTS identity_display_name_trgm",
    "DROP INDEX IF EXISTS contact_name_trgm",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_contact_fts USING fts5(names, tokenize='trigram')",
    "INSERT INTO search_contact_fts(rowid, names) SELECT c.id, c.name || char(10) || coalesce(("
    "SELECT group_concat(ci.handle || ' ' || ci.display_name, char(10)) FROM tickets_contactidentity ci"
    " WHERE ci.contact_id = c.id), '') FROM tickets_contact c",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_contact_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_saved_search"),
        ("tickets", "0003_identity_handle_upper"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
