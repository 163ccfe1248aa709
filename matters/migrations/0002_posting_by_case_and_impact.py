"""Postings keyed by (case, term), with an index on (term, weight descending, case) for the candidate query.

A table cannot change its primary key in place, and postings are derived data: the index is emptied and the
posting table made anew. Every case is then stale, and the next similarity sweep (or `manage.py flag_similar
--all`) indexes them again in bulk. Links and classes are kept.
"""

import django.db.models.deletion
from django.db import migrations, models


def empty_the_index(apps, schema_editor):
    for name in ("Posting", "CaseSignature", "Term", "IndexStats"):
        apps.get_model("matters", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_case_open_due"),
        ("matters", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(empty_the_index, migrations.RunPython.noop),
        migrations.DeleteModel(name="Posting"),
        migrations.CreateModel(
            name="Posting",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "case", "term", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("weight", models.FloatField()),
                (
                    "case",
                    models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.case"
                    ),
                ),
                (
                    "term",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="matters.term",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["term", "-weight", "case"], name="posting_term_impact")],
            },
        ),
    ]
