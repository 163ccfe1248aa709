"""Warnings through the API and the pages: scoped like cases, drill-down to exactly their cases, and what staff do
with them (acknowledge, turn into a class of matters, choose as the month's topic)."""

import pytest
from django.urls import reverse

from alerts import services
from alerts.models import MonthlyTopic, Warning, WarningKind
from matters.models import MatterClass
from notifications.models import Kind, Notification
from tests.alerts.conftest import phone


@pytest.fixture
def surge_here(log_case):
    """Six elevator cases at 福安大厦 (句容里) in the last three days: one surge."""
    cases = [log_case(days_ago=0.3 + i * 0.4, reporter_phone=phone(i)) for i in range(6)]
    services.warnings_detect()
    return cases


@pytest.fixture
def repeat_there(log_case, other_neighbourhood, other_estate):
    """Three cases of one phone at 海防大楼 (another neighbourhood): one repeat caller."""
    cases = [
        log_case(
            days_ago=1 + i * 5, neighbourhood=other_neighbourhood, estate=other_estate, reporter_phone="13977778888"
        )
        for i in range(3)
    ]
    services.warnings_detect()
    return cases


def test_the_api_lists_warnings_with_their_cases(staff_client, surge_here, repeat_there):
    body = staff_client.get("/api/warnings/").json()
    assert {w["kind"] for w in body} == {"surge", "repeat_caller"}
    for warning in body:
        assert set(warning) == {"id", "kind", "title", "case_ids", "created_at", "acknowledged"}
        assert warning["acknowledged"] is False
    by_kind = {w["kind"]: w for w in body}
    assert by_kind["surge"]["case_ids"] == sorted(c.pk for c in surge_here)
    assert by_kind["repeat_caller"]["case_ids"] == sorted(c.pk for c in repeat_there)
    assert "13977778888" not in str(body) and "8888" not in by_kind["repeat_caller"]["title"]


def test_a_committee_sees_only_its_neighbourhoods_warnings(
    client, committee_user, other_committee_user, surge_here, repeat_there
):
    client.force_login(committee_user)
    assert [w["kind"] for w in client.get("/api/warnings/").json()] == ["surge"]
    client.force_login(other_committee_user)
    assert [w["kind"] for w in client.get("/api/warnings/").json()] == ["repeat_caller"]
    surge = Warning.objects.get(kind=WarningKind.SURGE)
    assert client.get(reverse("alerts:detail", args=[surge.pk])).status_code == 404
    assert client.post(reverse("alerts:acknowledge", args=[surge.pk]), {"note": "看过"}).status_code == 404


def test_people_without_a_case_role_see_no_warnings(client, method_admin, surge_here):
    client.force_login(method_admin)
    assert client.get("/api/warnings/").status_code == 403
    assert client.get(reverse("alerts:list")).status_code == 403


def test_the_warning_page_drills_down_to_exactly_its_cases_and_says_why(
    staff_client, surge_here, log_case, noise_category
):
    quiet = log_case(days_ago=1, category=noise_category, title="楼道噪音扰民")
    surge = Warning.objects.get(kind=WarningKind.SURGE)
    page = staff_client.get(reverse("alerts:detail", args=[surge.pk])).content.decode()
    for case in surge_here:
        assert case.reference in page
    assert quiet.reference not in page
    assert "前 8 周共 0 件" in page and "近 7 天 6 件" in page


def test_a_committee_member_acknowledges_a_warning_with_a_note(client, committee_user, surge_here):
    client.force_login(committee_user)
    surge = Warning.objects.get(kind=WarningKind.SURGE)
    response = client.post(reverse("alerts:acknowledge", args=[surge.pk]), {"note": "已约物业和电梯维保单位现场查看"})
    assert response.status_code == 302
    surge.refresh_from_db()
    assert surge.acknowledged and surge.acknowledged_by == committee_user
    assert surge.acknowledgement == "已约物业和电梯维保单位现场查看"
    assert client.get("/api/warnings/").json()[0]["acknowledged"] is True


def test_staff_turn_a_warning_into_a_class_of_matters_and_choose_it_as_the_months_topic(staff_client, surge_here):
    surge = Warning.objects.get(kind=WarningKind.SURGE)
    response = staff_client.post(reverse("alerts:to_class", args=[surge.pk]), {"title": "福安大厦电梯集中报修"})
    matter_class = MatterClass.objects.get(title="福安大厦电梯集中报修")
    assert response.url == reverse("matters:class_detail", args=[matter_class.pk])
    assert sorted(matter_class.memberships.values_list("case_id", flat=True)) == sorted(c.pk for c in surge_here)
    surge.refresh_from_db()
    assert surge.matter_class == matter_class
    staff_client.post(reverse("alerts:topic", args=[surge.pk]), {"note": "本月聚焦老旧电梯"})
    topic = MonthlyTopic.objects.get()
    assert topic.warning == surge and topic.month.day == 1
    assert "本月聚焦老旧电梯" in staff_client.get(reverse("alerts:list")).content.decode()


def test_a_committee_member_cannot_turn_a_warning_into_a_class(client, committee_user, surge_here):
    client.force_login(committee_user)
    surge = Warning.objects.get(kind=WarningKind.SURGE)
    assert client.post(reverse("alerts:to_class", args=[surge.pk]), {"title": "x"}).status_code == 403
    assert client.post(reverse("alerts:topic", args=[surge.pk])).status_code == 403
    assert MatterClass.objects.count() == 0


def test_a_new_warning_tells_the_committee_of_its_neighbourhood_and_the_supervisors(
    log_case, committee_user, other_committee_user, django_capture_on_commit_callbacks
):
    from django.conf import settings
    from django.contrib.auth.models import Group

    from tests.conftest import make_user

    supervisor = make_user("ducha", "街道工作人员")
    supervisor.groups.add(Group.objects.get(name=settings.CASE_ESCALATE_GROUP))
    for i in range(6):
        log_case(days_ago=0.5 + i * 0.3, reporter_phone=phone(i))
    with django_capture_on_commit_callbacks(execute=True):
        services.warnings_detect()
    with django_capture_on_commit_callbacks(execute=True):
        services.warnings_detect()
    told = set(Notification.objects.filter(kind=Kind.WARNING).values_list("user__username", flat=True))
    assert told == {"committee", "ducha"}
    notification = Notification.objects.get(user=committee_user)
    assert notification.warning.kind == WarningKind.SURGE
    assert notification.title.startswith("预警：异动：")


def test_the_dashboards_show_the_unacknowledged_warnings_to_whom_may_see_them(
    client, staff_user, committee_user, other_committee_user, surge_here, neighbourhood
):
    surge = Warning.objects.get(kind=WarningKind.SURGE)
    client.force_login(staff_user)
    assert surge.title in client.get(reverse("dashboards:overview")).content.decode()
    client.force_login(committee_user)
    assert surge.title in client.get(reverse("dashboards:neighbourhood", args=[neighbourhood.pk])).content.decode()
    client.force_login(other_committee_user)
    hood = other_committee_user.profile.neighbourhood_id
    assert surge.title not in client.get(reverse("dashboards:neighbourhood", args=[hood])).content.decode()
