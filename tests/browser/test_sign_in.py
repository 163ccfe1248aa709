import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_signs_in_and_sees_the_chinese_home_page(page, staff_user):
    sign_in(page, "staff")
    page.wait_for_url("**/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "您好" in page.locator("h1").inner_text()
    assert "街道工作人员" in page.locator(".user-box").inner_text()


def test_a_wrong_password_shows_an_error(page, staff_user):
    sign_in(page, "staff", "not-the-password")
    assert "用户名或密码错误" in page.locator("[role=alert]").inner_text()
