"""Sign-in protection, sessions, cookies and the security headers every page carries."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import PASSWORD


def fail_sign_in(client, username: str, times: int):
    for _ in range(times):
        response = client.post(reverse("login"), {"username": username, "password": "wrong-guess"})
    return response


def test_repeated_failures_lock_the_account_with_a_chinese_page(client, staff_user):
    response = fail_sign_in(client, "staff", settings.AXES_FAILURE_LIMIT)
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.text
    assert f"{settings.AXES_FAILURE_LIMIT} 次密码错误" in response.text

    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD})
    assert response.status_code == 429, "the right password must not get in while locked"
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock_and_success_resets_them(client, staff_user):
    fail_sign_in(client, "staff", settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="staff").exists()


def test_a_lockout_names_one_account_not_its_colleagues(client, staff_user, committee_user):
    fail_sign_in(client, "staff", settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("login"), {"username": "committee", "password": PASSWORD})
    assert response.status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, staff_user, settings):
    fail_sign_in(client, "staff", settings.AXES_FAILURE_LIMIT)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - settings.AXES_COOLOFF_TIME)
    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("password", ["12345678901", "password123", "qwertyuiop", "short1!"])
def test_weak_passwords_are_refused(staff_user, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=staff_user)


def test_a_long_unusual_password_is_accepted(staff_user):
    validate_password("夏令热线-Jiangning-2026!", user=staff_user)


def test_changing_to_a_weak_password_shows_a_form_error(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    staff_user.refresh_from_db()
    assert staff_user.check_password(PASSWORD)


def test_sessions_expire_and_end_with_the_browser(client, staff_user):
    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == "", "a session cookie, not a persistent one"
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_every_page_carries_a_policy_without_inline_script(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_sign_in_form_needs_its_csrf_token(staff_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD})
    assert response.status_code == 403


def test_base_page_tells_htmx_not_to_inject_styles_or_eval(client, db):
    response = client.get(reverse("login"))
    assert 'name="htmx-config"' in response.text
    assert '"includeIndicatorStyles": false' in response.text
    assert "<script>" not in response.text
    assert " onclick=" not in response.text and " onload=" not in response.text
