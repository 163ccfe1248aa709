"""A case's registry estate is one of its place names now (text.with_estate): add it to the place keys of the
cases at an estate, and count it (the "名:<name>" terms, similarity.name_rarity)."""

from collections import Counter

from django.db import migrations


def add_estates(apps, schema_editor):
    from matters import text

    CaseSignature = apps.get_model("matters", "CaseSignature")
    Term = apps.get_model("matters", "Term")
    prefix = "名:"  # similarity.NAME_PREFIX, as it was when this migration was written

    def terms(keys):
        return {(prefix + key)[:40] for key in keys}

    changes, batch = Counter(), []
    rows = CaseSignature.objects.filter(case__estate__isnull=False).values_list("pk", "places", "case__estate__name")
    for pk, places, estate in rows.order_by("pk").iterator(chunk_size=2000):
        keys = text.with_estate(places or [], estate)
        if keys == places:
            continue
        changes.update(dict.fromkeys(terms(keys) - terms(places or []), 1))
        changes.subtract(dict.fromkeys(terms(places or []) - terms(keys), 1))
        batch.append(CaseSignature(pk=pk, places=keys))
        if len(batch) == 2000:
            CaseSignature.objects.bulk_update(batch, ["places"])
            batch = []
    CaseSignature.objects.bulk_update(batch, ["places"])
    names = sorted(name for name, change in changes.items() if change)
    Term.objects.bulk_create([Term(text=name, df=0) for name in names], batch_size=2000, ignore_conflicts=True)
    for start in range(0, len(names), 2000):
        counted = list(Term.objects.filter(text__in=names[start : start + 2000]))
        for term in counted:
            term.df = max(0, term.df + changes[term.text])
        Term.objects.bulk_update(counted, ["df"])


class Migration(migrations.Migration):
    dependencies = [
        ("matters", "0007_place_name_frequencies"),
        ("places", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_estates, migrations.RunPython.noop)]
