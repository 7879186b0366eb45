"""A stored ``tsvector`` column for full-text search over turns, on PostgreSQL only.

``corpus_app_turn.search_vector`` is ``GENERATED ALWAYS AS (to_tsvector('english'::regconfig,
text)) STORED``: the database computes it once when a turn is written, so a search never runs
``to_tsvector`` again (ranking and ``-word`` exclusions read the stored vector). A GIN index on
the column replaces the expression index of migration 0002.

No model state changes: the column is unknown to Django (it is never written by it, and read
only by the search; declared on the model since migration 0014), and nothing runs on other databases
(SQLite searches with a substring fallback, see corpus_app/search.py).
"""

from django.db import migrations

COLUMN = "search_vector"
INDEX_NAME = "turn_search_vector_idx"
OLD_INDEX_NAME = "turn_text_search_idx"
EXPRESSION = "to_tsvector('english'::regconfig, text)"


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = quote(apps.get_model("corpus_app", "Turn")._meta.db_table)
    schema_editor.execute(
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {quote(COLUMN)} tsvector "
        f"GENERATED ALWAYS AS ({EXPRESSION}) STORED"
    )
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(INDEX_NAME)} ON {table} USING gin ({quote(COLUMN)})")
    schema_editor.execute(f"DROP INDEX IF EXISTS {quote(OLD_INDEX_NAME)}")


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = quote(apps.get_model("corpus_app", "Turn")._meta.db_table)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(OLD_INDEX_NAME)} ON {table} USING gin ({EXPRESSION})")
    schema_editor.execute(f"DROP INDEX IF EXISTS {quote(INDEX_NAME)}")
    schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {quote(COLUMN)}")


class Migration(migrations.Migration):
    dependencies = [
        ("corpus_app", "0003_document_editions"),
    ]

    operations = [
        migrations.RunPython(add_column, drop_column, elidable=False),
    ]
