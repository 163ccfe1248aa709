"""The detector on hand-made histories: each rule fires where it should and stays quiet where it should not."""

import pytest
from django.core.management import call_command

from alerts import services
from alerts.detect import phone_key, surge_p
from alerts.models import Warning, WarningKind
from cases.services import case_transition
from matters.models import CaseLink, LinkKind, LinkStatus
from tests.alerts.conftest import phone
from tests.security.conftest import close_case


def warnings_of(kind: str) -> list[Warning]:
    return list(Warning.objects.filter(kind=kind).order_by("pk"))


def case_ids(warning: Warning) -> list[int]:
    return sorted(warning.cases.values_list("pk", flat=True))


# --- surge ---------------------------------------------------------------------------------------------


def test_six_cases_at_an_estate_with_no_history_raise_one_surge_listing_them(log_case):
    cases = [log_case(days_ago=0.2 + i * 0.4, reporter_phone=phone(i)) for i in range(6)]
    call_command("detect_warnings")
    [surge] = warnings_of(WarningKind.SURGE)
    assert case_ids(surge) == sorted(c.pk for c in cases)
    assert surge.estate_id == cases[0].estate_id
    assert surge.category_id == cases[0].category_id
    assert surge.neighbourhood_id == cases[0].neighbourhood_id
    assert surge.facts["recent"] == 6 and surge.facts["baseline"] == 0
    assert surge.facts["p"] < 0.01


def test_running_the_detector_again_raises_no_duplicate(log_case):
    for i in range(6):
        log_case(days_ago=1 + i * 0.3, reporter_phone=phone(i))
    for i in range(3):
        log_case(days_ago=5 + i, reporter_phone="13700000001", estate=None)
    call_command("detect_warnings")
    call_command("detect_warnings")
    assert Warning.objects.filter(kind=WarningKind.SURGE).count() == 1
    assert Warning.objects.filter(kind=WarningKind.REPEAT_CALLER).count() == 1


def test_a_seventh_case_joins_the_surge_instead_of_raising_another(log_case):
    for i in range(6):
        log_case(days_ago=1 + i * 0.3, reporter_phone=phone(i))
    services.warnings_detect()
    late = log_case(days_ago=0.1, reporter_phone=phone(9))
    services.warnings_detect()
    [surge] = warnings_of(WarningKind.SURGE)
    assert late.pk in case_ids(surge)
    assert surge.facts["recent"] == 7


def test_four_cases_at_a_quiet_estate_do_not_warn(log_case):
    for i in range(4):
        log_case(days_ago=1 + i, reporter_phone=phone(i))
    services.warnings_detect()
    assert warnings_of(WarningKind.SURGE) == []


def test_an_estate_that_always_has_this_many_cases_does_not_warn(log_case):
    # 40 cases over the 8 weeks before (5 a week), then 6 this week: not improbable.
    for i in range(40):
        log_case(days_ago=8 + i * 1.3, reporter_phone=phone(100 + i))
    for i in range(6):
        log_case(days_ago=0.5 + i, reporter_phone=phone(i))
    services.warnings_detect()
    assert warnings_of(WarningKind.SURGE) == []


def test_a_neighbourhood_wide_surge_spread_over_estates_warns_at_the_neighbourhood(
    log_case, other_estate, third_estate
):
    cases = [log_case(days_ago=0.5 + i * 0.5, estate=None, reporter_phone=phone(i)) for i in range(3)]
    cases += [log_case(days_ago=1 + i * 0.5, estate=third_estate, reporter_phone=phone(10 + i)) for i in range(3)]
    services.warnings_detect()
    [surge] = warnings_of(WarningKind.SURGE)
    assert surge.facts["scope"] == "neighbourhood"
    assert surge.estate_id is None
    assert case_ids(surge) == sorted(c.pk for c in cases)


def test_cases_of_other_categories_do_not_add_up_to_a_surge(log_case, noise_category):
    for i in range(3):
        log_case(days_ago=1 + i, reporter_phone=phone(i))
        log_case(days_ago=1 + i, category=noise_category, reporter_phone=phone(10 + i))
    services.warnings_detect()
    assert warnings_of(WarningKind.SURGE) == []


def test_the_smoothed_baseline_lets_five_cases_warn_where_there_were_none():
    _expected, p = surge_p(5, 0, days=7, weeks=8, prior=1.0)
    assert p < 0.01
    _expected, p = surge_p(4, 0, days=7, weeks=8, prior=1.0)
    assert p < 0.01  # improbable, but below the minimum of 5 cases: the rule also needs the count
    _expected, p = surge_p(6, 40, days=7, weeks=8, prior=1.0)
    assert p > 0.3


# --- repeat caller -------------------------------------------------------------------------------------


def test_three_cases_from_one_phone_within_30_days_raise_one_repeat_caller_warning(log_case, noise_category):
    cases = [
        log_case(days_ago=2, reporter_phone="13911112222"),
        log_case(days_ago=12, reporter_phone="13911112222", category=noise_category),
        log_case(days_ago=25, reporter_phone="13911112222", estate=None),
    ]
    log_case(days_ago=3, reporter_phone="13633334444")
    call_command("detect_warnings")
    [warning] = warnings_of(WarningKind.REPEAT_CALLER)
    assert case_ids(warning) == sorted(c.pk for c in cases)
    assert "13911112222" not in warning.title and "2222" not in warning.subject
    assert warning.subject == f"repeat_caller:{phone_key('13911112222')}"


def test_two_calls_or_a_third_call_outside_30_days_do_not_warn(log_case):
    log_case(days_ago=2, reporter_phone="13911112222")
    log_case(days_ago=12, reporter_phone="13911112222")
    log_case(days_ago=45, reporter_phone="13911112222")
    services.warnings_detect()
    assert warnings_of(WarningKind.REPEAT_CALLER) == []


