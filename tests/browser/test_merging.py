"""A second resident calls about an elevator already logged: the clerk types the call, the form warns that it is
the same matter, and "并入此案" records the caller on the existing case — no new work order."""

import pytest

from cases.models import Case, Complainant
from tests.conftest import make_case, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_duplicate_caller_is_added_to_the_existing_case_from_the_warning(
    page, staff_user, neighbourhood, estate, building, elevator_category
):
    existing = make_case(
        staff_user, neighbourhood=neighbourhood, category=elevator_category, estate=estate, building=building
    )  # committed, so the similarity index has it (the task runs in-process after the commit)
    sign_in(page, "staff")
    page.wait_for_url("**/")
    page.goto("/cases/new/")
    page.select_option("#id_channel", label="12345热线")
    page.fill("#id_reporter_name", "顾阿姨")
    page.fill("#id_reporter_phone", "15921337406")
    # Only the words so far: no place chosen yet, and the warning already shows the case.
    page.fill("#id_title", "福安大厦电梯老化需更换")
    page.fill("#id_description", "大楼两部电梯已运行23年，物业撤场，电梯更换和维保无人负责，老人下楼难。")
    warning = page.locator("#similar-preview .similar-item", has_text=existing.reference)
    warning.wait_for()
    assert "若是，请把诉求人并到已有案件" in page.locator("#similar-preview").inner_text()

    warning.locator("button.join-case").click()
    page.wait_for_url(f"**/cases/{existing.pk}/")
    main = page.locator("main").inner_text()
    assert "未新建案件" in main
    timeline = page.locator("#timeline").inner_text()
    assert "共同诉求人" in timeline and "顾阿姨" in timeline and "159****7406" in timeline
    assert "15921337406" not in page.content()
    assert "顾阿姨" in page.locator("#residents").inner_text()
    assert Case.objects.count() == 1
    caller = Complainant.objects.get(case=existing)
    assert caller.channel.name == "12345热线" and "老人下楼难" in caller.description
