"""Every cell of the permission matrix (cases/permissions.py), walked through HTTP.

A cell is (role, action, situation). The situation says which of the matrix's conditions hold for the person
acting (the TRUTH table below, written by hand); the matrix says which conditions the role needs; the test
expects the action to happen exactly when the role may see the case and every needed condition holds — and
checks what happened in the database, not only the status code. "merge" (cases.merging, with its own pair of
cases to choose) is walked by tests/cases/test_merging_views.py and tests/api/test_merging.py, committee scoping
included; every other action is walked here."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles
from cases import permissions
from cases.models import Case, CaseEvent, ExtensionRequest, PersonalDataAccess, Status
from tests.conftest import make_case, make_user

pytestmark = pytest.mark.django_db

NOT_ROUTED = {"merge"}
CASE_SITUATIONS = ["committee_case", "street_case", "own_case", "other_neighbourhood"]
# Which conditions hold for the actor in each situation.
TRUTH = {
    "committee_case": {"committee_work": True, "not_own_case": True, "not_own_request": True},
    "street_case": {"committee_work": False, "not_own_case": True, "not_own_request": True},
    "own_case": {"committee_work": True, "not_own_case": False, "not_own_request": False},
    "other_neighbourhood": {"committee_work": True, "not_own_case": True, "not_own_request": True},
    "confidential": {"committee_work": True, "not_own_case": True, "not_own_request": True, "resident_shown": False},
    "own_neighbourhood": {},
    "granted": {"granted_export": True},
    "not_granted": {"granted_export": False},
}
# The state each action is made from, and what it sends.
STATE = {
    "dispatch": Status.NEW,
    "accept": Status.DISPATCHED,
    "return": Status.DISPATCHED,
    "start": Status.ACCEPTED,
    "hold": Status.IN_PROGRESS,
    "resume": Status.ON_HOLD,
    "resolve": Status.IN_PROGRESS,
    "visit": Status.RESOLVED,
    "request_extension": Status.IN_PROGRESS,
    "decide_extension": Status.IN_PROGRESS,
    "remind": Status.IN_PROGRESS,
    "supervise": Status.IN_PROGRESS,
    "note": Status.IN_PROGRESS,
    "edit": Status.IN_PROGRESS,
    "reveal_phone": Status.RESOLVED,
}


def situations(action: str) -> list[str]:
    if action == "log":
        return ["own_neighbourhood", "other_neighbourhood"]
    if action == "export_personal_data":
        return ["granted", "not_granted"]
    if action == "reveal_phone":
        return [*CASE_SITUATIONS, "confidential"]
    return CASE_SITUATIONS


CELLS = [
    (role, action, situation)
    for action in permissions.ACTIONS
    if action not in NOT_ROUTED
    for role in permissions.ROLES
    for situation in situations(action)
]


def test_every_action_but_merge_is_walked_and_the_count_is_known():
    walked = {action for _role, action, _situation in CELLS}
    assert walked | NOT_ROUTED == set(permissions.ACTIONS)
    assert len(CELLS) == 260  # 15 case actions × 4 situations × 4 roles, + reveal (confidential), log, export


@pytest.fixture
def people(neighbourhood, other_neighbourhood):
    return {
        "staff": make_user("staff", roles.STAFF),
        "committee": make_user("committee", roles.COMMITTEE, neighbourhood),
        "visitor": make_user("visitor", roles.VISITOR),
        "method_admin": make_user("handbook", roles.METHOD_ADMIN),
        "colleague": make_user("colleague", roles.COMMITTEE, neighbourhood),
        "street": make_user("street", roles.STAFF),
        "far": make_user("far", roles.COMMITTEE, other_neighbourhood),
    }


def expected(role: str, action: str, situation: str, status: str | None) -> bool:
    """What the matrix says, with what the role may see: a committee member their own neighbourhood, a
    回访员 only cases waiting for a visit, a handbook admin no case."""
    conditions = permissions.cell(role, action)
    if conditions is None:
        return False
    if role == "committee" and situation == "other_neighbourhood":
        return False
    if role == "visitor" and status is not None and status != Status.RESOLVED:
        return False
    truth = TRUTH[situation]
    return all(truth.get(condition.key, True) for condition in conditions)


def prepare(action, situation, actor, people, *, neighbourhood, other_neighbourhood, category, method):
    """A case in the action's state; its assignee, resolver and requester follow the situation."""
    hood = other_neighbourhood if situation == "other_neighbourhood" else neighbourhood
    case = make_case(
        people["staff"],
        neighbourhood=hood,
        category=category,
        reporter_phone="13912345678",
        reporter_confidential=situation == "confidential",
    )
    handler = {
        "committee_case": people["colleague"],
        "street_case": people["street"],
        "own_case": actor,
        "other_neighbourhood": people["far"],
        "confidential": people["colleague"],
    }[situation]
    status = STATE[action]
    now = timezone.now()
    fields = {"status": status, "assignee": handler}
    if status != Status.NEW:
        fields["accepted_at"] = now - timedelta(hours=1)
    if status == Status.ON_HOLD:
        fields["status_before_hold"] = Status.IN_PROGRESS
    if status == Status.RESOLVED:
        fields.update(resolved_at=now, resolved_by=handler, method=method, resolution="已办结")
    Case.objects.filter(pk=case.pk).update(**fields)
    if action == "decide_extension":
        ExtensionRequest.objects.create(case=case, requested_by=handler, days=3, reason="等待维修资金")
    return Case.objects.get(pk=case.pk)


