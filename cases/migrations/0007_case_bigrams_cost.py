"""Tell PostgreSQL what case_bigrams() costs, so that it searches through the GIN index on small tables too.

With the default COST (100) the planner believes evaluating the function on every row is cheaper than the
index below a few thousand cases, and a search then costs ~50 ms per query (COUNT and page) at 1,300 cases.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER FUNCTION case_bigrams(text) COST 20000;")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER FUNCTION case_bigrams(text) COST 100;")


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_case_open_due")]

    operations = [migrations.RunPython(forwards, backwards)]
