import pytest

from cases.services import case_transition
from tests.conftest import make_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_sees_the_bell_opens_the_dispatched_case_and_the_count_goes_down(page, case, staff_user):
    clerk = make_user("xiaoli", "街道工作人员")
    # A real commit (transactional test): the on-commit listener writes the notification.
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=clerk)
    sign_in(page, "xiaoli")
    page.wait_for_url("**/")
    assert page.locator(".bell .bell-count").inner_text() == "1"
    page.click(".bell")
    page.wait_for_url("**/notifications/?unread=1")
    page.click(f"text=新派单：{case.reference}")
    page.wait_for_url(f"**/cases/{case.pk}/")
    assert case.reference in page.locator("main").inner_text()
    assert page.locator(".bell .bell-count").count() == 0
