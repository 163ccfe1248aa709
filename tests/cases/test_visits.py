"""The return visit (回访): independent of the handler, a reason for 不满意, three unanswered calls, the queue."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import Case, CaseVisit, PersonalDataAccess, Status, VisitChannel
from cases.services import NotPermitted, case_transition, extension_request
from cases.visits import case_visit
from tests.conftest import make_case

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def visit_url(case) -> str:
    return reverse("api:case-move", args=[case.pk])


@pytest.fixture
def resolved(case, staff_user, committee_user, method):
    """The fixture case, dispatched to a committee member and resolved by street-office staff."""
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=committee_user)
    case_transition(case_id=case.pk, actor=committee_user, action="accept")
    case_transition(case_id=case.pk, actor=committee_user, action="start")
    case_transition(case_id=case.pk, actor=staff_user, action="resolve", resolution="已更换", method=method)
    return Case.objects.get(pk=case.pk)


def test_the_user_who_resolved_the_case_may_not_visit_it_through_the_api(resolved, staff_user):
    response = api(staff_user).post(
        visit_url(resolved), {"action": "visit", "visit_result": "satisfied"}, format="json"
    )
    assert 400 <= response.status_code < 500
    assert "回访须独立进行" in response.json()["detail"]
    assert Case.objects.get(pk=resolved.pk).status == Status.RESOLVED and not CaseVisit.objects.exists()


def test_the_assignee_may_not_visit_their_own_case_either(resolved, committee_user):
    response = api(committee_user).post(
        visit_url(resolved), {"action": "visit", "visit_result": "satisfied"}, format="json"
    )
    assert response.status_code == 403 and "独立" in response.json()["detail"]


@pytest.mark.parametrize("who", ["second_staff", "visitor_user"])
def test_another_staff_member_or_a_visitor_may_visit(resolved, who, request):
    user = request.getfixturevalue(who)
    response = api(user).post(visit_url(resolved), {"action": "visit", "visit_result": "satisfied"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.CLOSED and response.json()["visit_independent"] is True
    assert CaseVisit.objects.get().visitor == user


def test_unsatisfied_without_a_reason_is_400_naming_visit_reason(resolved, second_staff):
    body = {"action": "visit", "visit_result": "unsatisfied"}
    response = api(second_staff).post(visit_url(resolved), body, format="json")
    assert response.status_code == 400 and "visit_reason" in response.json()
    other = api(second_staff).post(visit_url(resolved), {**body, "visit_reason": "other"}, format="json")
    assert other.status_code == 400 and "note" in other.json()  # 其他 needs the words


def test_unsatisfied_sends_the_case_back_to_its_assignee_for_rework(resolved, second_staff, committee_user):
    committee_user.last_name, committee_user.first_name = "陈", "静"
    committee_user.save()
    outcome = case_visit(case_id=resolved.pk, actor=second_staff, result="unsatisfied", reason="partly")
    assert outcome.case.status == Status.IN_PROGRESS and outcome.case.rework_count == 1
    assert outcome.case.resolved_by is None and outcome.case.visit_reason == "partly"
    assert "办理中" in outcome.message() and "陈静" in outcome.message()
    assert "解决不彻底" in outcome.case.events.first().note


def test_three_unanswered_calls_close_the_case_as_unreachable(resolved, second_staff):
    client = api(second_staff)
    for attempt in (1, 2):
        response = client.post(visit_url(resolved), {"action": "visit", "visit_reached": False}, format="json")
        assert response.json()["status"] == Status.RESOLVED, attempt
    last = client.post(visit_url(resolved), {"action": "visit", "visit_reached": False}, format="json")
    assert last.json()["status"] == Status.CLOSED and last.json()["visit_result"] == "unreachable"
    assert CaseVisit.objects.filter(reached=False).count() == 3
    assert "第 3 次" in Case.objects.get(pk=resolved.pk).events.first().note


def test_with_the_setting_off_the_handler_may_visit_but_it_does_not_count(resolved, staff_user, settings):
    settings.CASE_INDEPENDENT_VISIT = False
    outcome = case_visit(case_id=resolved.pk, actor=staff_user, result="satisfied")
    assert outcome.case.status == Status.CLOSED and outcome.case.visit_independent is False
    assert "不计入满意率" in outcome.case.events.first().note


def test_a_resident_answering_online_is_an_independent_visit(resolved):
    outcome = case_visit(case_id=resolved.pk, actor=None, result="basically", channel="线上")
    assert outcome.visit.channel == VisitChannel.ONLINE and outcome.case.visit_independent
    with pytest.raises(NotPermitted):
        case_visit(case_id=resolved.pk, actor=None, result="satisfied", channel="phone")


def test_the_visit_form_refuses_the_handler_with_a_clear_message(client, resolved, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("cases:detail", args=[resolved.pk]))
    assert "回访须独立进行" in page.text and 'value="visit"' not in page.text
    response = client.post(reverse("cases:move", args=[resolved.pk]), {"action": "visit", "visit_result": "satisfied"})
    assert response.status_code == 403 and "回访须独立进行" in response.text


def test_nobody_decides_their_own_extension_request_through_the_api(case, staff_user, second_staff):
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    case_transition(case_id=case.pk, actor=staff_user, action="accept")
    extension_request(case_id=case.pk, actor=staff_user, days=3, reason="等待维修资金")
    url = reverse("api:case-extension-decide", args=[case.pk])
    own = api(staff_user).post(url, {"approve": True}, format="json")
    assert own.status_code == 403 and "自己提出的延期申请" in own.json()["detail"]
    assert api(second_staff).post(url, {"approve": True}, format="json").status_code == 200


def test_the_queue_lists_resolved_cases_by_visit_deadline_with_masked_phones(
    client, staff_user, visitor_user, neighbourhood, elevator_category, method
):
    cases = []
    for title, phone in (("先办结", "13900000001"), ("后办结", "13900000002")):
        created = make_case(
            staff_user, neighbourhood=neighbourhood, category=elevator_category, title=title, reporter_phone=phone
        )
        for action in ("dispatch", "accept", "start", "resolve"):
            extra = {"assignee": staff_user} if action == "dispatch" else {}
            if action == "resolve":
                extra = {"resolution": "已办结", "method": method}
            case_transition(case_id=created.pk, actor=staff_user, action=action, **extra)
        cases.append(created)
    client.force_login(visitor_user)
    page = client.get(reverse("cases:visit_queue"))
    assert page.status_code == 200
    assert page.text.index("先办结") < page.text.index("后办结")
    assert "139****0001" in page.text and "13900000001" not in page.text
    revealed = client.post(reverse("cases:reveal_phone", args=[cases[0].pk]), {"in": "queue"}, HTTP_HX_REQUEST="true")
    assert "13900000001" in revealed.text
    assert PersonalDataAccess.objects.filter(user=visitor_user, case=cases[0]).count() == 1


def test_a_visitor_alone_sees_only_cases_waiting_for_a_visit_and_cannot_work_them(client, case, visitor_user):
    client.force_login(visitor_user)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404  # new, not waiting for a visit
    assert client.get(reverse("cases:create")).status_code == 403


def test_a_visitors_home_page_leads_to_the_queue(client, visitor_user):
    client.force_login(visitor_user)
    page = client.get(reverse("home"))
    assert reverse("cases:visit_queue") in page.text and "您的账号不处理案件" not in page.text
