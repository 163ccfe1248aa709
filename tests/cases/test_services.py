import threading
from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from cases.deadlines import add_working_days
from cases.models import Case, CaseEvent, EventKind, ExtensionStatus, Holiday, Status
from cases.services import (
    CaseError,
    IllegalMove,
    NotPermitted,
    StaleEdit,
    case_transition,
    case_update,
    extension_decide,
    extension_request,
)
from cases.workflow import MOVES
from tests.conftest import independent_visitor, make_case

REACH = {  # the moves that bring a new case into each status
    Status.NEW: [],
    Status.DISPATCHED: ["dispatch"],
    Status.ACCEPTED: ["dispatch", "accept"],
    Status.IN_PROGRESS: ["dispatch", "accept", "start"],
    Status.ON_HOLD: ["dispatch", "accept", "start", "hold"],
    Status.RESOLVED: ["dispatch", "accept", "start", "resolve"],
    Status.CLOSED: ["dispatch", "accept", "start", "resolve", "visit"],
}


def move(case, actor, action, **extra):
    from cases.models import Department

    defaults = {
        "dispatch": {"lead_department": Department.objects.first()},
        "resolve": {"resolution": "已更换电梯", "method": extra.pop("method_obj", None)},
        "visit": {"visit_result": "satisfied", "visit_reason": "unresolved"},
    }.get(action, {})
    note = "理由" if MOVES[action].needs_note else ""
    if action == "visit":
        actor = independent_visitor()  # the handler may not visit their own case
    return case_transition(case_id=case.pk, actor=actor, action=action, note=note, **{**defaults, **extra})


def bring_to(case, actor, status, method):
    for action in REACH[status]:
        case = move(case, actor, action, method_obj=method) if action == "resolve" else move(case, actor, action)
    return case


@pytest.mark.parametrize("status", list(REACH))
@pytest.mark.parametrize("action", list(MOVES))
def test_every_move_is_allowed_exactly_from_its_source_states(case, staff_user, method, status, action):
    case = bring_to(case, staff_user, status, method)
    assert case.status == status
    if status in MOVES[action].sources:
        after = (
            move(case, staff_user, action, method_obj=method) if action == "resolve" else move(case, staff_user, action)
        )
        event = after.events.first()
        assert event.action == action and event.actor == (independent_visitor() if action == "visit" else staff_user)
        assert after.version == case.version + 1
    else:
        with pytest.raises(IllegalMove, match="不能"):
            move(case, staff_user, action, method_obj=method)
        assert Case.objects.get(pk=case.pk).status == status


def test_the_whole_life_writes_a_timeline_line_per_step(case, staff_user, method):
    case = bring_to(case, staff_user, Status.RESOLVED, method)
    case = move(case, staff_user, "visit", visit_result="unsatisfied")
    assert case.status == Status.IN_PROGRESS and case.rework_count == 1
    case = move(case, staff_user, "resolve", method_obj=method)
    case = move(case, staff_user, "visit", visit_result="basically")
    assert case.status == Status.CLOSED and case.closed_at is not None
    kinds = list(case.events.order_by("created_at", "id").values_list("kind", "from_status", "to_status"))
    assert kinds == [
        (EventKind.CREATED, "", Status.NEW),
        (EventKind.TRANSITION, Status.NEW, Status.DISPATCHED),
        (EventKind.TRANSITION, Status.DISPATCHED, Status.ACCEPTED),
        (EventKind.TRANSITION, Status.ACCEPTED, Status.IN_PROGRESS),
        (EventKind.TRANSITION, Status.IN_PROGRESS, Status.RESOLVED),
        (EventKind.VISIT, Status.RESOLVED, Status.IN_PROGRESS),
        (EventKind.TRANSITION, Status.IN_PROGRESS, Status.RESOLVED),
        (EventKind.VISIT, Status.RESOLVED, Status.CLOSED),
    ]


def test_resolving_needs_a_method_and_a_resolution(case, staff_user, method):
    case = bring_to(case, staff_user, Status.IN_PROGRESS, method)
    with pytest.raises(CaseError, match="工作法"):
        case_transition(case_id=case.pk, actor=staff_user, action="resolve", resolution="done")
    with pytest.raises(CaseError, match="办理结果"):
        case_transition(case_id=case.pk, actor=staff_user, action="resolve", method=method)


def test_a_return_needs_a_reason_and_goes_back_to_dispatch(case, staff_user):
    case = move(case, staff_user, "dispatch")
    with pytest.raises(CaseError, match="理由"):
        case_transition(case_id=case.pk, actor=staff_user, action="return", note="  ")
    case = case_transition(case_id=case.pk, actor=staff_user, action="return", note="不属于本单位职责")
    assert case.status == Status.NEW
    assert case.events.first().note == "不属于本单位职责"


def test_hold_and_resume_return_to_the_previous_state(case, staff_user):
    case = move(move(case, staff_user, "dispatch"), staff_user, "accept")
    case = move(case, staff_user, "hold")
    assert case.status == Status.ON_HOLD
    case = move(case, staff_user, "resume")
    assert case.status == Status.ACCEPTED


def test_committee_member_cannot_dispatch_or_supervise(case, committee_user):
    for action in ("dispatch", "supervise"):
        with pytest.raises(NotPermitted):
            move(case, committee_user, action)


def test_committee_member_cannot_touch_another_neighbourhoods_case(case, other_committee_user):
    with pytest.raises(NotPermitted):
        move(case, other_committee_user, "note")


