"""A version number of the corpus, and a check of one document's words, for the documents list.

**The version.** Listings keep their filtered counts until the data changes (``desk.pagination``:
a count is cached under the dashboard's fingerprint, ``annotations.dashboard.fingerprint``). The
fingerprint saw new and deleted documents and turns, but not an edit: a title, a date or a turn's
text corrected in the admin left counts that depend on them as they were for five minutes. The
sequence ``corpus_app_corpus_version`` moves on with every statement that writes documents or
turns, whatever runs it (the importer's COPY, the ORM, the admin, a fixture, ``TRUNCATE``), and
the fingerprint reads it. A sequence, not a counter in a table: every writer would wait on that
row until the end of its transaction, and imports run side by side.

**The check.** ``corpus_app_document_has_lexemes(document, query)``: whether a document's turns
hold the words of a text query, from its row of ``corpus_app_document_lexemes`` (migration
0009); NULL when it has none, which a filter takes as false. The documents list asks it of each
document in its order while it reads the first pages for a word most documents hold, and stops
after a page (``corpus_app.filters``); finding every document with the word first, through the
lexemes' index, grew with the corpus. A function that is not inlined (it reads a table), so that
PostgreSQL calls it per document instead of planning it as a join over all of them.

On SQLite the version is a one-row table that row triggers move on (the fingerprint reads its
``last_value`` as it reads the sequence's); the check is PostgreSQL's only (elsewhere the text
filter reads the turns). Reversing drops the triggers, their function, the sequence or table, and
the check.
"""

from django.db import migrations

SEQUENCE = "corpus_app_corpus_version"
FUNCTION = "corpus_app_corpus_changed"
CHECK_FUNCTION = "corpus_app_document_has_lexemes"
LEXEMES_TABLE = "corpus_app_document_lexemes"  # migration 0009
TRIGGERS = {"Document": "document_corpus_version", "Turn": "turn_corpus_version"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        create_sqlite_version(apps, schema_editor)
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {quote(SEQUENCE)}")
    schema_editor.execute(
        f"""CREATE OR REPLACE FUNCTION {quote(FUNCTION)}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('{SEQUENCE}');
    RETURN NULL;
END
$$"""
    )
    for model, trigger in TRIGGERS.items():
        table = quote(apps.get_model("corpus_app", model)._meta.db_table)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {quote(trigger)} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {quote(FUNCTION)}()"
        )
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {quote(CHECK_FUNCTION)}(document bigint, query tsquery) RETURNS boolean "
        f"LANGUAGE sql STABLE AS $$ SELECT lexemes @@ query FROM {quote(LEXEMES_TABLE)} WHERE document_id = document $$"
    )


def create_sqlite_version(apps, schema_editor):
    # SQLite has no sequences, and one writer at a time: a counter in a one-row table, moved on
    # by each written row (its triggers are per row).
    quote = schema_editor.quote_name
    table = quote(SEQUENCE)
    schema_editor.execute(
        f"CREATE TABLE IF NOT EXISTS {table} (id integer PRIMARY KEY CHECK (id = 1), last_value integer NOT NULL)"
    )
    schema_editor.execute(f"INSERT OR IGNORE INTO {table} (id, last_value) VALUES (1, 1)")
    for model, trigger in TRIGGERS.items():
        written = quote(apps.get_model("corpus_app", model)._meta.db_table)
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = quote(f"{trigger}_{event.lower()}")
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {written} "
                f"BEGIN UPDATE {table} SET last_value = last_value + 1; END"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        quote = schema_editor.quote_name
        for trigger in TRIGGERS.values():
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(f'{trigger}_{event}')}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {quote(SEQUENCE)}")
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for model, trigger in TRIGGERS.items():
        table = quote(apps.get_model("corpus_app", model)._meta.db_table)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {quote(FUNCTION)}()")
    schema_editor.execute(f"DROP SEQUENCE IF EXISTS {quote(SEQUENCE)}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {quote(CHECK_FUNCTION)}(bigint, tsquery)")


class Migration(migrations.Migration):
    dependencies = [
        ("corpus_app", "0009_document_lexemes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
