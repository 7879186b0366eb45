"""Repair stored text that cannot be encoded: lone surrogates become U+FFFD (issue 15).

A verdict's evidence links are a JSON field. JSON escapes let a lone surrogate (``\\ud800``) in:
SQLite stored it as the text ``"\\ud800"``, and from then on every page or export that wrote the
link out (the claim queue, its exports, the admin's history of the claim) failed to encode it.
The history keeps a copy of each version, so its rows are repaired too. Other text columns could
never hold one (saving fails before it is written), and PostgreSQL's jsonb refuses lone
surrogates on input, so there is nothing to repair there.
"""

from django.db import migrations

from desk.text import replace_lone_surrogates

MODELS = ("Claim", "HistoricalClaim")


def _repaired(value):
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, list):
        return [_repaired(item) for item in value]
    if isinstance(value, dict):
        return {_repaired(key): _repaired(item) for key, item in value.items()}
    return value


def repair_evidence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        return
    for name in MODELS:
        model = apps.get_model("annotations", name)
        # Only rows whose stored JSON has a \u escape can hold a surrogate: a cheap screen first.
        suspects = model.objects.extra(where=["evidence LIKE %s"], params=["%\\u%"]).values_list("pk", "evidence")
        for pk, evidence in suspects.iterator(chunk_size=2000):
            repaired = _repaired(evidence)
            if repaired != evidence:
                model.objects.filter(pk=pk).update(evidence=repaired)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0008_dashboard_tallies"),
    ]

    operations = [
        migrations.RunPython(repair_evidence, migrations.RunPython.noop, elidable=True),
    ]
