"""Every word of a document's turns in one row per document, for the documents list's text filter.

The documents list keeps the documents in which each word of its "Text" filter occurs, in the
title or in some turn. Asked of the turns (a million rows), a common word made PostgreSQL read
every turn's vector: about a second a page. ``corpus_app_document_lexemes`` holds, for each
document, the lexemes of all its turns' search vectors (without positions), GIN-indexed: the same
question, asked of twenty thousand rows through an index.

Triggers on ``corpus_app_turn`` keep it, whatever writes the turns (the importer's COPY, the
ORM, a fixture): inserted turns add their lexemes to their document's row, in one statement
for all the turns a statement inserts (unless the importer gave that document's row itself, as
the setting ``corpus_app.lexemes_given`` says: ``corpus_app.importing.SearchVectorMaker``); a turn whose text changes, or that is deleted, has its
document's row computed again from its turns. A document's row goes with it (a trigger on
the documents, on DELETE and TRUNCATE). Existing documents are filled in here.

The title half of the filter gets a trigram index. PostgreSQL only (the search vectors are:
migrations 0004 and 0008); elsewhere the filter reads the turns' text. Reversing drops the table,
its triggers and functions, and the title index.
"""

from django.db import migrations

TABLE = "corpus_app_document_lexemes"
INDEX = "document_lexemes_idx"
TITLE_INDEX = "document_title_trgm_idx"
ADD_FUNCTION = "corpus_app_turns_add_lexemes"
REFRESH_FUNCTION = "corpus_app_turns_refresh_lexemes"
LEXEMES_FUNCTION = "corpus_app_documents_with_lexemes"
TITLE_FUNCTION = "corpus_app_documents_with_title"
FORGET_FUNCTION = "corpus_app_documents_forget_lexemes"
DOCUMENT_TRIGGERS = {"document_lexemes_after_delete": "DELETE", "document_lexemes_after_truncate": "TRUNCATE"}
TRIGGERS = {  # name: (event, transition table, function)
    "turn_lexemes_after_insert": ("INSERT", "NEW TABLE AS changed", ADD_FUNCTION),
    "turn_lexemes_after_update": ("UPDATE", "NEW TABLE AS changed", REFRESH_FUNCTION),
    "turn_lexemes_after_delete": ("DELETE", "OLD TABLE AS changed", REFRESH_FUNCTION),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    turns = quote(apps.get_model("corpus_app", "Turn")._meta.db_table)
    documents = quote(apps.get_model("corpus_app", "Document")._meta.db_table)
    table = quote(TABLE)
    # The lexemes of the given turns' vectors, one row per document.
    lexemes_of = (
        "SELECT document_id, array_to_tsvector(array_agg(lexeme)) FROM {turns}, "
        "unnest(tsvector_to_array(search_vector)) AS lexeme{where} GROUP BY document_id"
    )
    schema_editor.execute(
        f"CREATE TABLE IF NOT EXISTS {table} ("
        "document_id bigint PRIMARY KEY, lexemes tsvector NOT NULL)"
    )
    # A document's row goes with it. Not by a foreign key: Django empties its tables with TRUNCATE
    # (``manage.py flush``, tests), which a table referencing them would refuse.
    schema_editor.execute(
        f"""CREATE OR REPLACE FUNCTION {quote(FORGET_FUNCTION)}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE {table};
    ELSE
        DELETE FROM {table} WHERE document_id IN (SELECT id FROM changed);
    END IF;
    RETURN NULL;
END
$$"""
    )
    for name, event in DOCUMENT_TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(name)} ON {documents}")
        transition = "REFERENCING OLD TABLE AS changed " if event == "DELETE" else ""
        schema_editor.execute(
            f"CREATE TRIGGER {quote(name)} AFTER {event} ON {documents} {transition}"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {quote(FORGET_FUNCTION)}()"
        )
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(INDEX)} ON {table} USING gin (lexemes)")
    # The other half of the filter, the title (``title__icontains``: ``UPPER(title) LIKE UPPER('%…%')``),
    # from the trigrams of the titles, as the annotations' quotes (annotations, migration 0006).
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(TITLE_INDEX)} ON {documents} USING gin (UPPER(title::text) gin_trgm_ops)"
    )
    schema_editor.execute(
        f"""CREATE OR REPLACE FUNCTION {quote(ADD_FUNCTION)}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The importer stores the lexemes of the document it writes itself, and says so in this setting.
    IF NOT EXISTS (SELECT FROM changed WHERE document_id::text
                   IS DISTINCT FROM current_setting('corpus_app.lexemes_given', true)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO {table} AS stored (document_id, lexemes)
    {lexemes_of.format(turns="changed", where="")}
    ON CONFLICT (document_id) DO UPDATE SET lexemes = stored.lexemes || EXCLUDED.lexemes;  -- a union: no positions
    RETURN NULL;
END
$$"""
    )
    schema_editor.execute(
        f"""CREATE OR REPLACE FUNCTION {quote(REFRESH_FUNCTION)}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    documents bigint[] := ARRAY(SELECT DISTINCT document_id FROM changed);
BEGIN
    DELETE FROM {table} WHERE document_id = ANY(documents);
    INSERT INTO {table} (document_id, lexemes)
    {lexemes_of.format(turns=turns, where=" WHERE document_id = ANY(documents)")};
    RETURN NULL;
END
$$"""
    )
    # The documents with a word among their lexemes, and those with it in the title (as Django's
    # ``title__icontains``: the pattern is "%word%", escaped), always through the indexes. Left to
    # itself, the planner reads every row for a word most documents hold: it cannot tell that the
    # lexemes' index answers exactly, without reading the (large, compressed) lexemes, and it
    # prices the titles' trigram index too high; reading them took ten to a hundred times longer.
    for function, argument, rows, query in (
        (LEXEMES_FUNCTION, "query tsquery", 10000, f"SELECT document_id FROM {table} WHERE lexemes @@ query"),
        (TITLE_FUNCTION, "pattern text", 1000, f"SELECT id FROM {documents} WHERE UPPER(title::text) LIKE UPPER(pattern)"),
    ):
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {quote(function)}({argument}) RETURNS SETOF bigint "
            f"LANGUAGE sql STABLE ROWS {rows} SET enable_seqscan = off AS $$ {query} $$"
        )
    for name, (event, transition, function) in TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(name)} ON {turns}")
        schema_editor.execute(
            f"CREATE TRIGGER {quote(name)} AFTER {event} ON {turns} REFERENCING {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {quote(function)}()"
        )
    schema_editor.execute(f"DELETE FROM {table}")
    schema_editor.execute(f"INSERT INTO {table} (document_id, lexemes) {lexemes_of.format(turns=turns, where='')}")
    schema_editor.execute(f"ANALYZE {table}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    turns = quote(apps.get_model("corpus_app", "Turn")._meta.db_table)
    documents = quote(apps.get_model("corpus_app", "Document")._meta.db_table)
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(name)} ON {turns}")
    for name in DOCUMENT_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(name)} ON {documents}")
    for function in (ADD_FUNCTION, REFRESH_FUNCTION, FORGET_FUNCTION):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {quote(function)}()")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {quote(LEXEMES_FUNCTION)}(tsquery)")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {quote(TITLE_FUNCTION)}(text)")
    schema_editor.execute(f"DROP TABLE IF EXISTS {quote(TABLE)}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {quote(TITLE_INDEX)}")


class Migration(migrations.Migration):
    dependencies = [
        ("corpus_app", "0008_turn_search_vector_trigger"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
