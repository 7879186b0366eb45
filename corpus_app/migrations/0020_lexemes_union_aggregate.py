"""The documents' words (``corpus_app_document_lexemes``) are kept by an aggregate of tsvectors.

The triggers on the turns made each document's words by unnesting every lexeme of its turns into
an array and back (``array_to_tsvector(array_agg(lexeme))``): on import, as long as computing the
turns' search vectors themselves. ``corpus_app_lexemes_union`` unions their stripped vectors with
tsvector's own ``||`` (a C function; its first value is taken as it is): about a third of the time.
PostgreSQL only; reversing drops the aggregate after the triggers are back to their former bodies.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

AGGREGATE = "corpus_app_lexemes_union"


def create_aggregate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE OR REPLACE AGGREGATE {AGGREGATE}(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector)"
        )


def drop_aggregate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP AGGREGATE IF EXISTS {AGGREGATE}(tsvector)")


class Migration(migrations.Migration):

    dependencies = [
        ('corpus_app', '0019_document_source_url'),
    ]

    operations = [
        migrations.RunPython(create_aggregate, drop_aggregate, elidable=False),
        pgtrigger.migrations.RemoveTrigger(
            model_name='turn',
            name='lexemes_refreshed_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='turn',
            name='lexemes_refreshed_delete',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='turn',
            name='lexemes_added',
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='turn',
            trigger=pgtrigger.compiler.Trigger(name='lexemes_added', sql=pgtrigger.compiler.UpsertTriggerSql(func='\nINSERT INTO corpus_app_document_lexemes AS stored (document_id, lexemes)\nSELECT document_id, corpus_app_lexemes_union(strip(search_vector)) FROM new_rows WHERE search_vector IS NOT NULL GROUP BY document_id\nON CONFLICT (document_id) DO UPDATE SET lexemes = stored.lexemes || EXCLUDED.lexemes;  -- a union: no positions\nRETURN NULL;', hash='e15b9235e77b1ede0f927e0eece90154bb122e3e', level='STATEMENT', operation='INSERT', pgid='pgtrigger_lexemes_added_82648', referencing='REFERENCING NEW TABLE AS new_rows ', table='corpus_app_turn', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='turn',
            trigger=pgtrigger.compiler.Trigger(name='lexemes_refreshed_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE documents bigint[];', func='\ndocuments := ARRAY(SELECT DISTINCT document_id FROM new_rows);\nDELETE FROM corpus_app_document_lexemes WHERE document_id = ANY(documents);\nINSERT INTO corpus_app_document_lexemes (document_id, lexemes)\nSELECT document_id, corpus_app_lexemes_union(strip(search_vector)) FROM corpus_app_turn WHERE search_vector IS NOT NULL AND document_id = ANY(documents) GROUP BY document_id;\nRETURN NULL;', hash='e3ae796a2fa68ad632cde3e99c5859845513400b', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_lexemes_refreshed_update_0b0f2', referencing='REFERENCING NEW TABLE AS new_rows ', table='corpus_app_turn', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='turn',
            trigger=pgtrigger.compiler.Trigger(name='lexemes_refreshed_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE documents bigint[];', func='\ndocuments := ARRAY(SELECT DISTINCT document_id FROM old_rows);\nDELETE FROM corpus_app_document_lexemes WHERE document_id = ANY(documents);\nINSERT INTO corpus_app_document_lexemes (document_id, lexemes)\nSELECT document_id, corpus_app_lexemes_union(strip(search_vector)) FROM corpus_app_turn WHERE search_vector IS NOT NULL AND document_id = ANY(documents) GROUP BY document_id;\nRETURN NULL;', hash='2a0d52f3b80964efa825872ac45329bec82b1592', level='STATEMENT', operation='DELETE', pgid='pgtrigger_lexemes_refreshed_delete_cbbbb', referencing='REFERENCING OLD TABLE AS old_rows ', table='corpus_app_turn', when='AFTER')),
        ),
    ]
