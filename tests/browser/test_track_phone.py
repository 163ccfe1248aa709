"""A resident on a phone (390×844): looks up the progress, then answers the return visit through the link that
staff copied from the case page."""

import uuid

import pytest

from cases.models import Case, Status
from tests.conftest import sign_in
from tests.track.conftest import PUBLIC_REPLY, work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_resident_looks_up_the_progress_on_a_phone(phone, case, staff_user, method):
    work(case, staff_user, "dispatch", "accept", "start", "resolve", method=method)
    phone.goto("/track/")
    assert fits_the_screen(phone)
    phone.fill("#id_reference", case.reference)
    phone.fill("#id_phone_last4", "0000")
    phone.click("form.track-form button[type=submit]")
    assert "没有找到相符的记录" in phone.locator(".not-found").inner_text()
    assert phone.input_value("#id_reference") == ""  # nothing typed is echoed back
    phone.fill("#id_reference", case.reference)
    phone.fill("#id_phone_last4", "5678")
    button = phone.locator("form.track-form button[type=submit]")
    assert button.bounding_box()["height"] >= 44  # a thumb-sized target
    button.tap()
    phone.wait_for_selector("#progress")
    assert phone.locator(".reference").inner_text() == case.reference
    assert phone.locator(".status-label").inner_text() == "已办结"
    assert phone.locator(".step").all_inner_texts()[0].startswith("受理")
    assert phone.locator(".step.current .step-label").inner_text() == "办结"
    assert PUBLIC_REPLY in phone.locator(".public-reply").inner_text()
    assert "杨女士" not in phone.content() and "13812345678" not in phone.content()
    assert fits_the_screen(phone)


def test_a_resident_answers_the_return_visit_on_a_phone_through_the_link_staff_copied(
    phone, page, case, staff_user, method
):
    work(case, staff_user, "dispatch", "accept", "start", "resolve", method=method)
    sign_in(page, "staff")
    page.wait_for_url("**/")
    page.goto(f"/cases/{case.pk}/")
    link = page.locator(".visit-link-url").input_value()
    assert "/track/visit/" in link

    phone.goto(link)
    assert fits_the_screen(phone)
    phone.get_by_label("不满意", exact=True).check()
    phone.click("form.visit-form button[type=submit]")
    assert "哪里不满意" in phone.locator(".errorlist").inner_text()
    phone.get_by_label("不满意", exact=True).check()
    phone.fill("#id_reason", "电梯还是有异响")
    phone.click("form.visit-form button[type=submit]")
    assert "感谢您的评价" in phone.locator(".thanks").inner_text()
    reworked = Case.objects.get(pk=case.pk)
    assert (reworked.status, reworked.rework_count) == (Status.IN_PROGRESS, 1)

    phone.goto(link)
    assert "您已经完成了本次回访" in phone.locator(".refused").inner_text()
    page.reload()
    page.wait_for_selector("#track-panel")
    assert "电梯还是有异响" in page.locator("#track-panel").inner_text()
