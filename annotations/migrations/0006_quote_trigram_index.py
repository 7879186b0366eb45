"""A trigram index for the annotations list's "Text in the quote" filter, on PostgreSQL only.

The filter is ``quote__icontains``, which PostgreSQL runs as ``UPPER(quote) LIKE UPPER('%…%')``:
without an index, a scan of every annotation (a quarter of a second at 250,000). A GIN index of
the trigrams of ``UPPER(quote)`` (extension ``pg_trgm``, trusted: a database owner may create
it) answers such patterns from the index. SQLite has no such index; nothing runs there.
"""

from django.db import migrations

INDEX_NAME = "annotation_quote_trgm_idx"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("annotations", "Annotation")._meta.db_table)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(INDEX_NAME)} ON {table} "
        "USING gin (UPPER(quote) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(INDEX_NAME)}")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0005_claim_queue_index"),
    ]

    operations = [
        migrations.RunPython(add_index, drop_index, elidable=False),
    ]
