"""Method-handbook benchmark: suggestion, record and handbook pages over N bench cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ruziniu_methodbench .venv/bin/python bench/methods.py --n 100000

Seeds cases with bench/cases.py's seeder (idempotent), gives every resolved/closed bench case one of the five
seeded methods (by id modulo 5), then times `suggest_methods` for an elevator case, `method_record`, and the
handbook index and a method page through Django's test Client (server time, no network).
"""

import argparse
import importlib.util
import os
import random
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.functions import Mod  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from cases.models import DONE_STATUSES, Case, Category  # noqa: E402
from methods import seed as method_seed  # noqa: E402
from methods.models import Method  # noqa: E402
from methods.selectors import method_record, suggest_methods  # noqa: E402

# bench/cases.py's seeder and timer, loaded by path: its module name would shadow the `cases` app.
_spec = importlib.util.spec_from_file_location("case_bench", BENCH / "cases.py")
case_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(case_bench)


def timed(function, repeat: int) -> tuple[float, float]:
    function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    for module in ("places.demo", "cases.reference"):
        __import__(module, fromlist=["load"]).load()
    method_seed.load()
    case_bench.seed(args.n, random.Random(7))
    methods = list(Method.objects.order_by("number"))
    bench = Case.objects.filter(external_id__startswith="bench-", status__in=DONE_STATUSES, method__isnull=True)
    for index, method in enumerate(methods):
        bench.annotate(slot=Mod("id", len(methods))).filter(slot=index).update(method=method)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    elevator = Category.objects.get(parent__name="房屋管理", name="电梯")
    total = Case.objects.count()
    with_method = Case.objects.filter(method__isnull=False).count()
    print(f"{connection.vendor}: {total} cases, {with_method} with a method")
    text = "福安大厦电梯老化需要更换，物业撤场后维保无人负责"
    p50, p95 = timed(lambda: suggest_methods(category=elevator, text=text), args.repeat)
    print(f"suggest_methods(电梯, text)        p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    staff = case_bench.staff_user()
    p50, p95 = timed(lambda: method_record(methods[0]), args.repeat)
    print(f"method_record(一线工作法)           p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".") or "localhost")
    client.force_login(staff)
    for label, url in (
        ("handbook index", reverse("methods:index")),
        ("method page", reverse("methods:detail", args=[methods[0].pk])),
    ):
        p50, p95, queries, status = case_bench.measure(client, url, args.repeat)
        print(f"{label:33s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries} queries  HTTP {status}")


if __name__ == "__main__":
    main()