# --- many residents ------------------------------------------------------------------------------------


def link(a, b, status=LinkStatus.SUGGESTED):
    low, high = sorted([a, b], key=lambda c: c.pk)
    return CaseLink.objects.create(case_a=low, case_b=high, kind=LinkKind.SAME_MATTER, score=0.9, status=status)


def test_five_residents_on_one_matter_within_a_week_raise_many_residents(log_case, noise_category):
    cases = [log_case(days_ago=1 + i, category=noise_category, reporter_phone=phone(i)) for i in range(5)]
    for other in cases[1:]:
        link(cases[0] if other.pk % 2 else cases[1] if other is not cases[1] else cases[0], other)
    services.warnings_detect()
    [warning] = warnings_of(WarningKind.MANY_RESIDENTS)
    assert case_ids(warning) == sorted(c.pk for c in cases)
    assert warning.facts["residents"] == 5


def test_merged_cases_and_co_complainants_are_residents_of_one_matter(log_case, noise_category, staff_user):
    from django.utils import timezone

    from cases.merging import case_merge, complainant_add

    master = log_case(days_ago=1, category=noise_category, reporter_phone=phone(0))
    for i in (1, 2):
        duplicate = log_case(days_ago=1 + i, category=noise_category, reporter_phone=phone(i))
        case_merge(case_id=duplicate.pk, into_id=master.pk, actor=staff_user, note="同一件事")
    complainant_add(case_id=master.pk, actor=staff_user, name="甲", phone=phone(3), received_at=timezone.now())
    services.warnings_detect()
    assert warnings_of(WarningKind.MANY_RESIDENTS) == []  # four residents: quiet
    complainant_add(case_id=master.pk, actor=staff_user, name="乙", phone=phone(4), received_at=timezone.now())
    services.warnings_detect()
    [warning] = warnings_of(WarningKind.MANY_RESIDENTS)
    assert master.pk in case_ids(warning) and len(case_ids(warning)) == 3
    assert warning.facts["residents"] == 5


def test_one_resident_calling_five_times_is_not_many_residents(log_case, noise_category):
    cases = [log_case(days_ago=1 + i, category=noise_category, reporter_phone="13911112222") for i in range(5)]
    for other in cases[1:]:
        link(cases[0], other)
    services.warnings_detect()
    assert warnings_of(WarningKind.MANY_RESIDENTS) == []


def test_rejected_links_and_old_cases_do_not_count_towards_many_residents(log_case, noise_category):
    cases = [log_case(days_ago=1 + i, category=noise_category, reporter_phone=phone(i)) for i in range(4)]
    old = log_case(days_ago=20, category=noise_category, reporter_phone=phone(8))
    rejected = log_case(days_ago=2, category=noise_category, reporter_phone=phone(9))
    for other in cases[1:]:
        link(cases[0], other)
    link(cases[0], old)
    link(cases[0], rejected, status=LinkStatus.REJECTED)
    services.warnings_detect()
    assert warnings_of(WarningKind.MANY_RESIDENTS) == []


# --- recurrence ----------------------------------------------------------------------------------------


@pytest.fixture
def resolved(log_case, staff_user, method):
    """resolved(days_ago, **fields): a case closed as resolved (visited, satisfied) that many days ago."""
    from datetime import timedelta

    from django.utils import timezone

    def build(days_ago: float, **fields):
        case = log_case(days_ago=days_ago + 10, **fields)
        return close_case(case, actor=staff_user, method=method, at=timezone.now() - timedelta(days=days_ago))

    return build


def test_calling_again_about_a_matter_resolved_20_days_ago_raises_a_recurrence(resolved, log_case):
    earlier = resolved(20, reporter_phone="13911112222")
    again = log_case(days_ago=1, reporter_phone="13911112222")
    services.warnings_detect()
    [warning] = warnings_of(WarningKind.RECURRENCE)
    assert case_ids(warning) == sorted([earlier.pk, again.pk])
    assert warning.neighbourhood_id == again.neighbourhood_id


def test_a_same_matter_link_to_a_resolved_case_is_a_recurrence_whatever_the_phone(resolved, log_case):
    earlier = resolved(30, reporter_phone="13911112222")
    again = log_case(days_ago=2, reporter_phone="13655556666")
    link(earlier, again)
    services.warnings_detect()
    [warning] = warnings_of(WarningKind.RECURRENCE)
    assert case_ids(warning) == sorted([earlier.pk, again.pk])


def test_no_recurrence_after_60_days_for_another_category_or_for_an_unresolved_case(
    resolved, log_case, noise_category, staff_user
):
    resolved(90, reporter_phone="13911112222")
    resolved(20, reporter_phone="13922223333", category=noise_category)
    still_open = log_case(days_ago=15, reporter_phone="13933334444")
    case_transition(case_id=still_open.pk, actor=staff_user, action="note", note="等待")
    log_case(days_ago=1, reporter_phone="13911112222")
    log_case(days_ago=1, reporter_phone="13922223333")
    log_case(days_ago=1, reporter_phone="13933334444")
    services.warnings_detect()
    assert warnings_of(WarningKind.RECURRENCE) == []


def test_the_detector_at_a_past_moment_sees_the_history_as_it_was(log_case, now):
    from datetime import timedelta

    for i in range(6):
        log_case(days_ago=30 + i * 0.5, reporter_phone=phone(i))
    services.warnings_detect(at=now - timedelta(days=100))
    assert Warning.objects.count() == 0
    services.warnings_detect(at=now - timedelta(days=27))
    assert [w.kind for w in Warning.objects.all()] == [WarningKind.SURGE]
