"""The case list's GET filters: the names dashboards link with, each doing what it says."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Channel, Department, RequestType, Team
from cases.services import case_transition
from tests.conftest import independent_visitor, make_case

pytestmark = pytest.mark.django_db


def listed(client, **params):
    response = client.get(reverse("cases:list"), params)
    assert response.status_code == 200, response.context["filter"].errors if response.context else response
    return {case.title for case in response.context["filter"].qs}


def local(year, month, day, hour=10):
    return timezone.make_aware(datetime(year, month, day, hour))


@pytest.fixture
def world(staff_user, neighbourhood, other_neighbourhood, estate, building, other_estate, method, elevator_category):
    from cases.models import Category

    elevator = elevator_category
    noise = Category.objects.get(parent__name="市容环境", name="油烟噪音")
    visit_channel = Channel.objects.get(code="visit")
    complaint = RequestType.objects.get(name="投诉")
    team = Team.objects.create(name="电梯专班")
    now = timezone.now()
    cases = {
        "lift": make_case(
            staff_user,
            neighbourhood=neighbourhood,
            estate=estate,
            building=building,
            category=elevator,
            title="电梯",
            received_at=local(2026, 3, 2),
            urgency="urgent",
        ),
        "noise": make_case(
            staff_user,
            neighbourhood=other_neighbourhood,
            estate=other_estate,
            category=noise,
            title="噪音",
            channel=visit_channel,
            request_type=complaint,
            received_at=now - timedelta(days=40),
        ),
        "fresh": make_case(staff_user, neighbourhood=neighbourhood, category=noise, title="新件", received_at=now),
    }
    dept = Department.objects.first()
    lift = cases["lift"]
    case_transition(case_id=lift.pk, actor=staff_user, action="dispatch", team=team, assignee=staff_user)
    case_transition(case_id=lift.pk, actor=staff_user, action="accept", at=local(2026, 3, 2, 11))
    case_transition(case_id=lift.pk, actor=staff_user, action="start")
    case_transition(
        case_id=lift.pk, actor=staff_user, action="resolve", resolution="r", method=method, at=local(2026, 3, 5)
    )
    case_transition(
        case_id=lift.pk, actor=independent_visitor(), action="visit", visit_result="unsatisfied", visit_reason="partly"
    )
    case_transition(
        case_id=lift.pk, actor=staff_user, action="resolve", resolution="r2", method=method, at=local(2026, 3, 9)
    )
    noise_case = cases["noise"]
    case_transition(case_id=noise_case.pk, actor=staff_user, action="dispatch", lead_department=dept)
    return {
        "team": team,
        "elevator_category": elevator,
        "noise_category": noise,
        "channel": visit_channel,
        "type": complaint,
        **cases,
    }


def test_status_accepts_several_values(staff_client, world):
    assert listed(staff_client, status="resolved") == {"电梯"}
    assert listed(staff_client, status=["new", "dispatched"]) == {"噪音", "新件"}


def test_category_and_category_group(staff_client, world):
    assert listed(staff_client, category=world["elevator_category"].pk) == {"电梯"}
    assert listed(staff_client, category_group=world["noise_category"].parent_id) == {"噪音", "新件"}


def test_places_filters(staff_client, world, neighbourhood, estate, building):
    assert listed(staff_client, neighbourhood=neighbourhood.pk) == {"电梯", "新件"}
    assert listed(staff_client, estate=estate.pk) == {"电梯"}
    assert listed(staff_client, building=building.pk) == {"电梯"}


def test_vocabulary_filters(staff_client, world, method, staff_user):
    assert listed(staff_client, channel=world["channel"].pk) == {"噪音"}
    assert listed(staff_client, request_type=world["type"].pk) == {"噪音"}
    assert listed(staff_client, urgency="urgent") == {"电梯"}
    assert listed(staff_client, method=method.pk) == {"电梯"}
    assert listed(staff_client, team=world["team"].pk) == {"电梯"}
    assert listed(staff_client, assignee=staff_user.pk) == {"电梯"}
    assert listed(staff_client, mine=1) == {"电梯"}


def test_overdue_yes_and_no(staff_client, world):
    assert listed(staff_client, overdue=1) == {"噪音"}
    assert listed(staff_client, overdue=0) == {"电梯", "新件"}


def test_received_dates_are_inclusive_local_days(staff_client, world):
    assert listed(staff_client, received_after="2026-03-02", received_before="2026-03-02") == {"电梯"}
    assert "电梯" not in listed(staff_client, received_after="2026-03-03")
    assert listed(staff_client, received_before="2026-03-01") - {"噪音"} == set()


def test_resolved_dates_and_visit_and_rework(staff_client, world):
    assert listed(staff_client, resolved_after="2026-03-09", resolved_before="2026-03-09") == {"电梯"}
    assert listed(staff_client, resolved_before="2026-03-08") == set()
    assert listed(staff_client, visit_result="unsatisfied") == {"电梯"}
    assert listed(staff_client, visit_result=["satisfied", "basically"]) == set()
    assert listed(staff_client, rework=1) == {"电梯"}
    assert listed(staff_client, rework=0) == {"噪音", "新件"}


def test_responded_in_time(staff_client, world):
    assert listed(staff_client, responded_in_time=1) == {"电梯"}
    # 噪音 was due for first contact long ago and nobody accepted it; 新件 is not due yet.
    assert listed(staff_client, responded_in_time=0) == {"噪音"}


def test_a_bad_value_is_reported_not_a_crash(staff_client, world):
    response = staff_client.get(reverse("cases:list"), {"received_after": "昨天", "status": "flying"})
    assert response.status_code == 200
    assert response.context["filter"].errors


def test_sorting_by_each_column_works(staff_client, world):
    for column in ("reference", "title", "status", "urgency", "received_at", "due_at", "resolved_at", "neighbourhood"):
        for sort in (column, f"-{column}"):
            response = staff_client.get(reverse("cases:list"), {"sort": sort})
            assert response.status_code == 200
            assert len(response.context["page"].object_list) == Case.objects.count()
    newest_first = [c.title for c in staff_client.get(reverse("cases:list")).context["page"].object_list]
    assert newest_first[0] == "新件"
