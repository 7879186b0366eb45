"""``DashboardTally`` leaves this app's state for the ``dashboard`` app's, which takes over its table
(``dashboard`` migration 0001). Nothing changes in the database here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0009_repair_lone_surrogates"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DashboardTally")],
        ),
    ]