def move_data(action: str, method, department) -> dict:
    data = {"action": action, "note": "理由"}
    if action == "dispatch":
        data["lead_department"] = department.pk
    if action == "resolve":
        data.update(resolution="已更换", method=method.pk)
    if action == "visit":
        data["visit_result"] = "satisfied"
    return data


def walk(client, api, action, case, *, method, department) -> tuple[int, bool]:
    """Make the action through HTTP; return the status and whether it happened."""
    events = CaseEvent.objects.filter(case=case).count()
    if action in STATE and action not in ("request_extension", "decide_extension", "edit", "reveal_phone"):
        response = client.post(reverse("cases:move", args=[case.pk]), move_data(action, method, department))
        return response.status_code, CaseEvent.objects.filter(case=case).count() > events
    if action == "request_extension":
        response = client.post(reverse("cases:extension_request", args=[case.pk]), {"days": 3, "reason": "等待"})
        return response.status_code, ExtensionRequest.objects.filter(case=case).exists()
    if action == "decide_extension":
        extension = ExtensionRequest.objects.get(case=case)
        response = client.post(reverse("cases:extension_decide", args=[extension.pk]), {"decision": "approve"})
        return response.status_code, ExtensionRequest.objects.get(pk=extension.pk).status == "approved"
    if action == "edit":
        response = api.patch(
            reverse("api:case-detail", args=[case.pk]), {"version": case.version, "title": "已改标题"}, format="json"
        )
        return response.status_code, Case.objects.get(pk=case.pk).title == "已改标题"
    if action == "reveal_phone":
        response = client.post(reverse("cases:reveal_phone", args=[case.pk]))
        return response.status_code, PersonalDataAccess.objects.filter(case=case).exists()
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "situation"), CELLS)
def test_the_matrix_cell_holds_through_http(
    role, action, situation, people, client, neighbourhood, other_neighbourhood, elevator_category, method
):
    from cases.models import Channel, Department, RequestType

    actor = people[role]
    client.force_login(actor)
    api = APIClient()
    api.force_authenticate(actor)
    department = Department.objects.order_by("sort_order").first()
    want = expected(role, action, situation, STATE.get(action))

    if action == "log":
        hood = other_neighbourhood if situation == "other_neighbourhood" else neighbourhood
        body = {
            "title": "楼道堆物",
            "description": "楼道里堆满杂物",
            "category": elevator_category.pk,
            "neighbourhood": hood.pk,
            "request_type": RequestType.objects.first().pk,
            "channel": Channel.objects.first().pk,
        }
        response = api.post(reverse("api:case-list"), body, format="json")
        status, happened = response.status_code, Case.objects.filter(title="楼道堆物").exists()
    elif action == "export_personal_data":
        if situation == "granted":
            actor.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
        case = prepare(
            "reveal_phone",
            "committee_case",
            actor,
            people,
            neighbourhood=neighbourhood,
            other_neighbourhood=other_neighbourhood,
            category=elevator_category,
            method=method,
        )
        client.force_login(type(actor).objects.get(pk=actor.pk))  # a fresh user: permissions are cached
        response = client.get(reverse("cases:export"), {"format": "csv"})
        text = response.content.decode("utf-8-sig")
        status, happened = response.status_code, "13912345678" in text
        want = want and case is not None
    else:
        case = prepare(
            action,
            situation,
            actor,
            people,
            neighbourhood=neighbourhood,
            other_neighbourhood=other_neighbourhood,
            category=elevator_category,
            method=method,
        )
        status, happened = walk(client, api, action, case, method=method, department=department)

    assert happened == want, (role, action, situation, status)
    if want:
        assert status in (200, 201, 302), (role, action, situation, status)
    else:
        assert status >= 400 or action == "export_personal_data", (role, action, situation, status)
