"""Case-desk benchmark: seed N cases in bulk, then time the list and detail pages as a staff member.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ruziniu_bench .venv/bin/python bench/cases.py --n 100000

Seeding is idempotent: bench cases carry external_id "bench-…" and a second run only tops up to N. Each page is
requested through Django's test Client (the whole middleware stack, in process), so the time is server time
without the network. The printed query counts come from CaptureQueriesContext; the list is also measured with
two page sizes to show that its query count does not grow with the page.
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
os.environ.setdefault("DATABASE_PARALLEL_WORKERS", "0")  # as in a web process (deploy/gunicorn.conf.py)

import gc

import django

django.setup()
# As a web worker does once it has loaded the app (post_worker_init in deploy/gunicorn.conf.py): what lives for
# the whole process is moved out of the collector's reach, so that a full collection no longer walks it.
gc.freeze()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import roles  # noqa: E402
from accounts.models import Profile  # noqa: E402
from cases.models import (  # noqa: E402
    OPEN_STATUSES,
    Case,
    CaseCounter,
    CaseEvent,
    Category,
    Channel,
    Department,
    EventKind,
    RequestType,
    Status,
)
from dashboards import rollups  # noqa: E402
from places.models import Building, Estate  # noqa: E402

BATCH = 2000
PROBLEMS = {
    "电梯": ["电梯频繁停运", "电梯困人", "电梯老化需要更换", "电梯异响抖动", "电梯维保无人负责"],
    "漏水渗水": ["楼上卫生间漏水", "屋面渗漏", "外墙渗水", "水管爆裂"],
    "油烟噪音": ["饭店油烟扰民", "夜间施工噪音", "空调外机噪音", "广场舞音响太响"],
    "快递驿站": ["快递驿站夜间卸货噪音", "驿站占道堆放包裹"],
    "独居老人": ["独居老人多日未出门", "独居老人申请助餐", "独居老人需要探访"],
    "物业更替": ["物业撤场无人管理", "选聘新物业进展缓慢", "原物业不移交资料"],
    "物业服务": ["楼道灯不亮", "门禁损坏", "物业费上涨有异议", "绿化无人修剪"],
    "停车管理": ["外来车辆占用车位", "小区停车收费不合理"],
    "征收签约": ["旧改补偿方案咨询", "家庭内部意见不一", "签约后搬迁时间"],
    "电动车充电": ["楼道飞线充电", "建议增设充电桩"],
}
DETAILS = [
    "已经反映过好几次，一直没有解决。",
    "家里有老人和小孩，影响很大。",
    "希望相关部门尽快处理。",
    "邻居们意见都很大，请街道帮忙协调。",
    "物业说不归他们管，不知道该找谁。",
    "这个问题已经持续一个多月了。",
]


def seed(n: int, rng: random.Random) -> int:
    """Top the database up to `n` bench cases; returns how many were added."""
    have = Case.objects.filter(external_id__startswith="bench-").count()
    if have >= n:
        return 0
    leaves = {c.name: c for c in Category.objects.filter(parent__isnull=False)}
    categories = [leaves[name] for name in PROBLEMS if name in leaves]
    estates = list(Estate.objects.select_related("neighbourhood"))
    buildings: dict[int, list[Building]] = {}
    for building in Building.objects.all():
        buildings.setdefault(building.estate_id, []).append(building)
    channels, types = list(Channel.objects.all()), list(RequestType.objects.all())
    departments = list(Department.objects.all())
    actor = staff_user()
    statuses = [Status.CLOSED] * 12 + [Status.RESOLVED] * 2 + list(OPEN_STATUSES) * 1
    now = timezone.now()
    year = timezone.localdate().year
    added = 0
    while have + added < n:
        size = min(BATCH, n - have - added)
        with transaction.atomic():
            CaseCounter.objects.bulk_create([CaseCounter(year=year)], ignore_conflicts=True)
            counter = CaseCounter.objects.select_for_update(no_key=True).get(year=year)
            first, counter.last = counter.last + 1, counter.last + size
            counter.save(update_fields=["last"])
            cases = []
            for offset in range(size):
                number = have + added + offset + 1
                category = rng.choice(categories)
                estate = rng.choice(estates)
                building = rng.choice(buildings[estate.pk]) if buildings.get(estate.pk) else None
                received = now - timedelta(days=rng.uniform(0, 730), minutes=rng.randint(0, 600))
                status = rng.choice(statuses)
                problem = rng.choice(PROBLEMS[category.name])
                done = status in (Status.RESOLVED, Status.CLOSED)
                cases.append(
                    Case(
                        reference=f"{settings.CASE_REFERENCE_PREFIX}-{year}-{first + offset:06d}",
                        external_id=f"bench-{number:07d}",
                        title=f"{estate.name}{problem}",
                        description=f"{estate.name}{building.number if building else ''}{problem}。"
                        + "".join(rng.sample(DETAILS, 2)),
                        category=category,
                        channel=rng.choice(channels),
                        request_type=rng.choice(types),
                        received_at=received,
                        reporter_name=rng.choice("王李张刘陈杨黄赵吴周") + rng.choice(["先生", "女士", "阿姨"]),
                        reporter_phone=f"139{rng.randint(0, 99_999_999):08d}",
                        neighbourhood=estate.neighbourhood,
                        estate=estate,
                        building=building,
                        lead_department=rng.choice(departments) if status != Status.NEW else None,
                        status=status,
                        first_contact_due=received + timedelta(days=1),
                        due_at=received + timedelta(days=7),
                        accepted_at=received + timedelta(hours=10) if status != Status.NEW else None,
                        resolved_at=received + timedelta(days=5) if done else None,
                        closed_at=received + timedelta(days=7) if status == Status.CLOSED else None,
                        visit_result="satisfied" if status == Status.CLOSED else "",
                        created_by=actor,
                    )
                )
            Case.objects.bulk_create(cases)
            CaseEvent.objects.bulk_create(
                CaseEvent(
                    case=case,
                    kind=EventKind.CREATED,
                    actor=actor,
                    to_status=Status.NEW,
                    created_at=case.received_at,
                    case_version=1,
                )
                for case in cases
            )
        added += size
        print(f"\rseeded {have + added}/{n}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return added


def long_timeline_case(events: int) -> Case:
    """A case worked through the services until its timeline has `events` lines: dispatched, accepted, started,
    then notes, reminders, supervision and edits in turn (made once, found again by its external id)."""
    from cases import services

    key = f"bench-timeline-{events}"
    case = Case.objects.filter(external_id=key).first()
    if case is not None:
        return case
    actor = staff_user()
    estate = Estate.objects.select_related("neighbourhood").order_by("pk").first()
    data = {
        "title": f"{estate.name}电梯频繁停运",
        "description": f"{estate.name}电梯频繁停运，已经反映过好几次，一直没有解决。",
        "category": Category.objects.get(name="电梯"),
        "channel": Channel.objects.order_by("pk").first(),
        "request_type": RequestType.objects.order_by("pk").first(),
        "received_at": timezone.now() - timedelta(days=3),
        "reporter_name": "王先生",
        "reporter_phone": "13900000000",
        "neighbourhood": estate.neighbourhood,
        "estate": estate,
        "external_id": key,
    }
    case = services.case_create(actor=actor, data=data)
    services.case_transition(
        case_id=case.pk,
        actor=actor,
        action="dispatch",
        assignee=actor,
        lead_department=Department.objects.order_by("pk").first(),
    )
    services.case_transition(case_id=case.pk, actor=actor, action="accept")
    services.case_transition(case_id=case.pk, actor=actor, action="start")
    turn = 0
    while case.events.count() < events:
        turn += 1
        if turn % 4 == 0:
            case.refresh_from_db()
            services.case_update(
                case_id=case.pk,
                actor=actor,
                expected_version=case.version,
                data={"address": f"{turn}号门口", "reporter_phone": f"1390000{turn:04d}"},
            )
        else:
            action = ("note", "remind", "supervise")[turn % 3]
            services.case_transition(
                case_id=case.pk,
                actor=actor,
                action=action,
                note=f"第{turn}次跟进：已联系物业，回电 1390000{turn:04d}。",
            )
    return case


def staff_user() -> User:
    user, made = User.objects.get_or_create(username="bench-staff", defaults={"last_name": "bench"})
    if made:
        user.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
        Profile.objects.get_or_create(user=user)
    return user


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def request(client: Client, url: str) -> tuple[float, float, float, int, int]:
    """(total ms, ms waiting for SQL, Python CPU ms, number of queries, status code) of one GET."""
    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        total, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    sql = sum(float(query["time"]) for query in captured.captured_queries) * 1000
    return total, sql, cpu, len(captured), response.status_code


def measure(urls: list[str], client: Client, repeat: int) -> tuple[float, float, float, float, str]:
    """(p50 ms, p95 ms, p50 SQL ms, p50 Python CPU ms, query counts) over `repeat` requests cycling through
    `urls`, after a warm-up. On a busy machine the wall times include waiting for a core; the CPU column does not."""
    client.get(urls[0])
    totals, sqls, cpus, counts = [], [], [], set()
    for index in range(repeat):
        url = urls[index % len(urls)]
        total, sql, cpu, count, status = request(client, url)
        assert status == 200, f"{url} answered {status}"
        totals.append(total)
        sqls.append(sql)
        cpus.append(cpu)
        counts.add(count)
    shown = "-".join(str(count) for count in sorted(counts))
    return statistics.median(totals), percentile(totals, 0.95), statistics.median(sqls), statistics.median(cpus), shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of bench cases (default 100000)")
    parser.add_argument("--repeat", type=int, default=40, help="requests per page (default 40)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    call_command("migrate", verbosity=0)
    for module in ("places.demo", "cases.reference"):
        __import__(module, fromlist=["load"]).load()
    started = time.perf_counter()
    added = seed(args.n, rng)
    seeded = time.perf_counter() - started
    if added:
        rollups.rebuild()  # bulk_create passes by the case services: the dashboards' roll-ups are recounted
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = Case.objects.count()

    client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".") or "localhost")
    client.force_login(staff_user())
    hood = Case.objects.filter(external_id__startswith="bench-").values_list("neighbourhood", flat=True).first()
    elevator = Category.objects.filter(name="电梯").values_list("pk", flat=True).first()
    # A reference from the middle of the bench cases, typed as a clerk reads it off a work order.
    reference = Case.objects.filter(external_id=f"bench-{args.n // 2:07d}").values_list("reference", flat=True).first()
    list_url = reverse("cases:list")
    pages = [
        ("list, unfiltered", list_url),
        ("list, page 200", f"{list_url}?page=200"),
        ("list, filtered", f"{list_url}?status=in_progress&status=accepted&neighbourhood={hood}&category={elevator}"),
        ("list, overdue", f"{list_url}?overdue=1"),
        ("list, sorted by due date", f"{list_url}?sort=due_at"),
        ("list, searched 电梯", f"{list_url}?q=电梯"),
        ("list, searched 困人 + filter", f"{list_url}?q=困人&neighbourhood={hood}"),
        # Two words: both must match (about one elevator case in five says 困人).
        ("list, searched 电梯 困人", f"{list_url}?q=电梯+困人"),
        ("list, searched a reference", f"{list_url}?q={reference}"),
    ]
    ids = list(
        Case.objects.filter(external_id__startswith="bench-").values_list("pk", flat=True)[:: max(1, total // 50)]
    )

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"database: {connection.vendor}, cases: {total} ({added} seeded in {seeded:.1f}s), repeat: {args.repeat}")
    print(f"load average at start: {load:.1f} on {os.cpu_count()} cores (DEBUG={settings.DEBUG})")
    print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'SQL ms':>8} {'CPU ms':>8} {'queries':>8}")
    details = [reverse("cases:detail", args=[pk]) for pk in ids]
    short, long = (reverse("cases:detail", args=[long_timeline_case(n).pk]) for n in (5, 50))
    pages += [("detail, 5-line timeline", short), ("detail, 50-line timeline", long)]
    for label, urls in [*((label, [url]) for label, url in pages), ("detail (50 cases in turn)", details)]:
        p50, p95, sql, cpu, queries = measure(urls, client, args.repeat)
        print(f"{label:32} {p50:8.1f} {p95:8.1f} {sql:8.1f} {cpu:8.1f} {queries:>8}")

    from cases import views

    counts = {}
    original = views.PAGE_SIZE
    for size in (10, 100):
        views.PAGE_SIZE = size
        counts[size] = measure([list_url], client, 3)[-1]
    views.PAGE_SIZE = original
    print(f"list queries with 10 vs 100 rows a page: {counts[10]} vs {counts[100]}")


if __name__ == "__main__":
    main()
