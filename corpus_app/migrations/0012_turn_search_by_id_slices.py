"""The turns' search index, led by slices of turn ids, so that a search reads the newest slices first.

A search ranks a capped set of candidates (``corpus_app.search.postgres.CANDIDATES``). Taken from the GIN
index of migration 0004, that set cost as much as every match of the query: the index answers a
query with all the turns that match it, tens of thousands for a common phrase, before the first
thousand are kept; the time grew with the corpus. This index puts a slice number (``id / 100000``,
``corpus_app.models.TURN_ID_SLICE``) before the vector (``btree_gin``), and the search asks it for one
slice at a time, newest first, until it has its candidates: the index then reads the matches of
that slice only. A search for the vector alone (no slice) still uses it. It replaces 0004's index.

PostgreSQL only. Building it reads every turn (about 30 s for a million). Reversing puts 0004's
index back.
"""

from django.db import migrations

INDEX_NAME = "turn_slice_search_idx"
OLD_INDEX_NAME = "turn_search_vector_idx"  # migration 0004
ID_SLICE = 100_000  # as corpus_app.models.TURN_ID_SLICE (the index is declared there since 0014)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = quote(apps.get_model("corpus_app", "Turn")._meta.db_table)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(INDEX_NAME)} ON {table} USING gin ((id / {ID_SLICE}), search_vector)"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {quote(OLD_INDEX_NAME)}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = quote(apps.get_model("corpus_app", "Turn")._meta.db_table)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(OLD_INDEX_NAME)} ON {table} USING gin (search_vector)")
    schema_editor.execute(f"DROP INDEX IF EXISTS {quote(INDEX_NAME)}")


class Migration(migrations.Migration):
    dependencies = [
        ("corpus_app", "0011_latest_imports_index"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
