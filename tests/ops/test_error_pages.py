"""Error pages in the app's style and the reader's language — as `make run` serves them too (DEBUG off)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_a_mistyped_address_gets_the_apps_own_page_not_found(staff_client):
    response = staff_client.get("/casse/")
    assert response.status_code == 404
    assert "页面不存在" in response.text
    assert 'class="site-header"' in response.text and "css/app.css" in response.text
    assert "URLconf" not in response.text  # not Django's debug page listing every URL


def test_the_page_not_found_speaks_english_to_an_english_reader(staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = staff_client.get("/casse/")
    assert response.status_code == 404
    assert "Page not found" in response.text and "页面不存在" not in response.text


def test_a_forbidden_page_says_so_in_the_apps_style(client, method_admin):
    client.force_login(method_admin)
    response = client.get("/cases/new/")
    assert response.status_code == 403
    assert "无权访问" in response.text and 'class="site-header"' in response.text


def test_a_bug_gets_the_apps_error_page_not_a_traceback(staff_client, settings):
    settings.ROOT_URLCONF = "tests.ops.error_urls"
    staff_client.raise_request_exception = False
    response = staff_client.get("/boom/")
    assert response.status_code == 500
    assert "系统暂时出错" in response.text and "css/app.css" in response.text
    assert "RuntimeError" not in response.text


def test_the_favicon_is_served_by_the_app_before_sign_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_make_run_serves_the_demo_with_debug_off_over_plain_http():
    """`make run`'s settings: DEBUG off (these pages, whitenoise) yet usable at http://127.0.0.1."""
    plan = subprocess.run(
        ["make", "-n", "run"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    ).stdout
    runserver = [line for line in plan.splitlines() if "manage.py runserver" in line]
    assert runserver and all("DEBUG=false" in line and "SECURE_COOKIES=false" in line for line in runserver)
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DEBUG="false", SECRET_KEY="k3y-" + "x9Qz!" * 12, SECURE_SSL_REDIRECT="false", SECURE_COOKIES="false")
    shown = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.stdout.split()[-3:] == ["False", "False", "False"], shown.stderr
