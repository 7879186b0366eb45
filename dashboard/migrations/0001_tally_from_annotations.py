"""The dashboard's kept counts move here from ``annotations`` (its migrations 0008 and 0010).

The table is renamed to ``dashboard_tally``. The triggers of ``annotations`` migration 0008 (plpgsql
assembled from strings, on the annotations, tags, topics, claims, documents and turns) are dropped
with their functions where a database has them; migration 0002 declares their successors
(``dashboard.models``) and counts again. Documents and turns are no longer tallied: the dashboard
counts them once per change of the corpus.
"""

from django.db import migrations, models

OLD_FUNCTIONS = [
    "annotations_tally_annotations",
    "annotations_tally_claims",
    "annotations_tally_documents",
    "annotations_tally_turns",
    "annotations_tally_tags",
    "annotations_tally_topics_moved",
    "annotations_tally_forget",
    "annotations_tally_count_all",
    "annotations_tally_count_topics",
]


def drop_old_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for function in OLD_FUNCTIONS:
        # CASCADE: the triggers that call it go too.
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {schema_editor.quote_name(function)}() CASCADE")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0010_dashboard_tally_moves_to_dashboard"),
    ]

    operations = [
        # Going back, the old triggers are not made again: `recount_dashboard` mends the counts.
        migrations.RunPython(drop_old_triggers, migrations.RunPython.noop, elidable=False),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DashboardTally",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("kind", models.CharField(max_length=12)),
                        ("key", models.CharField(blank=True, max_length=40)),
                        ("n", models.BigIntegerField()),
                    ],
                    options={
                        "db_table": "dashboard_tally",
                        "indexes": [models.Index(fields=["kind", "key"], name="dashboard_tally_kind_key_idx")],
                    },
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE annotations_dashboardtally RENAME TO dashboard_tally",
                    "ALTER TABLE dashboard_tally RENAME TO annotations_dashboardtally",
                ),
            ],
        ),
    ]
