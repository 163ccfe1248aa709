"""Start-up with malformed or production settings, in a child process as an operator would."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "x9Qz!" * 12,
    "ALLOWED_HOSTS": "ruziniu.example.gov.cn",
}


def manage(*args, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "not a url"),
        ("CELERY_BROKER_URL", "http://127.0.0.1:6379"),
        ("ALLOWED_HOSTS", "a,,b"),
        ("SESSION_COOKIE_AGE", "eight hours"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(variable, value):
    result = manage("check", **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_production_refuses_the_placeholder_secret_key():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": "insecure-dev-key-change-me"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_values_pass_the_deploy_check_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def gunicorn_config(**env):
    """What gunicorn makes of deploy/gunicorn.conf.py, as `make serve` and the systemd unit start it."""
    base = {k: v for k, v in os.environ.items() if k not in {"WEB_CONCURRENCY", "GUNICORN_CMD_ARGS"}}
    command = [sys.executable, "-m", "gunicorn", "governance.wsgi", "-c", "deploy/gunicorn.conf.py", "--print-config"]
    return subprocess.run(
        command, cwd=settings.BASE_DIR, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_gunicorn_runs_two_workers_per_core_plus_one_unless_told():
    default = gunicorn_config()
    assert default.returncode == 0, default.stderr
    assert f"workers                            = {2 * (os.cpu_count() or 1) + 1}\n" in default.stdout
    assert "worker_class                       = sync\n" in default.stdout
    assert "workers                            = 5\n" in gunicorn_config(WEB_CONCURRENCY="5").stdout


def test_a_worker_count_of_zero_stops_gunicorn_naming_the_variable():
    result = gunicorn_config(WEB_CONCURRENCY="0")
    assert result.returncode != 0
    assert "WEB_CONCURRENCY must be at least 1" in result.stderr
