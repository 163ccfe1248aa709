from statistics import median

import pytest
from django.utils.timezone import localtime

from methods.selectors import handbook_comparison, method_record
from tests.methods.conftest import Spec, run_case

SATISFIED = {"satisfied", "basically"}


def expected(specs):
    """The record worked out by hand from the specs, without the database."""
    done = [s for s in specs if s.took is not None and (not s.visits or s.visits[-1] != "unsatisfied")]
    ever = [s for s in specs if s.took is not None]
    reworked = [s for s in ever if "unsatisfied" in s.visits]
    visited = [s for s in specs if s.visits]
    satisfied = [s for s in visited if s.visits[-1] in SATISFIED]
    # each unsatisfied visit that is followed by another one means a second resolve one day later
    took = [s.took + sum(1 for v in s.visits[:-1] if v == "unsatisfied") for s in done]
    return {
        "resolved": len(done),
        "ever_resolved": len(ever),
        "reworked": len(reworked),
        "visited": len(visited),
        "satisfied": len(satisfied),
        "median_days": round(median(took), 1) if took else None,
    }


def figures(f):
    return {name: getattr(f, name) for name in ["resolved", "ever_resolved", "reworked", "visited", "satisfied"]} | {
        "median_days": f.median_days
    }


@pytest.fixture
def history(
    staff_user, neighbourhood, other_neighbourhood, elevator_category, noise_category, method, other_method, now
):
    specs = [
        Spec(elevator_category, method, age=400, took=3, visits=("satisfied",)),
        Spec(elevator_category, method, age=30, took=5, visits=("basically",)),
        Spec(elevator_category, method, age=20, took=10),
        Spec(noise_category, method, age=15, took=2, visits=("unsatisfied", "satisfied")),
        Spec(noise_category, method, age=10, took=1, visits=("unsatisfied",)),
        Spec(elevator_category, method, age=12, took=4, visits=("satisfied",), neighbourhood=other_neighbourhood),
        Spec(elevator_category, method, age=5),  # still open: counts nowhere
        Spec(elevator_category, other_method, age=9, took=2, visits=("unsatisfied", "basically")),
    ]
    for spec in specs:
        run_case(spec, staff_user, neighbourhood, now)
    return specs


def test_a_methods_record_matches_the_figures_worked_out_from_its_cases(history, staff_user, method):
    record = method_record(method, staff_user)

    mine = [s for s in history if s.method == method]
    assert figures(record.total) == expected(mine)
    assert record.total.satisfaction_rate == pytest.approx(4 / 5)
    assert record.total.rework_rate == pytest.approx(2 / 6)


def test_the_record_is_split_by_category_and_by_year_received(history, staff_user, method, now):
    record = method_record(method, staff_user)

    mine = [s for s in history if s.method == method]
    by_category = {label: figures(f) for label, f in record.by_category}
    assert by_category == {str(c): expected([s for s in mine if s.category == c]) for c in {s.category for s in mine}}
    by_year = {year: figures(f) for year, f in record.by_year}
    years = {localtime(s.received(now)).year for s in mine}
    assert by_year == {y: expected([s for s in mine if localtime(s.received(now)).year == y]) for y in years}


def test_without_a_user_the_record_covers_the_whole_sub_district(history, method):
    assert figures(method_record(method).total) == expected([s for s in history if s.method == method])


def test_a_committee_member_sees_the_record_of_their_own_neighbourhoods_cases(
    history, committee_user, method, neighbourhood
):
    record = method_record(method, committee_user)

    own = [s for s in history if s.method == method and s.neighbourhood is None]
    assert figures(record.total) == expected(own)


def test_the_handbook_compares_every_method_that_has_cases(history, staff_user, method, other_method):
    comparison = handbook_comparison(staff_user)

    assert figures(comparison[method.pk]) == expected([s for s in history if s.method == method])
    assert figures(comparison[other_method.pk]) == expected([s for s in history if s.method == other_method])


def test_a_method_without_cases_has_an_empty_record(staff_user, method, reference_data):
    record = method_record(method, staff_user)

    assert record.total.resolved == 0
    assert record.total.median_days is None
    assert record.total.satisfaction_rate is None
    assert record.by_category == [] and record.by_year == []
