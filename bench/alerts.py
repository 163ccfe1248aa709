"""Time the early-warning detector (alerts/detect.py) on PostgreSQL at 100,000 and 1,000,000 cases.

Seeds N cases straight into the database with one INSERT … SELECT over generate_series (five years of intake,
received in id order, 14 neighbourhoods × 12 estates, the standard categories skewed toward a few, 80 % with a
phone from a pool of 0.6 N numbers (2 % from N / 3,000 frequent callers), cases older than 20 days closed as
resolved), same-matter and same-class links between near cases (0.3 a case), 60 classes of matters with 2 % of
cases as members, plus the contract's scene: six cases of one category at a new estate in the last three days.
Then it runs each rule, the whole detector (which records the warnings), the detector again (idempotent: nothing
new), and the reminder pass.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ruziniu_warnbench .venv/bin/python bench/alerts.py --n 100000

The database is migrated first; seeding is skipped when it already holds exactly N bench cases (--reseed forces
it). Use a database of its own: reseeding empties the case table.
"""

import sys

# Run as a script, this file's folder comes first on the path, and this file would shadow the standard library's
# `warnings` module (imported by nearly everything): take the folder off before importing anything else.
if sys.path and sys.path[0].rstrip("/").endswith("bench"):
    sys.path.pop(0)

import argparse
import os
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from alerts import detect, services  # noqa: E402
from alerts.models import Warning  # noqa: E402
from cases import reference  # noqa: E402
from cases.models import Case, Category  # noqa: E402
from dashboards import rollups  # noqa: E402
from matters.models import ClassStatus, MatterClass  # noqa: E402
from notifications import services as notify_services  # noqa: E402
from places.models import Estate, Neighbourhood  # noqa: E402

PREFIX = "WB"
HOODS, ESTATES_PER_HOOD, YEARS = 14, 12, 5


def places() -> tuple[list[int], list[int]]:
    estate_ids, hood_ids = [], []
    for h in range(HOODS):
        hood = Neighbourhood.objects.get_or_create(name=f"预警基准居民区{h:02d}")[0]
        for e in range(ESTATES_PER_HOOD):
            estate = Estate.objects.get_or_create(
                name=f"预警基准小区{h:02d}-{e:02d}", defaults={"neighbourhood": hood}
            )[0]
            estate_ids.append(estate.pk)
            hood_ids.append(hood.pk)
    return estate_ids, hood_ids


