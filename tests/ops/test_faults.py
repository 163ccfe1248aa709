"""Faults under a running app, all on 127.0.0.1: the broker stops, a worker dies, the database drops us.

Redis here is a throwaway `redis-server` this module starts on its own port: the shared one on 6379
serves other test runs and is never stopped. A restart of PostgreSQL is simulated by terminating the
app's server connections (pg_terminate_backend), which is what the app sees when the server restarts.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, Channel, RequestType
from governance.celery import app
from tests.conftest import ROOT, database_url_for_subprocess, require, start_worker, stop_worker, wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayRedis:
    """A private redis-server without persistence, stopped and started by the test."""

    def __init__(self, tmp_path: Path):
        self.port, self.dir, self.process = free_port(), tmp_path, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.dir)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.ping, timeout=10, message=f"redis-server on port {self.port}")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def forget_producers() -> None:
    """Celery keeps its producer pool (for the URL of the time) on the app and on app.amqp."""
    app._pool = None
    app.amqp._producer_pool = None


# Celery resolves the read and write URLs from broker_url once; all three must change together.
BROKER_KEYS = ("broker_url", "broker_read_url", "broker_write_url")


@pytest.fixture
def private_redis(tmp_path, settings):
    """A redis-server of our own; the app in this process and the workers use it as their broker."""
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    redis = ThrowawayRedis(tmp_path)
    redis.start()
    previous = {key: app.conf[key] for key in BROKER_KEYS}
    settings.CELERY_BROKER_URL = redis.url
    app.conf.update(dict.fromkeys(BROKER_KEYS, redis.url))
    app.conf.task_always_eager = False
    forget_producers()
    yield redis
    forget_producers()
    app.conf.update(previous)
    redis.stop()


def case_form(staff_user, neighbourhood, category, title: str) -> dict:
    return {
        "title": title,
        "description": "楼道灯不亮，晚上上下楼不安全。",
        "request_type": RequestType.objects.order_by("sort_order").first().pk,
        "category": category.pk,
        "channel": Channel.objects.order_by("sort_order").first().pk,
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "urgency": "normal",
        "neighbourhood": neighbourhood.pk,
        "reporter_name": "李先生",
        "reporter_phone": "13812345678",
    }


def create_through_the_page(client, data: dict) -> Case:
    response = client.post(reverse("cases:create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(title=data["title"])
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    return case


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_cases_are_saved_and_shown_while_redis_is_down_and_similarity_catches_up(
    private_redis, tmp_path, client, staff_user, neighbourhood, elevator_category
):
    from matters.models import CaseSignature
    from matters.tasks import sweep_similarity

    # The private Redis serves this test alone, so its worker can take the app's default queue.
    worker = start_worker(tmp_path, broker=private_redis.url, queue=app.conf.task_default_queue)
    try:
        client.force_login(staff_user)
        before = create_through_the_page(client, case_form(staff_user, neighbourhood, elevator_category, "一号楼灯坏"))
        wait_for(
            lambda: CaseSignature.objects.filter(case=before).exists(),
            message=f"similarity of the first case; worker log:\n{worker.output()}",
        )

        private_redis.stop()
        titles = [f"二号楼灯坏 {n}" for n in range(3)]
        started = time.monotonic()
        during = [
            create_through_the_page(client, case_form(staff_user, neighbourhood, elevator_category, t)) for t in titles
        ]
        elapsed = time.monotonic() - started
        for case in during:
            page = client.get(reverse("cases:detail", args=[case.pk]))
            assert page.status_code == 200 and case.title in page.text
        listing = client.get(reverse("cases:list")).text
        assert all(title in listing for title in titles)
        assert elapsed < 30, f"creating 3 cases with the broker down took {elapsed:.1f}s"
        assert not CaseSignature.objects.filter(case__in=during).exists()

        private_redis.start()  # same port: the worker reconnects by itself
        sweep_similarity.apply_async(queue=worker.queue)
        wait_for(
            lambda: CaseSignature.objects.filter(case__in=during).count() == len(during),
            timeout=90,
            message=f"the sweep to index the cases logged while Redis was down; worker log:\n{worker.output()}",
        )
    finally:
        stop_worker(worker)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("linger", ["before", "after"])
def test_a_task_whose_worker_is_killed_runs_again_and_its_effect_happens_once(
    private_redis, tmp_path, case, staff_user, linger
):
    # A short visibility timeout, as an operator would not run it, so that redelivery comes within the test.
    env = {"CELERY_VISIBILITY_TIMEOUT": "3"}
    include = ["tests.ops.fault_tasks"]
    log, marker = tmp_path / "deliveries.log", f"fault-note-{uuid.uuid4().hex[:8]}"
    first = start_worker(tmp_path, broker=private_redis.url, extra_env=env, include=include)
    second = None
    try:
        app.send_task("tests.fault_note", args=[case.pk, marker, staff_user.pk, str(log), linger], queue=first.queue)
        wait_for(
            lambda: log.exists() and "start" in log.read_text(),
            timeout=60,
            message=f"the task to start; {first.output()}",
        )
        if linger == "after":
            wait_for(lambda: CaseEvent.objects.filter(case=case, note=marker).exists(), message="the first write")
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)

        second = start_worker(tmp_path, broker=private_redis.url, queue=first.queue, extra_env=env, include=include)
        wait_for(
            lambda: "done" in log.read_text(),
            timeout=90,
            message=f"the task to be delivered again; second worker log:\n{second.output()}",
        )
        assert log.read_text().count("start") == 2, "delivered exactly twice: once killed, once finished"
        time.sleep(4)  # longer than the visibility timeout: a third delivery would show now
        assert log.read_text().count("start") == 2
        assert CaseEvent.objects.filter(case=case, note=marker).count() == 1
    finally:
        stop_worker(first)
        if second:
            stop_worker(second)


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """The app under gunicorn (one worker, persistent database connections) against the test database."""
    port, log = free_port(), tmp_path / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": database_url_for_subprocess(), "DEBUG": "true"}
    command = [sys.executable, "-m", "gunicorn", "governance.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: fetch(base + reverse("healthz"))[0] == 200, timeout=30, message="gunicorn to answer")
    yield base
    process.terminate()
    process.wait(timeout=15)


def fetch(url: str, session: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"} if session else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:
        return 0, ""


@pytest.mark.postgres
def test_the_running_app_answers_again_after_the_database_drops_its_connections(gunicorn, staff_user, case):
    require(connection.vendor == "postgresql", "needs DATABASE_URL on PostgreSQL")
    client = Client()
    client.force_login(staff_user)
    cookie = client.cookies["sessionid"].value
    detail = gunicorn + reverse("cases:detail", args=[case.pk])
    status, page = fetch(detail, cookie)
    assert status == 200 and case.reference in page

    # What the app sees of a PostgreSQL restart: every server connection it holds is cut.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1, "gunicorn's worker kept no connection to cut"

    # CONN_HEALTH_CHECKS: the first query of the next request finds the connection dead and reconnects.
    assert fetch(detail, cookie)[0] == 200
    assert fetch(gunicorn + reverse("cases:list"), cookie)[0] == 200
    assert fetch(gunicorn + reverse("healthz"))[0] == 200
