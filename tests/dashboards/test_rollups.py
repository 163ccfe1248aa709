"""The roll-ups follow every case service, so that the dashboards count any period from them and show the same
numbers as counting the cases themselves."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases.merging import case_merge, case_split, case_unmerge, complainant_add, resident_visit
from cases.models import Case, Status, VisitResult
from cases.services import case_transition, case_update
from dashboards import rollups, selectors
from dashboards.figures import Scope, add_months, local_midnight
from dashboards.models import LiveCase, Rollup
from tests.cases.test_import_command import GOOD, run, write_csv
from tests.conftest import independent_visitor, make_case
from tests.dashboards.conftest import shown


def kept() -> dict:
    """Every roll-up row that counts anything."""
    rows = Rollup.objects.values_list("grain", "start", "neighbourhood_id", "dimension", "key", *rollups.FIELDS)
    return {row[:5]: tuple(count or 0 for count in row[5:]) for row in rows if any(row[5:])}


def live() -> list[dict]:
    return list(LiveCase.objects.order_by("case_id").values())


def assert_kept_equals_a_recount() -> None:
    kept_by_services, live_by_services = kept(), live()
    assert kept_by_services and live_by_services
    with transaction.atomic():
        rollups.rebuild()
        assert kept() == kept_by_services
        assert live() == live_by_services
        transaction.set_rollback(True)


def edit(case: Case, actor, **data) -> Case:
    case.refresh_from_db()
    return case_update(case_id=case.pk, actor=actor, expected_version=case.version, data=data)


def test_rollups_follow_creating_moving_editing_merging_splitting_visiting_and_importing(
    cases, staff_user, neighbourhood, other_neighbourhood, method, tmp_path, building, other_estate
):
    assert_kept_equals_a_recount()
    opened = [case for case in cases if case.status in (Status.DISPATCHED, Status.NEW)]
    # A case moves to another neighbourhood and to a date a month earlier: both its old and new rows change.
    moved = edit(opened[0], staff_user, neighbourhood=other_neighbourhood, estate=None)
    edit(moved, staff_user, received_at=moved.received_at - timedelta(days=31))
    assert_kept_equals_a_recount()

    master = make_case(staff_user, neighbourhood=neighbourhood, category=cases[0].category)
    duplicate = make_case(staff_user, neighbourhood=neighbourhood, category=cases[0].category)
    case_merge(case_id=duplicate.pk, into_id=master.pk, actor=staff_user, note="同一件事")
    assert_kept_equals_a_recount()
    case_unmerge(case_id=duplicate.pk, actor=staff_user, note="不是同一件事")
    case_merge(case_id=duplicate.pk, into_id=master.pk, actor=staff_user, note="还是同一件事")

    complainant_add(case_id=master.pk, actor=staff_user, name="王先生", phone="13900001111")
    for action, extra in (
        ("dispatch", {"assignee": staff_user}),
        ("accept", {}),
        ("start", {}),
        ("resolve", {"resolution": "已解决", "method": method}),
    ):
        case_transition(case_id=master.pk, actor=staff_user, action=action, **extra)
    visitor = independent_visitor()
    with override_settings(CASE_INDEPENDENT_VISIT=True):
        case_transition(case_id=master.pk, actor=visitor, action="visit", visit_result=VisitResult.SATISFIED)
        resident_visit(
            case_id=master.pk, actor=visitor, merged_case_id=duplicate.pk, visit_result=VisitResult.UNSATISFIED
        )
    assert Case.objects.get(pk=master.pk).residents_visited == 1
    assert_kept_equals_a_recount()

    part = {"title": "拆出的诉求", "description": "顶楼漏水", "category": cases[0].category}
    case_split(case_id=opened[1].pk, actor=staff_user, parts=[part])
    run(write_csv(tmp_path, GOOD))
    assert Case.objects.filter(external_id="h-1").exists()
    assert_kept_equals_a_recount()


def test_a_rolled_back_write_leaves_the_rollups_as_they_were(cases, staff_user, neighbourhood, elevator_category):
    before = kept()
    with transaction.atomic():
        make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
        assert kept() != before
        transaction.set_rollback(True)
    assert kept() == before


def test_rebuild_command_is_idempotent(cases):
    by_services = kept()
    call_command("rebuild_rollups", stdout=io.StringIO())
    call_command("rebuild_rollups", stdout=io.StringIO())
    assert kept() == by_services


def periods():
    today = timezone.localdate()
    first = today.replace(day=1)
    return [
        (None, None),
        (today - timedelta(days=45), today - timedelta(days=5)),
        (today - timedelta(days=90), None),
        (None, today - timedelta(days=16)),
        (first, today),
        (first - timedelta(days=1), first - timedelta(days=1)),
        (today - timedelta(days=500), today - timedelta(days=35)),
    ]


@pytest.mark.parametrize("period", range(7))
def test_figures_from_rollups_equal_figures_counted_from_the_cases(
    period, cases, staff_user, committee_user, neighbourhood
):
    after, before = periods()[period]
    dimensions = list(selectors.DIMENSIONS)
    for user, hood in ((staff_user, None), (staff_user, neighbourhood.pk), (committee_user, neighbourhood.pk)):
        scope = Scope(neighbourhood_id=hood, after=after, before=before)
        assert selectors.uses_rollups(user, scope)
        rolled = selectors.dashboard_figures(user, scope, dimensions)
        counted = selectors.grouped(selectors.scoped_cases(user, scope), scope, dimensions)
        assert_same_figures(rolled, counted)


def assert_same_figures(rolled: tuple[dict, dict], counted: tuple[dict, dict]) -> None:
    """Every figure of the roll-up path equals the counted one (but the median, estimated from bins there); a sum
    over no case is 0, as finish() reads it."""
    overall, per = rolled
    counted_overall, counted_per = counted
    for key, value in overall.items():
        if key != "median_seconds":
            assert value == (counted_overall[key] or 0 if key.startswith("co_") else counted_overall[key]), key
    for dimension, rows in per.items():
        column = selectors.DIMENSIONS[dimension][0]
        found = {row[column]: row for row in counted_per[dimension]}
        assert sorted(found) == sorted(row[column] for row in rows), dimension
        for row in rows:
            for key, value in row.items():
                if key != "median_seconds":
                    assert value == found[row[column]][key], (dimension, row[column], key)


def test_committee_member_gets_no_rollup_figures_of_another_neighbourhood(
    cases, committee_user, other_neighbourhood, visitor_user
):
    elsewhere = Scope(neighbourhood_id=other_neighbourhood.pk)
    assert not selectors.uses_rollups(committee_user, elsewhere)
    assert not selectors.uses_rollups(committee_user, Scope())
    assert not selectors.uses_rollups(visitor_user, elsewhere)
    overall, _per = selectors.dashboard_figures(committee_user, elsewhere, ["category"])
    assert overall["total"] == 0  # what their own visible cases give, as before


def test_the_page_says_its_median_is_estimated_from_duration_bins(staff_client, cases):
    response = staff_client.get(reverse("dashboards:overview"), {"received_after": "", "received_before": ""})
    assert "按时长分档估算" in response.content.decode()
    assert shown(response).found[("kpi", None, "median_days")][0] != "—"


def test_resolved_case_never_accepted_is_late_only_after_its_first_contact_deadline(
    cases, staff_user, neighbourhood, elevator_category
):
    # The workflow never resolves a case that was not accepted; a repair could. Both paths count it alike.
    case = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
    before = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(status=Status.RESOLVED, resolved_at=timezone.now())
    from cases import hooks

    with transaction.atomic():
        hooks.cases_written([(hooks.facts(before), hooks.facts(Case.objects.get(pk=case.pk)))])
    for now in (case.first_contact_due - timedelta(hours=1), case.first_contact_due + timedelta(hours=1)):
        scope = Scope(after=timezone.localdate() - timedelta(days=3), now=now)
        rolled = selectors.dashboard_figures(staff_user, scope, ["category"])
        assert_same_figures(rolled, selectors.grouped(selectors.scoped_cases(staff_user, scope), scope, ["category"]))


def test_resolved_in_an_earlier_month_is_counted_from_the_cases_and_pruned_from_the_live_copies(
    cases, staff_user, settings
):
    long_ago = add_months(timezone.localdate().replace(day=1), -2)
    for month in (long_ago, add_months(long_ago, 1)):
        scope = Scope(month=month)
        rolled = selectors.dashboard_figures(staff_user, scope, ["category", "neighbourhood"])
        counted = selectors.grouped(selectors.scoped_cases(staff_user, scope), scope, ["category", "neighbourhood"])
        assert_same_figures(rolled, counted)
    old = next(case for case in cases if case.resolved_at and case.status == Status.CLOSED)
    Case.objects.filter(pk=old.pk).update(resolved_at=local_midnight(long_ago))
    LiveCase.objects.filter(case_id=old.pk).update(resolved_at=local_midnight(long_ago))
    assert rollups.prune_live() == 1
    assert not LiveCase.objects.filter(case_id=old.pk).exists()
    assert LiveCase.objects.filter(is_open=True).count() == Case.objects.open().count()


def test_a_merge_or_a_split_writes_its_roll_ups_in_one_ordered_upsert(cases, staff_user, neighbourhood, monkeypatch):
    """并单 and 拆单 write several cases in one transaction; one upsert per case could take the day's rows in an
    order another transaction crosses (a deadlock under load). The listener hears them all at once."""
    heard = []
    original = rollups.apply
    monkeypatch.setattr(rollups, "apply", lambda changes: (heard.append(changes), original(changes))[1])
    master = make_case(staff_user, neighbourhood=neighbourhood, category=cases[0].category)
    duplicate = make_case(staff_user, neighbourhood=neighbourhood, category=cases[0].category)
    heard.clear()

    case_merge(case_id=duplicate.pk, into_id=master.pk, actor=staff_user, note="同一件事")
    assert len(heard) == 1 and {after["id"] for _before, after in heard[0]} == {master.pk, duplicate.pk}

    heard.clear()
    part = {"title": "楼道灯不亮", "description": "三楼楼道灯坏了", "category": cases[0].category}
    children = case_split(case_id=master.pk, actor=staff_user, parts=[part, {**part, "title": "门禁坏了"}])
    assert len(heard) == 1
    assert {after["id"] for _before, after in heard[0]} == {master.pk, *(child.pk for child in children)}
    assert_kept_equals_a_recount()
