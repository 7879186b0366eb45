"""Compress the long texts (a document's raw file, long turns) with LZ4 on PostgreSQL.

PostgreSQL compresses values of more than about 2 kB; its default method (pglz) took a
noticeable share of the server's time per imported file. LZ4 is several times faster at a
similar size. It applies to values written from now on. Servers built without LZ4 keep pglz:
the change is attempted and left out if the server refuses it. Nothing runs on other databases.
"""

from django.db import DatabaseError, migrations, transaction

COLUMNS = [("Document", "raw_text"), ("Turn", "text")]


def use_lz4(apps, schema_editor, method="lz4"):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for model_name, column in COLUMNS:
        table = quote(apps.get_model("corpus_app", model_name)._meta.db_table)
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {quote(column)} SET COMPRESSION {method}")
        except DatabaseError:
            return  # built without LZ4: the default stays


def use_default(apps, schema_editor):
    use_lz4(apps, schema_editor, method="DEFAULT")


class Migration(migrations.Migration):
    dependencies = [
        ("corpus_app", "0006_turn_indexes_for_import"),
    ]

    operations = [
        migrations.RunPython(use_lz4, use_default, elidable=False),
    ]
