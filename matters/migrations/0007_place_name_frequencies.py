"""Place keys now also hold the districts a text names, organisations named generically (经济学院), numbered bus
routes and metro lines (205路, 3号线) and the case's registry estate (text.with_estate), without the words jieba
glues in front of a name (在丽发新城 → 丽发新城); and the index counts how many cases name each place (a term
"名:<name>", similarity.name_rarity): recompute every signature's keys and count them. (The texts' tokens now leave
out the estates and areas they name: `flag_similar --all --force` re-reads them; until then the old tokens stay.)"""

from collections import Counter

from django.db import migrations


def recount(apps, schema_editor):
    from matters import text

    CaseSignature = apps.get_model("matters", "CaseSignature")
    Term = apps.get_model("matters", "Term")
    Estate = apps.get_model("places", "Estate")
    Neighbourhood = apps.get_model("places", "Neighbourhood")
    prefix = "名:"  # similarity.NAME_PREFIX, as it was when this migration was written
    names = list(Estate.objects.values_list("name", flat=True))
    names += [a for a in Estate.objects.values_list("address", flat=True) if a]
    names += list(Neighbourhood.objects.values_list("name", flat=True))
    names = text.place_names(names)
    counts, batch = Counter(), []
    rows = CaseSignature.objects.values_list("pk", "case__title", "case__description", "case__estate__name")
    for pk, title, description, estate in rows.order_by("pk").iterator(chunk_size=2000):
        keys = text.with_estate(text.place_keys(title, description, names), estate or "")
        counts.update({(prefix + key)[:40] for key in keys})
        batch.append(CaseSignature(pk=pk, places=keys))
        if len(batch) == 2000:
            CaseSignature.objects.bulk_update(batch, ["places"])
            batch = []
    CaseSignature.objects.bulk_update(batch, ["places"])
    Term.objects.filter(text__startswith=prefix).delete()
    Term.objects.bulk_create([Term(text=name, df=df) for name, df in sorted(counts.items())], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("matters", "0006_place_names"),
        ("places", "0001_initial"),
    ]

    operations = [migrations.RunPython(recount, migrations.RunPython.noop)]
