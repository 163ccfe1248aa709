"""Load test: N signed-in users against gunicorn + PostgreSQL + Redis + a Celery worker, all on 127.0.0.1.

Each user signs in through the login form, then for --seconds mixes: the case list, a search, a case's
page, logging a new case through the form, and moving its own cases on (派单 → 签收 → 开始办理 → 备注).
It prints requests, errors and p50/p95/p99 (overall and per action), then checks that every case whose
creation the server confirmed is in the database exactly once, and nothing else was created.

    .venv/bin/python bench/load.py                      # 50 users, 60 s, 1 s think time
    .venv/bin/python bench/load.py --users 20 --seconds 30 --think 0

The script makes (or reuses) its own database (--database, default ruziniu_loadbench on the local
PostgreSQL), starts a private redis-server, a worker and gunicorn (DEBUG off) on free ports, and stops
them when done. gunicorn reads deploy/gunicorn.conf.py and the worker runs at nice 10, as deployed
(deploy/systemd). Nothing leaves 127.0.0.1. Latencies are measured by the client, so they include its
own queueing on the same two cores; the client's own CPU time is printed too.
"""

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-bench-Pa55word!"
TITLE_PREFIX = "压测"
SEARCH_WORDS = ["电梯", "噪音", "漏水", "停车", "垃圾", "路灯"]
ACTIONS = {"list": 30, "search": 15, "detail": 25, "create": 15, "move": 15}
WORKER_NICE = 10  # deploy/systemd/ruziniu-worker.service and deploy/Procfile
NEXT_MOVE = {"new": "dispatch", "dispatched": "accept", "accepted": "start", "in_progress": "note"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gave up waiting for {what}")


# --- the services ---------------------------------------------------------------------------------


class Services:
    """redis-server, a Celery worker and gunicorn, each a child process that is stopped on exit."""

    def __init__(self, env: dict, web_workers: int | None, logs: Path, *, instances: int = 1, queues: int = 1):
        self.env, self.web_workers, self.logs, self.processes = env, web_workers, logs, []
        self.instances, self.queues = instances, queues
        if queues > 1:  # the similarity tasks on a queue of their own, with a worker of their own
            self.env["CELERY_SIMILARITY_QUEUE"] = f"{self.env.get('CELERY_QUEUE', 'ruziniu')}-similarity"
        self.named: dict[str, subprocess.Popen] = {}
        self.redis_port, self.web_port = free_port(), free_port()
        self.env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{self.redis_port}/0"

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        self.named[name] = process
        return process

    def start_redis(self) -> None:
        redis_command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port)]
        self.spawn("redis", [*redis_command, "--save", "", "--appendonly", "no", "--dir", str(self.logs)])
        wait_until(lambda: _redis_ping(self.redis_port), 10, "redis-server")

    def start_app(self) -> None:
        # As deploy/systemd/ruziniu-worker.service (Nice=10): background work yields the CPU to the pages.
        celery = ["nice", "-n", str(WORKER_NICE), sys.executable, "-m", "celery", "-A", "governance", "worker"]
        celery += ["-c", "1", "-l", "warning", "--without-heartbeat", "--without-mingle", "--without-gossip"]
        for name, queue in self.queue_names().items():
            self.spawn(name, [*celery, "-Q", queue, "-n", f"{name}@%h"])
        # The deployed server settings (deploy/gunicorn.conf.py); --web-workers overrides WEB_CONCURRENCY. Several
        # instances share the port (SO_REUSEPORT: the kernel spreads the connections), as several web machines
        # behind one load balancer would: nothing but PostgreSQL and Redis is shared between them.
        gunicorn = [sys.executable, "-m", "gunicorn", "governance.wsgi", "-c", "deploy/gunicorn.conf.py"]
        gunicorn += ["--bind", f"127.0.0.1:{self.web_port}"]
        if self.instances > 1:
            gunicorn += ["--reuse-port"]
        if self.web_workers:
            gunicorn += ["--workers", str(self.web_workers)]
        for index in range(self.instances):
            self.spawn("gunicorn" if index == 0 else f"gunicorn{index + 1}", gunicorn)
        wait_until(lambda: _get_status(self.web_port, "/healthz") == 200, 30, "gunicorn /healthz")

    def queue_names(self) -> dict[str, str]:
        """Worker name -> the queue it serves."""
        default = self.env.get("CELERY_QUEUE", "ruziniu")
        if self.queues == 1:
            return {"worker": default}
        return {"worker": default, "similarity-worker": self.env["CELERY_SIMILARITY_QUEUE"]}

    def queued(self) -> int:
        """Messages waiting in the app's queues (the seeding's similarity tasks, at first)."""
        waiting = 0
        for queue in set(self.queue_names().values()):
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=2) as sock:
                sock.sendall(f"LLEN {queue}\r\n".encode())
                waiting += int(sock.recv(64).decode().strip().lstrip(":") or 0)
        return waiting

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


