"""The turns' search vector, its index, the documents' lexemes and their triggers, declared on the
models (``corpus_app.models``), so that ``makemigrations --check`` guards them.

On PostgreSQL the column, the indexes and the table exist (migrations 0004, 0009, 0012): they
enter Django's state only. On other databases (SQLite) the column and the table are created, empty, so
that the models' rows can be written and read there too. The triggers of migrations 0008 and 0009,
written as strings, are dropped with their functions, and the declared ones created. So is the
"corpus version" sequence of migration 0010 and its triggers: the cache's generations took its
place (``desk.cache``).
"""

import corpus_app.models
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
import django.db.models.expressions
import django.db.models.functions.text
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

OLD_FUNCTIONS = [  # their triggers go with them (CASCADE)
    "corpus_app_turn_search_vector",  # migration 0008
    "corpus_app_turns_add_lexemes",  # migration 0009
    "corpus_app_turns_refresh_lexemes",
    "corpus_app_documents_forget_lexemes",
    "corpus_app_corpus_changed",  # migration 0010, the corpus version
]
OLD_SQLITE_TRIGGERS = [
    f"{table}_corpus_version_{event}" for table in ("document", "turn") for event in ("insert", "update", "delete")
]


def drop_old_triggers(apps, schema_editor):
    quote = schema_editor.quote_name
    if schema_editor.connection.vendor == "postgresql":
        for function in OLD_FUNCTIONS:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {quote(function)}() CASCADE")
        schema_editor.execute("DROP SEQUENCE IF EXISTS corpus_app_corpus_version")
    elif schema_editor.connection.vendor == "sqlite":
        for trigger in OLD_SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)}")
        schema_editor.execute("DROP TABLE IF EXISTS corpus_app_corpus_version")


def create_elsewhere(apps, schema_editor):
    """The column and the table where PostgreSQL's migrations did not make them."""
    if schema_editor.connection.vendor == "postgresql":
        return
    turn = apps.get_model("corpus_app", "Turn")
    schema_editor.add_field(turn, turn._meta.get_field("search_vector"))
    schema_editor.create_model(apps.get_model("corpus_app", "DocumentLexemes"))


