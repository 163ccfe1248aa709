"""A GIN index of character pairs for Chinese substring search on PostgreSQL (SQLite keeps plain LIKE)."""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION case_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[])
  FROM generate_series(1, length(t) - 1) AS i
$$;
"""
INDEX = "CREATE INDEX IF NOT EXISTS case_search_bigrams ON cases_case USING gin (case_bigrams(lower(title || ' ' || description)));"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_search_bigrams;")
        schema_editor.execute("DROP FUNCTION IF EXISTS case_bigrams(text);")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_case_case_due_case_case_resolved")]

    operations = [migrations.RunPython(forwards, backwards)]
