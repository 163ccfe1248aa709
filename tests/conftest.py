"""Shared fixtures: users per role, places, and the real services (worker, browser).

Tests that need Redis, a worker or Chromium skip when those are absent on a
developer's machine; with CI set they fail instead, and any skip fails the run.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection

from accounts import roles
from accounts.models import Profile
from places.models import Building, Estate, HousingType, Neighbourhood, PropertyStatus

IN_CI = bool(os.environ.get("CI"))
PASSWORD = "correct-horse-battery"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ROOT = Path(settings.BASE_DIR)


def require(condition: bool, reason: str) -> None:
    """Skip a test whose service is missing, except in CI, where a missing service is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if IN_CI and skipped and session.exitstatus == 0:
        reporter.write_line(f"CI forbids skipped tests: {len(skipped)} skipped", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The production hasher costs about a second per user; tests do not need its strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Rate-limit counters and cached vocabularies live in the cache: each test starts with an empty one of its own
    (the configured cache is shared by every process and every run, tests included)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    """Uploaded files (attachments) go to a folder of the test, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings):
    """Unit tests run tasks eagerly; the `celery_worker` fixture switches to the real broker."""
    from governance.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = not settings.CELERY_BROKER_URL


# --- people and places -------------------------------------------------------------------------


@pytest.fixture
def neighbourhood(db):
    return Neighbourhood.objects.create(name="句容里居委会")


@pytest.fixture
def other_neighbourhood(db):
    return Neighbourhood.objects.create(name="海防村居民区")


@pytest.fixture
def estate(neighbourhood):
    return Estate.objects.create(
        neighbourhood=neighbourhood,
        name="福安大厦",
        housing_type=HousingType.COMMODITY,
        year_built=2001,
        property_status=PropertyStatus.BETWEEN,
    )


@pytest.fixture
def building(estate):
    return Building.objects.create(
        estate=estate, number="1号楼", floors=24, elevator_count=2, elevators_installed_year=2001
    )


@pytest.fixture
def other_estate(other_neighbourhood):
    return Estate.objects.create(
        neighbourhood=other_neighbourhood, name="海防大楼", housing_type=HousingType.COMMODITY, year_built=2000
    )


def make_user(username: str, role: str | None = None, neighbourhood=None, **extra) -> User:
    extra.setdefault("last_name", username)
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    Profile.objects.create(user=user, neighbourhood=neighbourhood)
    return user


@pytest.fixture
def staff_user(db):
    return make_user("staff", roles.STAFF)


@pytest.fixture
def committee_user(neighbourhood):
    return make_user("committee", roles.COMMITTEE, neighbourhood)


@pytest.fixture
def other_committee_user(other_neighbourhood):
    return make_user("haifang", roles.COMMITTEE, other_neighbourhood)


@pytest.fixture
def visitor_user(db):
    """A 回访员 and nothing else: sees the cases waiting for a visit and those they visited."""
    return make_user("visitor", roles.VISITOR, first_name="丽", last_name="赵")


def independent_visitor() -> User:
    """A staff member who is also 回访员 (made on first use), for visits that must not be the handler's."""
    user = User.objects.filter(username="huifang").first()
    if user is None:
        user = make_user("huifang", roles.STAFF, first_name="芳", last_name="孙")
        user.groups.add(Group.objects.get_or_create(name=roles.VISITOR)[0])
    return user


@pytest.fixture
def second_staff(db):
    """Another street-office staff member: decides what `staff_user` asks for, visits what they resolved."""
    return make_user("director", roles.STAFF)


@pytest.fixture
def method_admin(db):
    return make_user("handbook", roles.METHOD_ADMIN)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="root", password=PASSWORD)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def committee_client(client, committee_user):
    client.force_login(committee_user)
    return client


# --- real services -------------------------------------------------------------------------------


def redis_available() -> bool:
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis"):
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def database_url_for_subprocess() -> str:
    """The URL of the database this test run uses (the test database), for a child process."""
    conf = connection.settings_dict
    if conf["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{conf['NAME']}"
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


class WorkerProcess:
    def __init__(self, queue: str, process: subprocess.Popen, log: Path):
        self.queue, self.process, self.log = queue, process, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_worker(
    tmp_path: Path,
    *,
    broker: str | None = None,
    queue: str | None = None,
    pool: str = "solo",
    extra_env: dict | None = None,
    include: tuple | list = (),
) -> WorkerProcess:
    """A `celery worker` process on `queue` (a new one by default), against `broker` (the configured one by
    default) and the test database."""
    queue = queue or f"test-{uuid.uuid4().hex[:10]}"
    name = f"{queue}.{uuid.uuid4().hex[:6]}"  # two workers may share a queue; their node names must differ
    log = tmp_path / f"worker-{name}.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": broker or settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",  # the log is read while the worker runs, to explain a timeout
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "governance", "worker", "-Q", queue, "-P", pool, "-c", "1"]
    command += ["--without-heartbeat", "--without-mingle", "--without-gossip", "-n", f"{name}@%h", "-l", "info"]
    for module in include:
        command += ["--include", module]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return WorkerProcess(queue, process, log)


def stop_worker(worker: WorkerProcess) -> None:
    if worker.process.poll() is None:
        worker.process.terminate()
        try:
            worker.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


@pytest.fixture
def celery_worker(transactional_db, tmp_path, settings):
    """A real `celery worker` process on its own queue, against Redis and the test database."""
    require(redis_available(), "Redis at CELERY_BROKER_URL is not reachable")
    from governance.celery import app

    worker = start_worker(tmp_path)
    previous_queue = app.conf.task_default_queue
    app.conf.task_always_eager = False
    app.conf.task_default_queue = worker.queue
    yield worker
    # Restore the queue this process publishes to, or later tests would send their tasks to this dead one.
    app.conf.task_default_queue = previous_queue
    stop_worker(worker)


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {message}")


# --- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    require(Path(CHROMIUM).exists() or bool(shutil.which("chromium")), f"Chromium not found at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-quic",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


# --- cases ---------------------------------------------------------------------------------------


@pytest.fixture
def reference_data(db):
    """The standard categories, channels, request types and departments."""
    from cases import reference

    reference.load()


@pytest.fixture
def elevator_category(reference_data):
    from cases.models import Category

    return Category.objects.get(parent__name="房屋管理", name="电梯")


@pytest.fixture
def noise_category(reference_data):
    from cases.models import Category

    return Category.objects.get(parent__name="市容环境", name="油烟噪音")


@pytest.fixture
def method(db):
    from methods.models import Method

    return Method.objects.create(number=1, name="一线工作法", motto="深入一线，打通每个环节")


def make_case(actor, *, neighbourhood, category, **fields):
    """Log a case through the same service the pages use."""
    from django.utils import timezone

    from cases.models import Channel, RequestType
    from cases.services import case_create

    data = {
        "title": "福安大厦电梯老化需更换",
        "description": "大楼两部电梯已运行23年，物业撤场，电梯更换和维保无人负责。",
        "category": category,
        "neighbourhood": neighbourhood,
        "received_at": timezone.now() - timezone.timedelta(hours=1),
        "channel": Channel.objects.order_by("sort_order").first(),
        "request_type": RequestType.objects.order_by("sort_order").first(),
        "reporter_name": "杨女士",
        "reporter_phone": "13812345678",
    }
    data.update(fields)
    return case_create(actor=actor, data=data)


@pytest.fixture
def case(staff_user, neighbourhood, estate, building, elevator_category):
    return make_case(
        staff_user, neighbourhood=neighbourhood, category=elevator_category, estate=estate, building=building
    )