def drop_elsewhere(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        return
    turn = apps.get_model("corpus_app", "Turn")
    schema_editor.delete_model(apps.get_model("corpus_app", "DocumentLexemes"))
    schema_editor.remove_field(turn, turn._meta.get_field("search_vector"))


class Migration(migrations.Migration):
    dependencies = [
        ("corpus_app", "0013_document_file"),
    ]

    operations = [
        # Going back, the old triggers are not made again (their migrations no longer make them).
        migrations.RunPython(drop_old_triggers, migrations.RunPython.noop, elidable=False),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DocumentLexemes",
                    fields=[
                        (
                            "document",
                            models.OneToOneField(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="corpus_app.document",
                            ),
                        ),
                        ("lexemes", django.contrib.postgres.search.SearchVectorField()),
                    ],
                    options={
                        "verbose_name_plural": "document lexemes",
                        "db_table": "corpus_app_document_lexemes",
                    },
                ),
                migrations.AddField(
                    model_name="turn",
                    name="search_vector",
                    field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True, serialize=False),
                ),
                migrations.AddIndex(
                    model_name="turn",
                    index=corpus_app.models.PostgresGinIndex(
                        django.db.models.expressions.CombinedExpression(models.F("id"), "/", models.Value(100000)),
                        models.F("search_vector"),
                        name="turn_slice_search_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="document",
                    index=corpus_app.models.PostgresGinIndex(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.text.Upper("title"), name="gin_trgm_ops"
                        ),
                        name="document_title_trgm_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="documentlexemes",
                    index=corpus_app.models.PostgresGinIndex(fields=["lexemes"], name="document_lexemes_idx"),
                ),
            ],
        ),
        migrations.RunPython(create_elsewhere, drop_elsewhere, elidable=False),
        pgtrigger.migrations.AddTrigger(
            model_name="document",
            trigger=pgtrigger.compiler.Trigger(
                name="lexemes_forget_deleted",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM corpus_app_document_lexemes WHERE document_id IN (SELECT id FROM old_rows); RETURN NULL;",
                    hash="a650f363e07d400beb499e59835d34f87f133de6",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_lexemes_forget_deleted_ebcb8",
                    referencing="REFERENCING OLD TABLE AS old_rows ",
                    table="corpus_app_document",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="document",
            trigger=pgtrigger.compiler.Trigger(
                name="lexemes_forget_truncated",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM corpus_app_document_lexemes; RETURN NULL;",
                    hash="da5bdd866afef875cb7e6b5e5a37e3cc8b4c92a4",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_lexemes_forget_truncated_0d029",
                    table="corpus_app_document",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="turn",
            trigger=pgtrigger.compiler.Trigger(
                name="search_vector_inserted",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (NEW."search_vector" IS NULL)',
                    func="NEW.search_vector := to_tsvector('english'::regconfig, NEW.text); RETURN NEW;",
                    hash="25a86a9e709ff15ac411a7f34d934d52e86820ec",
                    operation="INSERT",
                    pgid="pgtrigger_search_vector_inserted_8907d",
                    table="corpus_app_turn",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="turn",
            trigger=pgtrigger.compiler.Trigger(
                name="search_vector_updated",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (NEW.text IS DISTINCT FROM OLD.text OR NEW.search_vector IS NULL)",
                    func="NEW.search_vector := to_tsvector('english'::regconfig, NEW.text); RETURN NEW;",
                    hash="e80efcbcfc0074364f096addf44a00b35d759c7a",
                    operation='UPDATE OF "text", "search_vector"',
                    pgid="pgtrigger_search_vector_updated_61c4a",
                    table="corpus_app_turn",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="turn",
            trigger=pgtrigger.compiler.Trigger(
                name="lexemes_added",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="\nIF NOT EXISTS (\n    SELECT FROM new_rows\n    WHERE document_id::text IS DISTINCT FROM current_setting('corpus_app.lexemes_given', true)\n) THEN\n    RETURN NULL;\nEND IF;\nINSERT INTO corpus_app_document_lexemes AS stored (document_id, lexemes)\nSELECT document_id, array_to_tsvector(array_agg(lexeme))\nFROM new_rows, unnest(tsvector_to_array(search_vector)) AS lexeme GROUP BY document_id\nON CONFLICT (document_id) DO UPDATE SET lexemes = stored.lexemes || EXCLUDED.lexemes;  -- a union: no positions\nRETURN NULL;",
                    hash="64357c4304bc60edcd524a0471efd4c703427501",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_lexemes_added_82648",
                    referencing="REFERENCING NEW TABLE AS new_rows ",
                    table="corpus_app_turn",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="turn",
            trigger=pgtrigger.compiler.Trigger(
                name="lexemes_refreshed_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE documents bigint[];",
                    func="\ndocuments := ARRAY(SELECT DISTINCT document_id FROM new_rows);\nDELETE FROM corpus_app_document_lexemes WHERE document_id = ANY(documents);\nINSERT INTO corpus_app_document_lexemes (document_id, lexemes)\nSELECT document_id, array_to_tsvector(array_agg(lexeme))\nFROM corpus_app_turn, unnest(tsvector_to_array(search_vector)) AS lexeme\nWHERE document_id = ANY(documents) GROUP BY document_id;\nRETURN NULL;",
                    hash="465bfa0324d54a9c4fbc9ca69dd541fa87701fed",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_lexemes_refreshed_update_0b0f2",
                    referencing="REFERENCING NEW TABLE AS new_rows ",
                    table="corpus_app_turn",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="turn",
            trigger=pgtrigger.compiler.Trigger(
                name="lexemes_refreshed_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE documents bigint[];",
                    func="\ndocuments := ARRAY(SELECT DISTINCT document_id FROM old_rows);\nDELETE FROM corpus_app_document_lexemes WHERE document_id = ANY(documents);\nINSERT INTO corpus_app_document_lexemes (document_id, lexemes)\nSELECT document_id, array_to_tsvector(array_agg(lexeme))\nFROM corpus_app_turn, unnest(tsvector_to_array(search_vector)) AS lexeme\nWHERE document_id = ANY(documents) GROUP BY document_id;\nRETURN NULL;",
                    hash="01bf78d9f2d02a3569ad996b90bc17b5654fb9c2",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_lexemes_refreshed_delete_cbbbb",
                    referencing="REFERENCING OLD TABLE AS old_rows ",
                    table="corpus_app_turn",
                    when="AFTER",
                ),
            ),
        ),
    ]
