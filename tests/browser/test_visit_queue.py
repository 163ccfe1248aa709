"""The 回访 queue through the browser: a 回访员 reveals the resident's phone to call (recorded), records 不满意 with
a reason, and the case goes back to 办理中 for its assignee to rework."""

import pytest

from cases.models import Case, CaseVisit, PersonalDataAccess, Status
from cases.services import case_transition
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_calls_from_the_queue_and_sends_an_unsatisfied_case_back_to_rework(
    page, case, staff_user, visitor_user, method
):
    staff_user.last_name, staff_user.first_name = "王", "敏"
    staff_user.save()
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    case_transition(case_id=case.pk, actor=staff_user, action="accept")
    case_transition(case_id=case.pk, actor=staff_user, action="start")
    case_transition(case_id=case.pk, actor=staff_user, action="resolve", resolution="已联系维保", method=method)

    sign_in(page, "visitor")
    page.wait_for_url("**/")
    page.click("nav.main-nav >> text=待回访")
    page.wait_for_url("**/cases/visits/")
    row = page.locator(f"tr.visit-row[data-case='{case.pk}']")
    assert "138****5678" in row.inner_text() and "13812345678" not in row.inner_text()

    row.locator("text=显示号码并拨打").click()
    row.locator("a[href='tel:13812345678']").wait_for()
    assert PersonalDataAccess.objects.filter(user=visitor_user, case=case).count() == 1

    row.locator("a.record-visit").click()
    page.wait_for_url(f"**/cases/{case.pk}/?from=queue*")
    box = page.locator("details.action-visit[open]")  # opened for the visitor who came from the queue
    box.locator("input[name=visit_reached][value='1']").check()
    box.locator("input[name=visit_result][value=unsatisfied]").check()
    box.locator("select[name=visit_reason]").select_option("partly")
    box.locator("textarea[name=note]").fill("电梯仍偶有停运")
    box.locator("button[type=submit]").click()

    page.wait_for_url("**/cases/visits/")
    message = page.locator(".message-success").inner_text()
    assert "办理中" in message and "王敏" in message
    assert page.locator(f"tr.visit-row[data-case='{case.pk}']").count() == 0

    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.IN_PROGRESS and case.rework_count == 1 and case.visit_reason == "partly"
    visit = CaseVisit.objects.get(case=case)
    assert visit.visitor == visitor_user and visit.independent and visit.note == "电梯仍偶有停运"
