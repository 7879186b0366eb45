"""Turn search vectors in a plain column instead of a generated one, so that an import can supply them.

Migration 0004 made ``corpus_app_turn.search_vector`` a generated column: the database computed
each turn's vector on the importer's connection, file after file, and that was most of the
database's work in an import. A generated column cannot be given a value; a plain column can.
The importer stores the vectors it had the same server compute ahead, on a second connection
(``corpus_app.importing.SearchVectorMaker``); triggers declared on ``Turn`` (migration 0014)
compute the others, with the same expression.

PostgreSQL only. The vectors already stored are kept (``DROP EXPRESSION``), and so is the GIN
index. Reversing makes the column generated again and rebuilds its index.
"""

from django.db import migrations


def use_plain_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE corpus_app_turn ALTER COLUMN search_vector DROP EXPRESSION IF EXISTS")


def use_generated_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # A column cannot become generated again: it is made anew (its index goes with it), as in 0004.
    schema_editor.execute("ALTER TABLE corpus_app_turn DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute(
        "ALTER TABLE corpus_app_turn ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, text)) STORED"
    )
    schema_editor.execute("CREATE INDEX turn_search_vector_idx ON corpus_app_turn USING gin (search_vector)")


class Migration(migrations.Migration):
    dependencies = [
        ("corpus_app", "0007_text_compression_lz4"),
    ]

    operations = [
        migrations.RunPython(use_plain_column, use_generated_column, elidable=False),
    ]