def test_an_unknown_action_is_refused(case, staff_user):
    with pytest.raises(IllegalMove):
        case_transition(case_id=case.pk, actor=staff_user, action="explode")


def test_an_edit_records_old_and_new_values(case, staff_user):
    updated = case_update(case_id=case.pk, actor=staff_user, expected_version=case.version, data={"title": "电梯更新"})
    event = updated.events.first()
    assert event.kind == EventKind.EDITED
    assert event.changes == [{"field": "title", "label": "标题", "old": case.title, "new": "电梯更新"}]


def test_a_second_save_from_a_stale_form_is_refused_with_what_changed(case, staff_user, committee_user):
    opened_at = case.version
    case_update(case_id=case.pk, actor=committee_user, expected_version=opened_at, data={"title": "第一次修改"})
    with pytest.raises(StaleEdit) as refused:
        case_update(case_id=case.pk, actor=staff_user, expected_version=opened_at, data={"title": "第二次修改"})
    assert refused.value.events[0].changes[0]["new"] == "第一次修改"
    assert Case.objects.get(pk=case.pk).title == "第一次修改"


def test_case_rules_refuse_an_estate_from_another_neighbourhood(
    staff_user, neighbourhood, other_estate, elevator_category
):
    with pytest.raises(ValidationError) as refused:
        make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, estate=other_estate)
    assert "estate" in refused.value.message_dict


def test_case_rules_refuse_a_received_time_in_the_future(staff_user, neighbourhood, elevator_category):
    with pytest.raises(ValidationError) as refused:
        make_case(
            staff_user,
            neighbourhood=neighbourhood,
            category=elevator_category,
            received_at=timezone.now() + timezone.timedelta(days=1),
        )
    assert "received_at" in refused.value.message_dict


def test_committee_member_can_only_log_cases_in_their_own_neighbourhood(
    committee_user, other_neighbourhood, elevator_category
):
    with pytest.raises(NotPermitted):
        make_case(committee_user, neighbourhood=other_neighbourhood, category=elevator_category)


def test_timeline_events_cannot_be_changed_or_deleted(case):
    event = case.events.first()
    event.note = "rewritten"
    with pytest.raises(Exception, match="cannot be changed"):
        event.save()
    with pytest.raises(Exception, match="cannot be deleted"):
        event.delete()
    assert CaseEvent.objects.get(pk=event.pk).note == ""


def test_an_approved_extension_moves_the_deadline(case, staff_user, committee_user):
    case = move(move(case, staff_user, "dispatch"), staff_user, "accept")
    extension = extension_request(case_id=case.pk, actor=committee_user, days=3, reason="等待维修资金审批")
    with pytest.raises(IllegalMove):
        extension_request(case_id=case.pk, actor=committee_user, days=2, reason="again")
    with pytest.raises(NotPermitted):
        extension_decide(extension_id=extension.pk, actor=committee_user, approve=True)
    extension_decide(extension_id=extension.pk, actor=staff_user, approve=True)
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.APPROVED
    assert Case.objects.get(pk=case.pk).due_at == add_working_days(case.due_at, 3)


def test_working_days_skip_weekends_and_holidays_and_honour_makeup_days(db):
    tz = timezone.get_current_timezone()
    friday = datetime(2025, 9, 26, 15, 0, tzinfo=tz)
    assert add_working_days(friday, 1) == datetime(2025, 9, 29, 15, 0, tzinfo=tz)  # Monday
    Holiday.objects.create(date=datetime(2025, 9, 29).date(), name="假日")
    Holiday.objects.create(date=datetime(2025, 9, 28).date(), is_workday=True, name="调休")
    assert add_working_days(friday, 1) == datetime(2025, 9, 28, 15, 0, tzinfo=tz)  # Sunday make-up day
    assert add_working_days(friday, 2) == datetime(2025, 9, 30, 15, 0, tzinfo=tz)


def test_deadlines_follow_category_and_urgency(staff_user, neighbourhood, elevator_category, reference_data):
    from cases.models import Category

    normal = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
    complex_ = make_case(staff_user, neighbourhood=neighbourhood, category=Category.objects.get(name="征收签约"))
    critical = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, urgency="critical")
    assert normal.due_at == add_working_days(normal.received_at, 5)
    assert complex_.due_at == add_working_days(complex_.received_at, 15)
    assert critical.first_contact_due == critical.received_at + timezone.timedelta(hours=2)
    assert normal.first_contact_due == add_working_days(normal.received_at, 1)


def test_references_are_sequential_in_the_year_the_case_was_received(staff_user, neighbourhood, elevator_category):
    def received(year, month):
        return timezone.make_aware(datetime(year, month, 1, 10, 0))

    cases = [
        make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, received_at=received(y, m))
        for y, m in [(2025, 3), (2024, 7), (2025, 1), (2025, 5)]
    ]
    assert [c.reference for c in cases] == ["JN-2025-000001", "JN-2024-000001", "JN-2025-000002", "JN-2025-000003"]


@pytest.mark.django_db(transaction=True)
def test_references_stay_unique_and_gap_free_under_concurrent_creation(staff_user, neighbourhood, elevator_category):
    errors, count = [], 8

    def create():
        try:
            make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
        except Exception as exc:  # a lost case would show here
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in Case.objects.values_list("reference", flat=True))
    assert numbers == list(range(1, count + 1))
