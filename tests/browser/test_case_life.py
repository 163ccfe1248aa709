"""One case's whole life through the pages: log → dispatch → accept → start → resolve → unsatisfied visit →
rework (resolve again) → satisfied visit; the timeline shows every step."""

import pytest

from cases.models import Case, Department, Status
from tests.conftest import independent_visitor, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def act(page, action: str, fill=None) -> None:
    box = page.locator(f"details.action-{action}")
    box.locator("summary").click()
    if fill:
        fill(box)
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".message-success").count() == 1, page.locator(".messages").inner_text()


def switch_user(page, username: str) -> None:
    page.locator(".user-box button[type=submit]").click()
    page.wait_for_load_state()
    sign_in(page, username)
    page.wait_for_url("**/")


def test_a_case_lives_its_whole_life_through_the_pages(page, staff_user, estate, building, elevator_category, method):
    visitor = independent_visitor()  # the return visits are made by someone other than the handler
    department = Department.objects.get(name="区房管局")
    sign_in(page, "staff")
    page.wait_for_url("**/")
    page.goto("/cases/new/")
    page.fill("#id_title", "福安大厦电梯老化")
    page.fill("#id_description", "两部电梯运行23年，物业撤场，无人维保。")
    page.select_option("#id_category", str(elevator_category.pk))
    page.select_option("#id_request_type", label="求助")
    page.select_option("#id_channel", label="12345热线")
    page.select_option("#id_neighbourhood", str(estate.neighbourhood_id))
    page.wait_for_selector(f"#id_estate option[value='{estate.pk}']", state="attached")
    page.select_option("#id_estate", str(estate.pk))
    page.wait_for_selector(f"#id_building option[value='{building.pk}']", state="attached")
    page.select_option("#id_building", str(building.pk))
    page.fill("#id_reporter_name", "杨女士")
    page.fill("#id_reporter_phone", "13812345678")
    page.click("form.case-form button[type=submit]")
    page.wait_for_url("**/cases/*/")
    case = Case.objects.get(title="福安大厦电梯老化")
    assert case.reference in page.locator("main").inner_text()
    assert "138****5678" in page.locator("main").inner_text()

    act(page, "dispatch", lambda box: box.locator("select[name=lead_department]").select_option(str(department.pk)))
    act(page, "accept")
    act(page, "start")

    def resolve(text):
        def fill(box):
            box.locator("textarea[name=resolution]").fill(text)
            box.locator("select[name=method]").select_option(str(method.pk))

        return fill

    def unsatisfied(box):
        box.locator("input[value=unsatisfied]").check()
        box.locator("select[name=visit_reason]").select_option("unresolved")

    act(page, "resolve", resolve("已联系维保单位临时维保"))
    switch_user(page, visitor.username)
    page.goto(f"/cases/{case.pk}/")
    act(page, "visit", unsatisfied)
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
    switch_user(page, "staff")
    page.goto(f"/cases/{case.pk}/")
    act(page, "resolve", resolve("业委会表决通过，电梯已更换"))
    switch_user(page, visitor.username)
    page.goto(f"/cases/{case.pk}/")
    act(page, "visit", lambda box: box.locator("input[value=satisfied]").check())

    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.rework_count == 1
    timeline = page.locator("#timeline > li")
    steps = [timeline.nth(i).locator("strong").inner_text() for i in range(timeline.count())]
    assert steps == ["回访", "办结", "回访", "办结", "开始办理", "签收", "派单", "登记"]
    text = page.locator("#timeline").inner_text()
    assert "不满意" in text and "满意" in text
    assert "业委会表决通过，电梯已更换" in text and "已联系维保单位临时维保" in text
    assert "已回访" in page.locator("main h1 + p").inner_text()
