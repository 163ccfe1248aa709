"""Benchmark the dashboards at city scale.

Seeds N cases straight into the database (bulk_create, realistic states over three years; the roll-ups are then
rebuilt, as after any bulk load), then requests the sub-district overview (as staff) and one neighbourhood's
dashboard (as its committee member), for the default period and for chosen ones (the last 90 days, a year that
does not start on the first of a month, a neighbourhood over a chosen period, all time), and prints p50/p95
response time and the SQL query count of each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ruziniu_dashbench .venv/bin/python bench/dashboard.py --n 100000

The database is migrated first. Seeding is skipped when it already holds exactly N bench cases (--reseed forces it).
--live-only skips the snapshot part (which recomputes every default dashboard).
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import roles  # noqa: E402
from accounts.models import Profile  # noqa: E402
from cases import reference  # noqa: E402
from cases.models import ANSWERED_RESULTS, Case, Category, Channel, RequestType, Status, Team, Urgency, VisitResult  # noqa: E402
from dashboards import rollups, snapshots  # noqa: E402
from methods.models import Method  # noqa: E402
from places.models import Estate, Neighbourhood  # noqa: E402

HOODS = 14
ESTATES_PER_HOOD = 12
PREFIX = "BENCH"


def seed_places_and_people():
    reference.load()
    hoods = [
        Neighbourhood.objects.get_or_create(name=f"基准居民区{index:02d}", defaults={"sort_order": index})[0]
        for index in range(HOODS)
    ]
    estates = {
        hood.pk: [
            Estate.objects.get_or_create(name=f"{hood.name}小区{index:02d}", defaults={"neighbourhood": hood})[0]
            for index in range(ESTATES_PER_HOOD)
        ]
        for hood in hoods
    }
    teams = [Team.objects.get_or_create(name=f"基准专班{index}")[0] for index in range(6)]
    methods = [
        Method.objects.get_or_create(number=900 + index, defaults={"name": f"基准工作法{index}"})[0]
        for index in range(12)
    ]
    staff = _user("bench-staff", roles.STAFF, None)
    committee = _user("bench-committee", roles.COMMITTEE, hoods[0])
    return hoods, estates, teams, methods, staff, committee


def _user(username, role, hood):
    user, _ = User.objects.get_or_create(username=username)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    Profile.objects.update_or_create(user=user, defaults={"neighbourhood": hood})
    return user


def open_share(age: timedelta) -> float:
    """How many accepted cases of this age are still open: most recent ones, few old ones (some overdue)."""
    if age < timedelta(days=3):
        return 1.0
    if age < timedelta(days=30):
        return 0.1
    return 0.02 if age < timedelta(days=180) else 0.003


def make_cases(n, hoods, estates, teams, methods, rng):
    """N cases in the states real ones end up in: mostly closed, some open, some overdue, some reworked."""
    categories = list(Category.objects.exclude(parent=None))
    channels, types = list(Channel.objects.all()), list(RequestType.objects.all())
    now = timezone.now()
    year = timezone.localdate().year
    for index in range(n):
        hood = rng.choice(hoods)
        age = timedelta(days=min(rng.expovariate(1 / 300), 3 * 365), seconds=rng.randrange(86400))
        received = now - age
        case = Case(
            reference=f"{PREFIX}-{year}-{index:07d}",
            title="基准案件",
            description="楼道堆物、电梯故障、油烟噪音等群众诉求（基准测试数据）",
            category=rng.choice(categories),
            channel=rng.choice(channels),
            request_type=rng.choice(types),
            urgency=Urgency.NORMAL,
            received_at=received,
            neighbourhood=hood,
            estate=rng.choice(estates[hood.pk]) if rng.random() < 0.9 else None,
            team=rng.choice(teams) if rng.random() < 0.6 else None,
            first_contact_due=received + timedelta(days=1),
            due_at=received + timedelta(days=7),
        )
        case.created_at = case.updated_at = received
        if age < timedelta(hours=6):
            case.status = rng.choice([Status.NEW, Status.DISPATCHED])
        else:
            case.accepted_at = received + timedelta(hours=rng.choice([2, 5, 20, 30, 50]))
            if case.accepted_at > now:
                case.accepted_at = None
                case.status = Status.DISPATCHED
            elif rng.random() < open_share(age):
                case.status = rng.choice([Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD])
            else:
                case.method = rng.choice(methods)
                case.resolved_at = min(received + timedelta(days=rng.lognormvariate(1.3, 0.8)), now)
                case.status = Status.RESOLVED
                if case.resolved_at + timedelta(days=2) < now and rng.random() < 0.85:
                    # An answer recorded by an independent 回访员, as cases.visits records it.
                    case.visit_result = rng.choices(ANSWERED_RESULTS, weights=[70, 20, 10])[0]
                    case.visit_independent = True
                    if case.visit_result == VisitResult.UNSATISFIED:
                        case.rework_count = 1
                        if rng.random() < 0.5:
                            case.status, case.resolved_at = Status.IN_PROGRESS, None
                    else:
                        case.status, case.closed_at = Status.CLOSED, case.resolved_at + timedelta(days=2)
        yield case


def seed(n, rng):
    hoods, estates, teams, methods, staff, committee = seed_places_and_people()
    existing = Case.objects.filter(reference__startswith=PREFIX).count()
    if existing == n and not ARGS.reseed:
        print(f"using the {n} bench cases already in the database")
        if ARGS.rebuild:
            rebuild()
        return hoods, staff, committee
    print(f"seeding {n} cases …", flush=True)
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE cases_case RESTART IDENTITY CASCADE")
    else:
        Case.objects.all()._raw_delete(Case.objects.db)
    batch = []
    for case in make_cases(n, hoods, estates, teams, methods, rng):
        batch.append(case)
        if len(batch) == 10_000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    rebuild()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cases_case")
    return hoods, staff, committee


def rebuild():
    """bulk_create bypasses the case services, so the roll-ups are recounted (manage.py rebuild_rollups)."""
    started = time.perf_counter()
    rows = rollups.rebuild()
    print(f"rebuild_rollups: {rows} rows in {time.perf_counter() - started:.1f} s", flush=True)


def measure(client, url, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, len(queries.captured_queries)


def main():
    rng = random.Random(6)
    call_command("migrate", verbosity=0)
    hoods, staff, committee = seed(ARGS.n, rng)
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    reset_queries()
    total = Case.objects.count()
    vendor = connection.vendor
    print(f"database: {vendor}; cases: {total}; neighbourhoods: {len(hoods)}; runs per page: {ARGS.runs}")
    print(f"roll-up rows: {rollups.Rollup.objects.count()}")
    overview = reverse("dashboards:overview")
    neighbourhood = reverse("dashboards:neighbourhood", args=[hoods[0].pk])
    today = timezone.localdate()
    last_90 = f"?received_after={today - timedelta(days=90)}"
    a_year = f"?received_after={today - timedelta(days=400)}&received_before={today - timedelta(days=35)}"
    settings.DASHBOARD_SNAPSHOT_MINUTES = 0
    report(
        "live",
        [
            ("overview (staff)", staff, overview),
            ("neighbourhood (committee)", committee, neighbourhood),
            ("overview, last 90 days", staff, overview + last_90),
            ("overview, 365 days to 35 days ago", staff, overview + a_year),
            ("overview, all time", staff, overview + "?received_after="),
            ("neighbourhood, last 90 days (comm.)", committee, neighbourhood + last_90),
            ("neighbourhood, 365 d to 35 d (staff)", staff, neighbourhood + a_year),
        ],
    )
    if ARGS.live_only:
        return
    settings.DASHBOARD_SNAPSHOT_MINUTES = 10
    started = time.perf_counter()
    count = snapshots.refresh_all()
    print(f"refresh_dashboards: {count} snapshots in {time.perf_counter() - started:.1f} s ({total} cases)")
    report(
        "snapshot",
        [
            ("overview (staff)", staff, overview),
            ("neighbourhood (committee)", committee, neighbourhood),
            ("overview, all time: live (staff)", staff, overview + "?received_after="),
        ],
    )


def report(mode, pages):
    total = Case.objects.count()
    for label, user, url in pages:
        client = Client()
        client.force_login(user)
        client.get(url)  # warm up
        p50, p95, count = measure(client, url, ARGS.runs)
        print(
            f"{mode:8s} {label:38s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {count:2d} SQL queries  "
            f"({total} cases, load {os.getloadavg()[0]:.1f})",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="number of cases to seed (default 100000)")
    parser.add_argument("--runs", type=int, default=20, help="requests per page (default 20)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if N bench cases exist")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the roll-ups of existing bench cases")
    parser.add_argument("--live-only", action="store_true", help="skip the snapshot part")
    ARGS = parser.parse_args()
    main()
