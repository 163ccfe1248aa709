from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, Department, ExtensionRequest, PersonalDataAccess, Status
from cases.services import case_transition
from cases.views import PAGE_SIZE
from tests.conftest import make_case

pytestmark = pytest.mark.django_db


def form_data(case_or_none=None, **overrides):
    """What a person fills in on the case form."""
    from cases.models import Category, Channel, RequestType

    category = Category.objects.get(parent__name="房屋管理", name="电梯")
    data = {
        "title": "老旧电梯更换",
        "description": "电梯运行二十多年，经常停梯，老人出行困难。",
        "request_type": RequestType.objects.first().pk,
        "category": category.pk,
        "channel": Channel.objects.first().pk,
        "received_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "urgency": "normal",
        "reporter_name": "王先生",
        "reporter_phone": "13912345678",
        "address": "",
    }
    if case_or_none is not None:
        data["version"] = case_or_none.version
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- list ----------------------------------------------------------------------------------------


def test_list_shows_total_masked_phone_and_overdue_badge(staff_client, case, staff_user, neighbourhood, noise_category):
    late = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=noise_category,
        title="夜间施工噪音",
        received_at=timezone.now() - timedelta(days=30),
    )
    response = staff_client.get(reverse("cases:list"))
    assert response.status_code == 200
    assert "共 2 件" in response.text
    assert "138****5678" in response.text and "13812345678" not in response.text
    row = response.text.split(late.reference)[0].rsplit("<tr", 1)[1]
    assert 'class="overdue"' in row
    assert "超期" in response.text


def test_list_query_count_does_not_grow_with_the_page(
    staff_client, staff_user, neighbourhood, estate, building, elevator_category
):
    category = elevator_category
    make_case(staff_user, neighbourhood=neighbourhood, category=category, estate=estate, building=building)
    staff_client.get(reverse("cases:list"))  # the filter dropdowns are read once, then reused (cases/vocabularies.py)
    with CaptureQueriesContext(connection) as one:
        assert staff_client.get(reverse("cases:list")).status_code == 200
    for _ in range(PAGE_SIZE + 3):
        make_case(staff_user, neighbourhood=neighbourhood, category=category, estate=estate, building=building)
    with CaptureQueriesContext(connection) as full:
        response = staff_client.get(reverse("cases:list"))
    assert response.text.count('data-label="编号"') == PAGE_SIZE
    assert len(full) == len(one)


def test_list_is_paginated_and_sorted(staff_client, staff_user, neighbourhood, elevator_category):
    for number in range(PAGE_SIZE + 1):
        make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title=f"电梯问题{number:02d}")
    first = staff_client.get(reverse("cases:list"), {"sort": "title"})
    assert "电梯问题00" in first.text and "电梯问题25" not in first.text
    second = staff_client.get(reverse("cases:list"), {"sort": "title", "page": 2})
    assert "电梯问题25" in second.text and "电梯问题00" not in second.text
    descending = staff_client.get(reverse("cases:list"), {"sort": "-title"})
    assert "电梯问题25" in descending.text


# --- detail --------------------------------------------------------------------------------------


def test_detail_shows_the_case_its_places_and_the_timeline_newest_first(staff_client, case, staff_user):
    case_transition(case_id=case.pk, actor=staff_user, action="note", note="已电话联系物业")
    response = staff_client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    text = response.text
    assert case.reference in text and "大楼两部电梯已运行23年" in text
    assert reverse("places:estate", args=[case.estate_id]) in text
    assert reverse("places:building", args=[case.building_id]) in text
    assert "138****5678" in text and "13812345678" not in text
    assert text.index("已电话联系物业") < text.index("登记")
    assert 'value="dispatch"' in text  # staff may dispatch a new case
    assert 'value="accept"' not in text


def test_edit_changes_show_old_and_new_on_the_timeline(staff_client, case):
    data = form_data(case, title="福安大厦两部电梯需更换", neighbourhood=case.neighbourhood_id)
    data.update(estate=case.estate_id, building=case.building_id)
    response = staff_client.post(reverse("cases:edit", args=[case.pk]), data)
    assert response.status_code == 302
    detail = staff_client.get(reverse("cases:detail", args=[case.pk]))
    assert "福安大厦电梯老化需更换" in detail.text and "福安大厦两部电梯需更换" in detail.text
    assert "<del>福安大厦电梯老化需更换</del>" in detail.text


