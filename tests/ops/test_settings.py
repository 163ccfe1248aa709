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