def _get_status(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


# --- where the CPU goes ---------------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, float, str]]:
    """Every process on the machine: pid -> (parent pid, CPU seconds so far, command line)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, command)
    return found


def cpu_by_role(services: "Services", database: str) -> dict[str, float]:
    """CPU seconds used so far by each part of the system: gunicorn (master and workers), the Celery worker,
    redis, and the PostgreSQL backends serving this run's database (those still connected)."""
    table = _processes()
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (parent, _cpu, _command) in table.items():
        children[parent].append(pid)

    def tree(pid: int) -> float:
        return table.get(pid, (0, 0.0, ""))[1] + sum(tree(child) for child in children[pid])

    roles = {name: tree(process.pid) for name, process in services.named.items()}
    roles["database"] = sum(cpu for _, cpu, command in table.values() if f" {database} " in command)
    return roles


# --- the database ---------------------------------------------------------------------------------


def prepare_database(args) -> dict:
    """Migrate, load the reference data, and make the places, users and starting cases (once)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from accounts import roles
    from cases import reference
    from cases.models import Case, Category, Channel, Department, RequestType
    from cases.services import case_create
    from places.models import Estate, HousingType, Neighbourhood
    from tests.conftest import make_user

    call_command("migrate", verbosity=0)
    reference.load()
    hoods = [Neighbourhood.objects.get_or_create(name=f"压测居民区{n}")[0] for n in range(4)]
    for hood in hoods:
        Estate.objects.get_or_create(
            neighbourhood=hood, name=f"{hood.name}小区", defaults={"housing_type": HousingType.COMMODITY}
        )
    from django.contrib.auth.models import User

    usernames = []
    for n in range(args.users):
        username = f"load{n:03d}"
        if not User.objects.filter(username=username).exists():
            committee = n % 5 == 4  # one user in five is a committee member, the rest street-office staff
            user = make_user(
                username, roles.COMMITTEE if committee else roles.STAFF, hoods[n % 4] if committee else None
            )
            user.set_password(PASSWORD)
            user.save()
        usernames.append(username)
    staff = User.objects.get(username="load000")
    categories = list(Category.objects.exclude(parent=None))
    channel, request_type = Channel.objects.first(), RequestType.objects.first()
    missing = args.seed_cases - Case.objects.exclude(title__startswith=TITLE_PREFIX).count()
    for n in range(max(0, missing)):
        word = SEARCH_WORDS[n % len(SEARCH_WORDS)]
        case_create(
            actor=staff,
            data={
                "title": f"{word}问题 {n}",
                "description": f"居民反映{word}问题，已持续一段时间，请尽快处理。",
                "category": categories[n % len(categories)],
                "neighbourhood": hoods[n % 4],
                "received_at": timezone.now() - timezone.timedelta(days=n % 300),
                "channel": channel,
                "request_type": request_type,
            },
        )
    return {
        "usernames": usernames,
        "case_ids": list(Case.objects.values_list("pk", flat=True)),
        "form": {
            "category": categories[0].pk,
            "channel": channel.pk,
            "request_type": request_type.pk,
            "hoods": [hood.pk for hood in hoods],
            "department": Department.objects.filter(is_active=True).first().pk,
        },
    }


# --- a user ---------------------------------------------------------------------------------------


class Browser:
    """One signed-in person: a keep-alive connection, cookies and a CSRF token."""

    def __init__(self, port: int):
        self.port, self.cookies, self.committee = port, {}, False
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()  # the whole answer arrives before the clock stops; nobody reads it, so no decoding
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        for value in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers

    def sign_in(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        status, _ = self.request("POST", "/accounts/login/", {"username": username, "password": PASSWORD})
        if status != 302:
            raise SystemExit(f"{username} could not sign in: HTTP {status}")


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.timings = defaultdict(list)
        self.errors = defaultdict(int)
        self.error_samples = []
        self.created_titles = []  # confirmed by a redirect to the new case's page
        self.uncertain_titles = []  # the request failed in transit: the case may or may not exist

    def record(self, action: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.timings[action].append(seconds)
            if not ok:
                self.errors[action] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{action}: {detail}")


def user_loop(browser: Browser, world: dict, results: Results, deadline: float, think: float, seed: int) -> None:
    rng = random.Random(seed)
    own = {}  # case id -> status, for the cases this user logged
    browser.committee = seed % 5 == 4  # as made in prepare_database: committees cannot dispatch
    names, weights = list(ACTIONS), list(ACTIONS.values())
    while time.monotonic() < deadline:
        action = rng.choices(names, weights)[0]
        started = time.monotonic()
        try:
            ok, detail = ACTION_FUNCTIONS[action](browser, world, own, rng, results)
        except (OSError, http.client.HTTPException) as error:
            ok, detail = False, repr(error)
        results.record(action, time.monotonic() - started, ok, detail)
        if think:
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))


def do_list(browser, world, own, rng, results):
    status, _ = browser.request("GET", f"/cases/?page={rng.randint(1, 5)}")
    return status == 200, f"HTTP {status}"


def do_search(browser, world, own, rng, results):
    status, _ = browser.request("GET", "/cases/?" + urlencode({"q": rng.choice(SEARCH_WORDS)}))
    return status == 200, f"HTTP {status}"


def do_detail(browser, world, own, rng, results):
    # Committee members meet other neighbourhoods' cases too: a 404 there is the right answer.
    status, _ = browser.request("GET", f"/cases/{rng.choice(world['case_ids'])}/")
    return status in (200, 404), f"HTTP {status}"


def do_create(browser, world, own, rng, results):
    form = world["form"]
    title = f"{TITLE_PREFIX}-{uuid.uuid4().hex[:12]}"
    data = {
        "title": title,
        "description": "压力测试登记的案件：楼道堆物影响通行。",
        "request_type": form["request_type"],
        "category": form["category"],
        "channel": form["channel"],
        "received_at": time.strftime("%Y-%m-%dT%H:%M"),
        "urgency": "normal",
        "neighbourhood": rng.choice(form["hoods"]),
        "reporter_name": "压测居民",
        "reporter_phone": f"138{rng.randint(0, 99_999_999):08d}",  # callers are mostly different people
    }
    try:
        status, headers = browser.request("POST", "/cases/new/", data)
    except (OSError, http.client.HTTPException):
        with results.lock:
            results.uncertain_titles.append(title)
        raise
    location = headers.get("Location", "")
    match = re.search(r"/cases/(\d+)/$", location)
    if status != 302 or not match:
        return False, f"HTTP {status} {location}"
    with results.lock:
        results.created_titles.append(title)
    own[int(match.group(1))] = "new"
    return True, ""


def do_move(browser, world, own, rng, results):
    if not own:
        return do_detail(browser, world, own, rng, results)
    case_id = rng.choice(list(own))
    action = "note" if browser.committee else NEXT_MOVE[own[case_id]]
    data = {"action": action}
    if action == "dispatch":
        data["lead_department"] = world["form"]["department"]
    if action == "note":
        data["note"] = "已电话联系居民，约定上门时间。"
    status, _ = browser.request("POST", f"/cases/{case_id}/move/", data)
    if status != 302:
        return False, f"{action} HTTP {status}"
    own[case_id] = {"dispatch": "dispatched", "accept": "accepted", "start": "in_progress"}.get(action, own[case_id])
    return True, ""


ACTION_FUNCTIONS = {"list": do_list, "search": do_search, "detail": do_detail, "create": do_create, "move": do_move}


# --- running --------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's requests, seconds")
    parser.add_argument("--web-workers", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py)")
    parser.add_argument("--web-instances", type=int, default=1, help="gunicorn servers sharing the port")
    parser.add_argument("--queues", type=int, choices=(1, 2), default=1, help="2: similarity on its own worker")
    parser.add_argument("--seed-cases", type=int, default=1000, help="cases in the database before the run")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/ruziniu_loadbench")
    args = parser.parse_args()

    _ensure_database(args.database)
    logs = Path(tempfile.mkdtemp(prefix="ruziniu-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DEBUG": "false",
        "SECRET_KEY": "load-bench-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "AXES_FAILURE_LIMIT": "1000",
        "DJANGO_SETTINGS_MODULE": "governance.settings",
    }
    services = Services(env, args.web_workers, logs, instances=args.web_instances, queues=args.queues)
    os.environ.update({k: v for k, v in env.items() if k != "CELERY_BROKER_URL"})
    os.environ["CELERY_BROKER_URL"] = services.env["CELERY_BROKER_URL"]
    sys.path.insert(0, str(ROOT))
    services.start_redis()
    try:
        world = prepare_database(args)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=services.env,
            check=True,
        )
        from cases.models import Case

        before = Case.objects.count()
        services.start_app()
        drained = time.monotonic()
        wait_until(lambda: services.queued() == 0, 900, "the worker to empty the queue before the run")
        print(f"queue drained in {time.monotonic() - drained:.0f} s; load average {os.getloadavg()[0]:.1f}")
        browsers = []
        for username in world["usernames"]:
            browser = Browser(services.web_port)
            browser.sign_in(username)
            browsers.append(browser)
        results = Results()
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=user_loop, args=(b, world, results, deadline, args.think, n))
            for n, b in enumerate(browsers)
        ]
        database = args.database.rsplit("/", 1)[1]
        cpu_before = cpu_by_role(services, database)
        started, client_cpu = time.monotonic(), time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed, client_cpu = time.monotonic() - started, time.process_time() - client_cpu
        cpu_after = cpu_by_role(services, database)
        cpu = {role: cpu_after[role] - cpu_before.get(role, 0.0) for role in cpu_after} | {"client": client_cpu}
        caught_up = time.monotonic()
        wait_until(lambda: services.queued() == 0, 900, "the worker to empty the queue after the run")
        caught_up = time.monotonic() - caught_up
        # The similarity work of the run's cases, all of it: what the worker did while catching up counts too.
        worker_cpu = sum(
            seconds - cpu_before.get(role, 0.0)
            for role, seconds in cpu_by_role(services, database).items()
            if role in services.queue_names()
        )
    finally:
        services.stop()

    print(f"background work caught up {caught_up:.0f} s after the run (queues empty)")
    print(f"worker CPU for the run's work, catching up included: {worker_cpu:.1f} s")
    report(args, results, elapsed, cpu, before, len(world["case_ids"]), logs)
    return 0 if not sum(results.errors.values()) else 1


def _ensure_database(url: str) -> None:
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def report(args, results: Results, elapsed: float, cpu: dict, before: int, seeded: int, logs: Path) -> None:
    from django.db.models import Count

    from cases.models import Case

    everything = [t for values in results.timings.values() for t in values]
    errors = sum(results.errors.values())
    workers = args.web_workers or "deploy/gunicorn.conf.py"
    print(
        f"load: {args.users} users, {args.seconds:.0f} s, think {args.think:.1f} s, gunicorn workers: {workers}"
        f" × {args.web_instances} server(s) on one port, {args.queues} worker queue(s)"
    )
    print(f"data: {seeded} cases before the run; logs in {logs}")
    print(f"machine: {os.cpu_count()} cores, load average after the run {os.getloadavg()[0]:.1f} (shared machine)")
    print(f"requests: {len(everything)} in {elapsed:.1f} s ({len(everything) / elapsed:.1f}/s), errors: {errors}")
    count = max(1, len(everything))
    print(
        f"CPU during the run, {os.cpu_count()} cores × {elapsed:.0f} s = {os.cpu_count() * elapsed:.0f} s available: "
        + ", ".join(
            f"{role} {seconds:.1f} s ({seconds / count * 1000:.1f} ms/request)" for role, seconds in cpu.items()
        )
    )
    print(
        f"latency ms: p50 {percentile(everything, 0.5) * 1000:.0f}  p95 {percentile(everything, 0.95) * 1000:.0f}"
        f"  p99 {percentile(everything, 0.99) * 1000:.0f}  mean {statistics.fmean(everything) * 1000:.0f}"
    )
    for action, values in sorted(results.timings.items()):
        print(
            f"  {action:<7} n={len(values):<5} errors={results.errors[action]:<3}"
            f" p50 {percentile(values, 0.5) * 1000:.0f}  p95 {percentile(values, 0.95) * 1000:.0f}"
            f"  p99 {percentile(values, 0.99) * 1000:.0f}"
        )
    for sample in results.error_samples:
        print(f"  error: {sample}")

    confirmed = set(results.created_titles)
    rows = Case.objects.filter(title__startswith=f"{TITLE_PREFIX}-")
    new_rows = Case.objects.count() - before
    counts = dict(
        rows.filter(title__in=confirmed).values_list("title").annotate(n=Count("id")).values_list("title", "n")
    )
    lost = [title for title in confirmed if counts.get(title, 0) == 0]
    duplicated = [title for title, n in counts.items() if n > 1]
    unconfirmed = rows.exclude(title__in=confirmed).filter(title__in=results.uncertain_titles).count()
    print(
        f"cases: {len(confirmed)} creates confirmed, {new_rows} new rows, lost {len(lost)}, duplicated"
        f" {len(duplicated)}, saved though the client saw no answer {unconfirmed}"
    )
    ok = not lost and not duplicated and new_rows == len(confirmed) + unconfirmed
    print("integrity: OK" if ok else "integrity: FAILED")


if __name__ == "__main__":
    sys.exit(main())
