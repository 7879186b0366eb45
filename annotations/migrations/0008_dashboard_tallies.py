"""The table of the dashboard's kept counts (PostgreSQL fills it).

It now belongs to the ``dashboard`` app, which declares the triggers that write it
(``dashboard.models``) and took it over in its migration 0001.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0007_latest_annotations_index"),
        ("corpus_app", "0012_turn_search_by_id_slices"),
    ]

    operations = [
        migrations.CreateModel(
            name="DashboardTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=12)),
                ("key", models.CharField(blank=True, max_length=40)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "indexes": [models.Index(fields=["kind", "key"], name="dashboard_tally_kind_key_idx")],
            },
        ),
    ]
