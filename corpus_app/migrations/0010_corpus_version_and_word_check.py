"""A check of one document's words, for the documents list.

``corpus_app_document_has_lexemes(document, query)``: whether a document's turns hold the words of
a text query, from its row of ``corpus_app_document_lexemes`` (migration 0009); NULL when it has
none, which a filter takes as false. The documents list asks it of each document in its order
while it reads the first pages for a word most documents hold, and stops after a page
(``corpus_app.filters``); finding every document with the word first, through the lexemes'
index, grew with the corpus. A function that is not inlined (it reads a table), so that
PostgreSQL calls it per document instead of planning it as a join over all of them.

PostgreSQL only (elsewhere the text filter reads the turns). This migration also made a
"corpus version" sequence moved on by triggers; the cache's generations replaced it
(``desk.cache``), and migration 0014 drops it where a database still has it.
"""

from django.db import migrations

CHECK_FUNCTION = "corpus_app_document_has_lexemes"
LEXEMES_TABLE = "corpus_app_document_lexemes"  # migration 0009


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {quote(CHECK_FUNCTION)}(document bigint, query tsquery) RETURNS boolean "
        f"LANGUAGE sql STABLE AS $$ SELECT lexemes @@ query FROM {quote(LEXEMES_TABLE)} WHERE document_id = document $$"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {schema_editor.quote_name(CHECK_FUNCTION)}(bigint, tsquery)")


class Migration(migrations.Migration):
    dependencies = [
        ("corpus_app", "0009_document_lexemes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
