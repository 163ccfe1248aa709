"""Every event tells the right people once: dispatch, return, extension decided, 催办, 督办, due soon, overdue,
escalation and warnings."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import Department
from cases.services import case_transition, extension_decide, extension_request
from notifications import services
from notifications.models import Kind, Notification
from tests.conftest import make_case, make_user


def told(kind: str, case=None) -> set[str]:
    found = Notification.objects.filter(kind=kind)
    if case is not None:
        found = found.filter(case=case)
    return set(found.values_list("user__username", flat=True))


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what the services queue for after the commit (the test's transaction never commits)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def test_a_dispatch_tells_the_assignee_the_team_and_the_unit_but_not_the_dispatcher(
    case, staff_user, worker_user, team, unit, on_commit
):
    with on_commit():
        case_transition(
            case_id=case.pk, actor=staff_user, action="dispatch", assignee=worker_user, team=team, lead_department=unit
        )
    assert told(Kind.DISPATCHED, case) == {"xiaoli", "duizhang", "zhuanban", "fangguan"}
    notification = Notification.objects.get(user=worker_user)
    assert notification.title == f"新派单：{case.reference} {case.title}"
    assert notification.read_at is None


def test_an_assisting_unit_is_told_of_a_dispatch_too(case, staff_user, worker_user, unit, on_commit):
    other = Department.objects.exclude(pk=unit.pk).order_by("sort_order").first()
    with on_commit():
        case_transition(
            case_id=case.pk, actor=staff_user, action="dispatch", lead_department=other, assisting_departments=[unit]
        )
    assert told(Kind.DISPATCHED, case) == {"fangguan"}


def test_a_return_tells_the_dispatcher(case, staff_user, worker_user, on_commit):
    with on_commit():
        case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=worker_user)
        case_transition(case_id=case.pk, actor=worker_user, action="return", note="不属于本单位职责")
    assert told(Kind.RETURNED, case) == {"staff"}


def test_an_extension_decision_tells_who_asked_for_it(case, staff_user, worker_user, on_commit):
    supervisor = make_user("kezhang", "街道工作人员")
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=worker_user)
    case_transition(case_id=case.pk, actor=worker_user, action="accept")
    first = extension_request(case_id=case.pk, actor=worker_user, days=3, reason="等待报价")
    with on_commit():
        extension_decide(extension_id=first.pk, actor=supervisor, approve=True)
    second = extension_request(case_id=case.pk, actor=worker_user, days=3, reason="还要等")
    with on_commit():
        extension_decide(extension_id=second.pk, actor=supervisor, approve=False)
    titles = list(
        Notification.objects.filter(kind=Kind.EXTENSION_DECIDED, user=worker_user)
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert titles == [
        f"延期申请已同意：{case.reference} {case.title}",
        f"延期申请未同意：{case.reference} {case.title}",
    ]


def test_a_reminder_and_a_supervision_tell_the_assignee(case, staff_user, worker_user, on_commit):
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=worker_user)
    with on_commit():
        case_transition(case_id=case.pk, actor=staff_user, action="remind", note="居民又来电询问")
        case_transition(case_id=case.pk, actor=staff_user, action="supervise", note="请本周内办结")
    assert told(Kind.REMINDED, case) == {"xiaoli"}
    assert told(Kind.SUPERVISED, case) == {"xiaoli"}


def test_a_reminder_on_a_case_without_assignee_tells_its_team(case, staff_user, team, on_commit):
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", team=team)
    with on_commit():
        case_transition(case_id=case.pk, actor=staff_user, action="remind", note="请尽快联系居民")
    assert told(Kind.REMINDED, case) == {"duizhang", "zhuanban"}


def test_other_moves_tell_nobody(case, staff_user, worker_user, on_commit):
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=worker_user)
    with on_commit():
        case_transition(case_id=case.pk, actor=worker_user, action="accept")
        case_transition(case_id=case.pk, actor=worker_user, action="note", note="已联系居民")
    assert Notification.objects.count() == 0  # the dispatch above ran without its on-commit listeners


def test_history_replayed_with_a_past_date_tells_nobody(case, staff_user, worker_user, on_commit):
    with on_commit():
        case_transition(
            case_id=case.pk,
            actor=staff_user,
            action="dispatch",
            assignee=worker_user,
            at=timezone.now() - timedelta(days=30),
        )
    assert Notification.objects.count() == 0


# --- the reminder pass ---------------------------------------------------------------------------------


@pytest.fixture
def assigned(staff_user, worker_user, team, neighbourhood, elevator_category):
    """A case dispatched to xiaoli in the team, received now, due in 5 working days."""
    case = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, received_at=timezone.now())
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=worker_user, team=team)
    case.refresh_from_db()
    return case


def share_of_time(case, share: float):
    return case.received_at + (case.due_at - case.received_at) * share


def test_a_case_is_due_soon_when_three_quarters_of_its_time_have_passed(assigned):
    call_command("send_reminders", at=share_of_time(assigned, 0.70).isoformat())
    assert told(Kind.DUE_SOON) == set()
    call_command("send_reminders", at=share_of_time(assigned, 0.76).isoformat())
    assert told(Kind.DUE_SOON, assigned) == {"xiaoli"}
    assert told(Kind.OVERDUE) == set()


def test_an_overdue_case_tells_its_assignee_and_escalates_after_two_working_days(assigned, supervisor):
    services.reminders_run(at=assigned.due_at + timedelta(minutes=1))
    assert told(Kind.OVERDUE, assigned) == {"xiaoli"}
    assert told(Kind.ESCALATED) == set()
    from cases.deadlines import add_working_days

    escalate_at = add_working_days(assigned.due_at, 2)
    services.reminders_run(at=escalate_at - timedelta(minutes=1))
    assert told(Kind.ESCALATED) == set()
    services.reminders_run(at=escalate_at + timedelta(minutes=1))
    assert told(Kind.ESCALATED, assigned) == {"duizhang", "ducha"}


def test_the_reminder_pass_twice_sends_nothing_twice(assigned, supervisor, mailoutbox, on_commit):
    moment = assigned.due_at + timedelta(days=10)
    with on_commit():
        services.reminders_pass(at=moment)
    # Overdue to xiaoli; escalated to the team leader and the supervisor; each by e-mail too.
    assert Notification.objects.count() == 3
    assert sorted(m.to[0] for m in mailoutbox) == [
        "ducha@example.gov.cn",
        "duizhang@example.gov.cn",
        "xiaoli@example.gov.cn",
    ]
    with on_commit():
        services.reminders_pass(at=moment + timedelta(minutes=5))
        call_command("send_reminders", at=(moment + timedelta(minutes=10)).isoformat())
    assert Notification.objects.count() == 3
    assert len(mailoutbox) == 3


def test_an_extension_makes_the_new_deadline_news_again(assigned, staff_user, worker_user):
    services.reminders_pass(at=share_of_time(assigned, 0.8))
    case_transition(case_id=assigned.pk, actor=worker_user, action="accept")
    extension = extension_request(case_id=assigned.pk, actor=worker_user, days=10, reason="等待报价")
    extension_decide(extension_id=extension.pk, actor=staff_user, approve=True)
    assigned.refresh_from_db()
    services.reminders_pass(at=share_of_time(assigned, 0.8))
    assert Notification.objects.filter(kind=Kind.DUE_SOON, user=worker_user).count() == 2


def test_resolved_cases_and_cases_with_time_left_are_not_reminded(assigned, staff_user, worker_user, method):
    for action in ("accept", "start"):
        case_transition(case_id=assigned.pk, actor=worker_user, action=action)
    case_transition(case_id=assigned.pk, actor=worker_user, action="resolve", resolution="已修复", method=method)
    services.reminders_pass(at=assigned.due_at + timedelta(days=10))
    assert Notification.objects.count() == 0


def test_a_case_nobody_was_given_reminds_who_logged_it(staff_user, neighbourhood, elevator_category):
    case = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, received_at=timezone.now())
    services.reminders_pass(at=case.due_at + timedelta(hours=1))
    assert told(Kind.OVERDUE, case) == {"staff"}


# --- the sweep of events a listener missed ----------------------------------------------------------------


def test_a_dispatch_whose_listener_never_ran_is_notified_by_the_sweep(case, staff_user, worker_user):
    services.events_sweep()  # the first sweep starts from the newest event: history is not news
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=worker_user)
    assert Notification.objects.count() == 0  # the test's transaction never commits: no listener ran
    services.events_sweep(at=timezone.now() + timedelta(minutes=2))
    assert told(Kind.DISPATCHED, case) == {"xiaoli"}
    services.events_sweep(at=timezone.now() + timedelta(minutes=3))
    assert Notification.objects.count() == 1
