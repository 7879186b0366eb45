"""Every word of a document's turns in one row per document, for the documents list's text filter.

The documents list keeps the documents in which each word of its "Text" filter occurs, in the
title or in some turn. Asked of the turns (a million rows), a common word made PostgreSQL read
every turn's vector: about a second a page. ``corpus_app_document_lexemes`` holds, for each
document, the lexemes of all its turns' search vectors (without positions), GIN-indexed: the same
question, asked of twenty thousand rows through an index.

Triggers declared on ``Turn`` and ``Document`` keep it (migration 0014), whatever writes the
turns (the importer's COPY, the ORM, a fixture). Existing documents are filled in here.

The title half of the filter gets a trigram index. PostgreSQL only (the search vectors are:
migrations 0004 and 0008); elsewhere the filter reads the turns' text. Reversing drops the table,
its functions, and the title index.
"""

from django.db import migrations

TABLE = "corpus_app_document_lexemes"
INDEX = "document_lexemes_idx"
TITLE_INDEX = "document_title_trgm_idx"
LEXEMES_FUNCTION = "corpus_app_documents_with_lexemes"
TITLE_FUNCTION = "corpus_app_documents_with_title"


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
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(INDEX)} ON {table} USING gin (lexemes)")
    # The other half of the filter, the title (``title__icontains``: ``UPPER(title) LIKE UPPER('%…%')``),
    # from the trigrams of the titles, as the annotations' quotes (annotations, migration 0006).
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(TITLE_INDEX)} ON {documents} USING gin (UPPER(title::text) gin_trgm_ops)"
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
    schema_editor.execute(f"DELETE FROM {table}")
    schema_editor.execute(f"INSERT INTO {table} (document_id, lexemes) {lexemes_of.format(turns=turns, where='')}")
    schema_editor.execute(f"ANALYZE {table}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
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