def test_revealing_the_phone_is_recorded(staff_client, case, staff_user):
    response = staff_client.post(reverse("cases:reveal_phone", args=[case.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "13812345678" in response.text
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.case, access.field) == (staff_user, case, "reporter_phone")


def test_revealing_without_htmx_shows_the_whole_page(staff_client, case):
    response = staff_client.post(reverse("cases:reveal_phone", args=[case.pk]))
    assert response.status_code == 200
    assert "13812345678" in response.text and "办理记录" in response.text


# --- create and edit -----------------------------------------------------------------------------


def test_staff_logs_a_case_and_lands_on_it(staff_client, neighbourhood, estate, building, reference_data):
    data = form_data(neighbourhood=neighbourhood.pk, estate=estate.pk, building=building.pk)
    response = staff_client.post(reverse("cases:create"), data)
    case = Case.objects.get(title="老旧电梯更换")
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[case.pk])
    assert case.reporter_phone == "13912345678" and case.due_at is not None
    assert case.events.get().kind == "created"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reporter_phone": "12345"}, "reporter_phone", "请填写有效的电话号码"),
        ({"received_at": "2999-01-01T09:00"}, "received_at", "受理时间不能晚于现在"),
        ({"title": ""}, "title", "请填写标题"),
        ({"category": ""}, "category", "请选择类别"),
    ],
)
def test_create_form_explains_what_is_wrong(staff_client, neighbourhood, reference_data, overrides, field, message):
    data = form_data(neighbourhood=neighbourhood.pk, **overrides)
    response = staff_client.post(reverse("cases:create"), data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not Case.objects.exists()


def test_estate_must_belong_to_the_neighbourhood(staff_client, neighbourhood, other_estate, reference_data):
    response = staff_client.post(
        reverse("cases:create"), form_data(neighbourhood=neighbourhood.pk, estate=other_estate.pk)
    )
    assert "不属于所选居民区" in str(response.context["form"].errors["estate"])


def test_building_must_belong_to_the_estate(staff_client, neighbourhood, estate, other_estate, reference_data):
    from places.models import Building

    elsewhere = Building.objects.create(estate=other_estate, number="9号楼")
    data = form_data(neighbourhood=neighbourhood.pk, estate=estate.pk, building=elsewhere.pk)
    response = staff_client.post(reverse("cases:create"), data)
    assert "楼栋必须属于所选小区" in str(response.context["form"].errors["building"])


def test_estate_choices_follow_the_neighbourhood(staff_client, neighbourhood, estate, other_estate, building):
    response = staff_client.get(reverse("cases:estate_options"), {"neighbourhood": neighbourhood.pk})
    assert estate.name in response.text and other_estate.name not in response.text
    response = staff_client.get(reverse("cases:building_options"), {"estate": estate.pk})
    assert building.number in response.text
    response = staff_client.get(
        reverse("cases:building_options"), {"estate": estate.pk, "neighbourhood": other_estate.neighbourhood_id}
    )
    assert building.number not in response.text


def test_committee_member_logs_only_in_their_own_neighbourhood(
    committee_client, neighbourhood, other_neighbourhood, reference_data
):
    form = committee_client.get(reverse("cases:create")).context["form"]
    assert form.fields["neighbourhood"].disabled
    response = committee_client.post(reverse("cases:create"), form_data(neighbourhood=other_neighbourhood.pk))
    assert response.status_code == 302
    assert Case.objects.get().neighbourhood == neighbourhood


def test_a_concurrent_edit_is_refused_with_what_changed(client, staff_user, committee_user, case):
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(staff_user)
    second.force_login(committee_user)
    version = first.get(reverse("cases:edit", args=[case.pk])).context["form"]["version"].value()
    assert second.get(reverse("cases:edit", args=[case.pk])).context["form"]["version"].value() == version
    base = {"neighbourhood": case.neighbourhood_id, "estate": case.estate_id, "building": case.building_id}
    saved = first.post(reverse("cases:edit", args=[case.pk]), form_data(case, title="电梯加装协商", **base))
    assert saved.status_code == 302
    refused = second.post(reverse("cases:edit", args=[case.pk]), form_data(case, title="电梯维修", **base))
    assert refused.status_code == 409
    assert "其他人已修改了该案件" in refused.text
    assert "电梯加装协商" in refused.text  # the change made meanwhile is listed
    case.refresh_from_db()
    assert case.title == "电梯加装协商"
    # Having seen the change, the second person may save deliberately: the form now carries the new version.
    latest = refused.context["form"]["version"].value()
    again = second.post(reverse("cases:edit", args=[case.pk]), {**form_data(case, title="电梯维修", **base)})
    assert int(latest) == case.version and again.status_code == 302
    case.refresh_from_db()
    assert case.title == "电梯维修"


def test_edit_keeps_the_phone_when_the_box_is_left_empty(staff_client, case):
    form = staff_client.get(reverse("cases:edit", args=[case.pk])).context["form"]
    assert "13812345678" not in str(form["reporter_phone"])
    data = form_data(case, reporter_phone="", neighbourhood=case.neighbourhood_id, estate=case.estate_id)
    staff_client.post(reverse("cases:edit", args=[case.pk]), data)
    case.refresh_from_db()
    assert case.reporter_phone == "13812345678"


# --- moves and extensions ------------------------------------------------------------------------


def test_dispatch_through_the_page(staff_client, case):
    department = Department.objects.get(name="区房管局")
    data = {"action": "dispatch", "lead_department": department.pk, "note": "请房管局牵头"}
    response = staff_client.post(reverse("cases:move", args=[case.pk]), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_department == department


def test_an_illegal_move_is_a_message_not_an_error(staff_client, case):
    response = staff_client.post(reverse("cases:move", args=[case.pk]), {"action": "resolve", "resolution": "x"})
    assert response.status_code == 400
    assert "不能办结" in response.text or "办结未完成" in response.text
    response = staff_client.post(
        reverse("cases:move", args=[case.pk]), {"action": "visit", "visit_result": "satisfied"}
    )
    assert response.status_code == 400
    assert "案件当前状态为“受理”，不能回访" in response.text
    assert staff_client.post(reverse("cases:move", args=[case.pk]), {"action": "fly"}).status_code == 400
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_a_move_that_needs_a_reason_asks_for_it(staff_client, case):
    response = staff_client.post(reverse("cases:move", args=[case.pk]), {"action": "note", "note": " "})
    assert response.status_code == 400
    assert "请填写备注的理由或内容" in response.text
    assert case.events.count() == 1


def test_dispatch_needs_somebody_to_do_it(staff_client, case):
    response = staff_client.post(reverse("cases:move", args=[case.pk]), {"action": "dispatch"})
    assert response.status_code == 400
    assert "请至少指定主办单位" in response.text


def test_resolve_asks_for_the_method(staff_client, staff_user, case, method):
    for action in ("accept", "start"):
        if action == "accept":
            case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
        case_transition(case_id=case.pk, actor=staff_user, action=action)
    page = staff_client.get(reverse("cases:detail", args=[case.pk]))
    assert method.name in page.text
    response = staff_client.post(reverse("cases:move", args=[case.pk]), {"action": "resolve", "resolution": "已更换"})
    assert response.status_code == 400
    assert "办结前请选择本案使用的工作法" in response.text
    data = {"action": "resolve", "resolution": "已更换", "method": method.pk}
    assert staff_client.post(reverse("cases:move", args=[case.pk]), data).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.method == method


def test_resolve_shows_suggested_methods(staff_client, staff_user, case, method, neighbourhood, elevator_category):
    earlier = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title="电梯更换")
    for action, extra in [
        ("dispatch", {"assignee": staff_user}),
        ("accept", {}),
        ("start", {}),
        ("resolve", {"resolution": "已更换", "method": method}),
    ]:
        case_transition(case_id=earlier.pk, actor=staff_user, action=action, **extra)
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    case_transition(case_id=case.pk, actor=staff_user, action="accept")
    case_transition(case_id=case.pk, actor=staff_user, action="start")
    response = staff_client.get(reverse("cases:detail", args=[case.pk]))
    assert "建议的工作法" in response.text
    assert len(response.context["suggestions"]) >= 1
    assert response.context["suggestions"][0].method == method


def test_extension_is_requested_and_approved(staff_client, staff_user, second_staff, case):
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    case_transition(case_id=case.pk, actor=staff_user, action="accept")
    old_due = Case.objects.get(pk=case.pk).due_at
    url = reverse("cases:extension_request", args=[case.pk])
    assert staff_client.post(url, {"days": 0, "reason": "x"}).status_code == 400
    assert staff_client.post(url, {"days": 5, "reason": "需业委会表决"}).status_code == 302
    again = staff_client.post(url, {"days": 5, "reason": "再次申请"})
    assert again.status_code == 400 and "已有待审批的延期申请" in again.text
    extension = ExtensionRequest.objects.get()
    own = staff_client.post(
        reverse("cases:extension_decide", args=[extension.pk]), {"decision": "approve"}, follow=True
    )
    assert "不能审批自己提出的延期申请" in own.text and ExtensionRequest.objects.get().status == "pending"
    staff_client.force_login(second_staff)  # nobody decides their own request
    response = staff_client.post(reverse("cases:extension_decide", args=[extension.pk]), {"decision": "approve"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.due_at > old_due
    twice = staff_client.post(
        reverse("cases:extension_decide", args=[extension.pk]), {"decision": "refuse"}, follow=True
    )
    assert "该延期申请已审批" in twice.text
    kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {"extension_requested", "extension_approved"} <= kinds


def test_home_lists_my_open_and_waiting_cases(staff_client, staff_user, case):
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    response = staff_client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["work"]["mine_count"] == 1
    assert list(response.context["work"]["waiting"]["to_accept"][0]) == [case]
    assert case.reference in response.text


@pytest.mark.parametrize("garbage", [":", "-1", "1e3", "９", "99999999999999999999999", ""])
def test_place_choices_shrug_off_garbage(staff_client, neighbourhood, estate, building, reference_data, garbage):
    assert staff_client.get(reverse("cases:estate_options"), {"neighbourhood": garbage}).status_code == 200
    assert (
        staff_client.get(reverse("cases:building_options"), {"estate": garbage, "neighbourhood": garbage}).status_code
        == 200
    )
    response = staff_client.post(reverse("cases:create"), form_data(neighbourhood=garbage, estate=garbage))
    assert response.status_code == 200 and not Case.objects.exists()


def test_home_never_lists_a_case_both_as_open_and_as_overdue(
    staff_client, staff_user, neighbourhood, elevator_category
):
    late = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title="超期的案件")
    on_time = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title="未超期的案件")
    for case in (late, on_time):
        case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=2))
    work = staff_client.get(reverse("home")).context["work"]
    assert list(work["mine"]) == [on_time]
    assert list(work["overdue"]) == [late]
    assert work["mine_count"] == 2
