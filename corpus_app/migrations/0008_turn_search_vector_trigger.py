"""Turn search vectors kept by a trigger instead of a generated column, so that an import can supply them.

Migration 0004 made ``corpus_app_turn.search_vector`` a generated column: the database computed
each turn's vector on the importer's connection, file after file, and that was most of the
database's work in an import. A generated column cannot be given a value; a plain column kept by
a trigger can. The trigger computes the vector, with the same expression, for every turn inserted
without one and whenever a turn's text changes. The importer stores the vectors it had the same
server compute ahead, on a second connection (``corpus_app.importing.SearchVectorMaker``).

PostgreSQL only. The vectors already stored are kept (``DROP EXPRESSION``), and so is the GIN
index. Reversing makes the column generated again and rebuilds the index.
"""

import importlib

from django.db import migrations

COLUMN = "search_vector"
FUNCTION = "corpus_app_turn_search_vector"
TRIGGER = "turn_search_vector_trigger"
EXPRESSION_OF_NEW_TEXT = "to_tsvector('english'::regconfig, NEW.text)"  # as in migration 0004


def use_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = quote(apps.get_model("corpus_app", "Turn")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {quote(COLUMN)} DROP EXPRESSION IF EXISTS")
    schema_editor.execute(
        f"""CREATE OR REPLACE FUNCTION {quote(FUNCTION)}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A vector given with a new turn is kept: the importer computed it with this same expression.
    IF TG_OP = 'INSERT' AND NEW.{quote(COLUMN)} IS NULL
        OR TG_OP = 'UPDATE' AND (NEW.text IS DISTINCT FROM OLD.text OR NEW.{quote(COLUMN)} IS NULL) THEN
        NEW.{quote(COLUMN)} := {EXPRESSION_OF_NEW_TEXT};
    END IF;
    RETURN NEW;
END
$$"""
    )
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(TRIGGER)} ON {table}")
    schema_editor.execute(
        f"CREATE TRIGGER {quote(TRIGGER)} BEFORE INSERT OR UPDATE OF text, {quote(COLUMN)} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {quote(FUNCTION)}()"
    )


def use_generated_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = quote(apps.get_model("corpus_app", "Turn")._meta.db_table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(TRIGGER)} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {quote(FUNCTION)}()")
    # A column cannot become generated again: drop it (and its index), and let 0004 add both anew.
    schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {quote(COLUMN)}")
    importlib.import_module("corpus_app.migrations.0004_turn_search_vector").add_column(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("corpus_app", "0007_text_compression_lz4"),
    ]

    operations = [
        migrations.RunPython(use_trigger, use_generated_column, elidable=False),
    ]
