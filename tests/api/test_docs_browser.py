"""The interactive API docs work in a real browser under the app's CSP, with nothing from another host."""

import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_shows_the_case_operations_offline_under_the_csp(page, staff_user, live_server):
    problems = []
    sign_in(page, "staff")
    page.wait_for_url("**/")
    page.on("console", lambda message: "Content Security Policy" in message.text and problems.append(message.text))
    page.on("request", lambda request: request.url.startswith(live_server.url) or problems.append(request.url))
    page.on("response", lambda response: response.status >= 400 and problems.append(response.url))
    page.goto("/api/docs/")
    page.locator("#operations-cases-cases_move_create").wait_for()
    assert "Ruziniu API" in page.locator(".title").first.inner_text()
    assert problems == []
