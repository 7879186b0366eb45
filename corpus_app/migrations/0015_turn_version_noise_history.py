"""Turns get a version and a page-noise flag, turns and speakers a history (editors' fixes:
``annotations.turn_edits``).

Both new columns have a database default too, since the importers write turns with ``COPY``
naming only their own columns.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("corpus_app", "0014_declared_search_columns_and_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalSpeaker",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                (
                    "name",
                    models.CharField(db_index=True, help_text="Canonical name, e.g. “Sergey Lavrov”.", max_length=200),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("person", "Person"),
                            ("organisation", "Organisation"),
                            ("group", "Unnamed group or role"),
                        ],
                        default="person",
                        max_length=20,
                    ),
                ),
                ("role", models.CharField(blank=True, help_text="e.g. “Minister of Foreign Affairs”.", max_length=200)),
                ("affiliation", models.CharField(blank=True, help_text="e.g. “Russian Federation”.", max_length=200)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
            ],
            options={
                "verbose_name": "historical speaker",
                "verbose_name_plural": "historical speakers",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalTurn",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("position", models.PositiveIntegerField(help_text="Order within the document, from 0.")),
                (
                    "label",
                    models.CharField(blank=True, help_text="The label as written (“Q”, “SL”), if any.", max_length=200),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("remarks", "Remarks"),
                            ("question", "Question"),
                            ("answer", "Answer"),
                            ("narration", "Narration"),
                            ("quote", "Quote"),
                            ("editorial_note", "Editorial note"),
                        ],
                        max_length=20,
                    ),
                ),
                ("text", models.TextField()),
                (
                    "source_line",
                    models.PositiveIntegerField(blank=True, help_text="First line in the raw text.", null=True),
                ),
                (
                    "version",
                    models.PositiveIntegerField(
                        db_default=1, default=1, help_text="Raised on every edit; guards against lost updates."
                    ),
                ),
                (
                    "is_noise",
                    models.BooleanField(
                        db_default=False,
                        default=False,
                        help_text="Page furniture the importer took for speech: hidden from reading, listings, exports, search and counts; kept in the raw text, and restorable.",
                        verbose_name="page noise",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
            ],
            options={
                "verbose_name": "historical turn",
                "verbose_name_plural": "historical turns",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name="turn",
            name="is_noise",
            field=models.BooleanField(
                db_default=False,
                default=False,
                help_text="Page furniture the importer took for speech: hidden from reading, listings, exports, search and counts; kept in the raw text, and restorable.",
                verbose_name="page noise",
            ),
        ),
        migrations.AddField(
            model_name="turn",
            name="version",
            field=models.PositiveIntegerField(
                db_default=1, default=1, help_text="Raised on every edit; guards against lost updates."
            ),
        ),
        migrations.AddIndex(
            model_name="turn",
            index=models.Index(condition=models.Q(("is_noise", True)), fields=["document"], name="turn_noise_idx"),
        ),
        migrations.AddField(
            model_name="historicalspeaker",
            name="history_user",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="historicalturn",
            name="document",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="corpus_app.document",
            ),
        ),
        migrations.AddField(
            model_name="historicalturn",
            name="history_user",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="historicalturn",
            name="speaker",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="corpus_app.speaker",
            ),
        ),
    ]
