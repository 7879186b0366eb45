"""A GIN index for full-text search over turns, on PostgreSQL only.

No model state changes: the index is on an expression, created with raw SQL, and skipped on
other databases (SQLite searches with a substring fallback, see corpus_app/search.py).
The expression must stay identical to the one the search used, so the planner
uses the index: ``to_tsvector('english'::regconfig, text)``.
"""

from django.db import migrations

INDEX_NAME = "turn_text_search_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("corpus_app", "Turn")._meta.db_table)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(INDEX_NAME)} "
        f"ON {table} USING gin (to_tsvector('english'::regconfig, text))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(INDEX_NAME)}")


class Migration(migrations.Migration):
    dependencies = [
        ("corpus_app", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
