"""Script and HTML typed into any text field come back as text, and the policy forbids inline script anyway.

Residents' words reach the pages through many fields (a case's title, description, the reporter's name,
the address, notes, reasons, the resolution; the handbook's texts; a class's name and root problem).
Each field gets a payload through the app's services, then a real browser opens the pages that show it.
"""

import pytest
from django.urls import reverse

from cases.models import Department
from cases.services import case_transition, extension_request
from matters.services import class_create, class_set_route
from methods.services import method_create
from tests.conftest import make_case, sign_in

SCRIPT = "<script>window.__xss=1</script>"
IMG = "<img src=x onerror=window.__xss=1>"


@pytest.fixture
def payloads(staff_user, method_admin, neighbourhood, estate, elevator_category, method):
    """Every free-text field a resident or staff member can fill, holding a payload."""
    case = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        estate=estate,
        title=f"电梯 {SCRIPT}",
        description=f"{IMG} 两部电梯 {SCRIPT}",
        reporter_name=IMG,
        address=f"福安大厦 {SCRIPT}",
    )
    department = Department.objects.order_by("sort_order").first()
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", lead_department=department, note=SCRIPT)
    case_transition(case_id=case.pk, actor=staff_user, action="accept")
    case_transition(case_id=case.pk, actor=staff_user, action="note", note=f"备注 {IMG}")
    extension_request(case_id=case.pk, actor=staff_user, days=3, reason=f"等待报价 {SCRIPT}")
    resolved = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title="楼道灯")
    case_transition(case_id=resolved.pk, actor=staff_user, action="dispatch", lead_department=department)
    case_transition(case_id=resolved.pk, actor=staff_user, action="accept")
    case_transition(case_id=resolved.pk, actor=staff_user, action="start")
    case_transition(case_id=resolved.pk, actor=staff_user, action="resolve", resolution=f"已修复 {IMG}", method=method)
    handbook = method_create(
        actor=method_admin,
        data={
            "number": 99,
            "name": IMG,
            "motto": SCRIPT,
            "summary": f"是什么 {IMG}",
            "when_to_use": SCRIPT,
            "steps": f"第一步 {SCRIPT}\n第二步 {IMG}",
            "example": IMG,
            "source": SCRIPT,
        },
    )
    matter_class = class_create(
        actor=staff_user,
        data={"title": SCRIPT, "root_problem": IMG, "category": elevator_category},
        case_ids=[case.pk, resolved.pk],
    )
    class_set_route(actor=staff_user, class_id=matter_class.pk, steps=[(IMG, SCRIPT)])
    return {"case": case, "resolved": resolved, "method": handbook, "class": matter_class}


def open_and_check(page, url: str, violations: list[str]) -> str:
    page.goto(url)
    assert page.evaluate("typeof window.__xss") == "undefined", url
    assert page.locator("img[src='x']").count() == 0, f"{url}: an <img> was injected"
    injected = page.evaluate("[...document.scripts].filter(s => s.textContent.includes('__xss')).length")
    assert injected == 0, f"{url}: a <script> was injected"
    assert not violations, f"{url}: the Content-Security-Policy had to block: {violations}"
    return page.inner_text("body")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_payloads_in_every_text_field_are_shown_as_text(page, payloads, staff_user):
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    sign_in(page, staff_user.username)
    case, resolved, method, matter_class = payloads["case"], payloads["resolved"], payloads["method"], payloads["class"]

    text = open_and_check(page, reverse("cases:detail", args=[case.pk]), violations)
    for shown in (f"电梯 {SCRIPT}", f"{IMG} 两部电梯 {SCRIPT}", IMG, f"福安大厦 {SCRIPT}", f"备注 {IMG}"):
        assert shown in text, f"case page does not show {shown!r} as text"
    assert f"等待报价 {SCRIPT}" in text
    assert f"已修复 {IMG}" in open_and_check(page, reverse("cases:detail", args=[resolved.pk]), violations)
    assert SCRIPT in open_and_check(page, reverse("cases:list"), violations)
    assert SCRIPT in open_and_check(page, reverse("cases:list") + "?q=电梯", violations)
    open_and_check(page, reverse("cases:edit", args=[case.pk]), violations)

    text = open_and_check(page, reverse("methods:detail", args=[method.pk]), violations)
    for shown in (IMG, SCRIPT, f"是什么 {IMG}", f"第一步 {SCRIPT}"):
        assert shown in text, f"method page does not show {shown!r} as text"
    assert IMG in open_and_check(page, reverse("methods:index"), violations)
    open_and_check(page, reverse("methods:history", args=[method.pk]), violations)

    text = open_and_check(page, reverse("matters:class_detail", args=[matter_class.pk]), violations)
    assert SCRIPT in text and IMG in text
    assert SCRIPT in open_and_check(page, reverse("matters:class_list"), violations)
    open_and_check(page, reverse("dashboards:overview"), violations)
    open_and_check(page, reverse("home"), violations)
