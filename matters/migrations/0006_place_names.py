"""The place keys of a case's text are now the names it mentions (丽发新城, 长沙学院), no longer their character
pairs: recompute them for every indexed case."""

from django.db import migrations


def recompute(apps, schema_editor):
    from matters import text

    CaseSignature = apps.get_model("matters", "CaseSignature")
    Estate = apps.get_model("places", "Estate")
    Neighbourhood = apps.get_model("places", "Neighbourhood")
    names = list(Estate.objects.values_list("name", flat=True))
    names += [a for a in Estate.objects.values_list("address", flat=True) if a]
    names += list(Neighbourhood.objects.values_list("name", flat=True))
    names = text.place_names(names)
    batch = []
    rows = CaseSignature.objects.values_list("pk", "case__title", "case__description").order_by("pk")
    for pk, title, description in rows.iterator(chunk_size=2000):
        batch.append(CaseSignature(pk=pk, places=text.place_keys(title, description, names)))
        if len(batch) == 2000:
            CaseSignature.objects.bulk_update(batch, ["places"])
            batch = []
    CaseSignature.objects.bulk_update(batch, ["places"])


class Migration(migrations.Migration):
    dependencies = [
        ("matters", "0005_caselink_without_duplicate_indexes"),
        ("places", "0001_initial"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