def seed(n: int) -> None:
    reference.load()
    estate_ids, hood_ids = places()
    categories = list(Category.objects.filter(parent__isnull=False).order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_case RESTART IDENTITY CASCADE")
        cursor.execute("SELECT setseed(0.19)")
        started = time.monotonic()
        cursor.execute(
            """
            INSERT INTO cases_case (reference, title, description, received_at, urgency, reporter_name,
                reporter_phone, reporter_confidential, address, status, status_before_hold, due_at, resolved_at,
                closed_at, resolution, visit_result, rework_count, version, created_at, updated_at,
                neighbourhood_id, estate_id, category_id)
            SELECT %(prefix)s || '-' || g, '基准案件' || g, '基准', received, 'normal', '',
                CASE WHEN r3 < 0.02 THEN '137' || lpad(floor(r4 * %(frequent)s)::int::text, 8, '0')
                     WHEN r3 < 0.8 THEN '139' || lpad(floor(r4 * %(phones)s)::int::text, 8, '0') ELSE '' END,
                false, '',
                CASE WHEN received > now() - interval '20 days' THEN 'in_progress' ELSE 'closed' END, '',
                received + interval '7 days',
                CASE WHEN received > now() - interval '20 days' THEN NULL ELSE received + interval '5 days' END,
                CASE WHEN received > now() - interval '20 days' THEN NULL ELSE received + interval '6 days' END,
                '', CASE WHEN received > now() - interval '20 days' THEN '' ELSE 'satisfied' END, 0, 1, now(), now(),
                (%(hoods)s::bigint[])[slot], (%(estates)s::bigint[])[slot],
                (%(categories)s::bigint[])[1 + floor(r2 * r2 * %(ncat)s)::int]
            FROM (
                SELECT g, random() AS r2, random() AS r3, random() AS r4,
                    1 + floor(random() * %(nestates)s)::int AS slot,
                    now() - ((%(n)s - g)::float / %(n)s) * interval '%(days)s days'
                        - random() * interval '6 hours' AS received
                FROM generate_series(1, %(n)s) AS g
            ) AS rows
            """,
            {
                "prefix": PREFIX,
                "n": n,
                "days": YEARS * 365,
                "phones": max(1000, int(n * 0.6)),
                "frequent": max(30, n // 3000),
                "hoods": hood_ids,
                "estates": estate_ids,
                "nestates": len(estate_ids),
                "categories": categories,
                "ncat": len(categories),
            },
        )
        print(f"  {n:,} cases inserted in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        cursor.execute(
            """
            INSERT INTO matters_caselink (kind, score, reasons, status, created_at, case_a_id, case_b_id)
            SELECT DISTINCT ON (a, b) CASE WHEN k < 0.5 THEN 'same_matter' ELSE 'same_class' END, 0.8, '[]',
                'suggested', now(), a, b
            FROM (
                SELECT g AS a, g + 1 + floor(random() * 20)::int AS b, random() AS k
                FROM generate_series(1, %(n)s) AS g WHERE random() < 0.3
            ) AS pairs
            WHERE b <= %(n)s
            ON CONFLICT DO NOTHING
            """,
            {"n": n},
        )
        classes = [
            MatterClass.objects.create(
                title=f"基准一类事{i}", status=ClassStatus.CONFIRMED, category_id=categories[i % 5]
            )
            for i in range(60)
        ]
        cursor.execute(
            """
            INSERT INTO matters_membership (matter_class_id, case_id, completed, added_at)
            SELECT (%(classes)s::bigint[])[1 + floor(random() * %(nclasses)s)::int], g, false, now()
            FROM generate_series(1, %(n)s) AS g WHERE random() < 0.02
            """,
            {"n": n, "classes": [c.pk for c in classes], "nclasses": len(classes)},
        )
        print(f"  links and class memberships inserted in {time.monotonic() - started:.1f} s")
    # The contract's scene: six cases of one category at a new estate in the last three days.
    hood = Neighbourhood.objects.get(name="预警基准居民区00")
    fresh = Estate.objects.get_or_create(name="预警基准新小区", defaults={"neighbourhood": hood})[0]
    now = timezone.now()
    Case.objects.bulk_create(
        Case(
            reference=f"{PREFIX}-scene-{i}",
            title="电梯停运",
            description="基准",
            received_at=now - timedelta(hours=6 + i * 10),
            neighbourhood=hood,
            estate=fresh,
            category_id=categories[-1],
            reporter_phone=f"1370000{i:04d}",
            due_at=now + timedelta(days=5),
        )
        for i in range(6)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case; ANALYZE matters_caselink; ANALYZE matters_membership")


def timed(label: str, function, *args, **kwargs):
    started = time.monotonic()
    result = function(*args, **kwargs)
    elapsed = time.monotonic() - started
    size = len(result) if isinstance(result, list) else result
    print(f"  {label:<28} {elapsed:7.2f} s   {size}")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run it on PostgreSQL: DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    bench_cases = Case.objects.filter(reference__startswith=f"{PREFIX}-").count()
    if args.reseed or bench_cases != args.n + 6:
        print(f"seeding {args.n:,} cases")
        seed(args.n)
        rollups.rebuild()  # bulk inserts pass by the case services: the dashboards' roll-ups are recounted
    Warning.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('cases_case')), count(*) FROM cases_case")
        size, count = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM matters_caselink")
        (links,) = cursor.fetchone()
    print(f"database: {connection.settings_dict['NAME']}: {count:,} cases ({size} with indexes), {links:,} links")
    at = timezone.now()
    totals = 0.0
    for rule in (detect.surges, detect.many_residents, detect.repeat_callers, detect.recurrences):
        _found, elapsed = timed(rule.__name__, rule, at)
        totals += elapsed
    print(f"  {'four rules, reading only':<28} {totals:7.2f} s")
    counts, _elapsed = timed("detect_warnings (records)", services.warnings_detect, at=at)
    print(f"  raised: { {kind: c['raised'] for kind, c in counts.items()} }")
    counts, _elapsed = timed("detect_warnings again", services.warnings_detect, at=at)
    print(f"  raised the second time: {sum(c['raised'] for c in counts.values())}")
    surge = Warning.objects.filter(kind="surge", estate__name="预警基准新小区").first()
    print(f"  the scene's surge: {surge.title if surge else 'MISSING'} ({surge.cases.count() if surge else 0} cases)")
    timed("reminder pass (due/overdue)", lambda: notify_services._due_states(at))


if __name__ == "__main__":
    main()
