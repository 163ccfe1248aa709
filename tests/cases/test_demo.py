"""`load_demo`'s cases: every state, the source's elevator case, idempotent, and patient without methods.

Loading the demo takes seconds, so each test loads it once and checks several things."""

import pytest

from cases import demo
from cases.models import Case, CaseEvent, ExtensionRequest, ExtensionStatus, Status
from cases.validators import validate_phone
from methods.models import Method


@pytest.fixture
def demo_world(db):
    from accounts import demo as accounts_demo
    from cases import reference
    from places import demo as places_demo

    places_demo.load()
    accounts_demo.load()
    reference.load()


@pytest.fixture
def methods(demo_world):
    from methods import seed

    seed.load()


def test_load_demo_runs_the_cases_after_the_vocabulary_and_the_methods():
    from ops.management.commands.load_demo import DEMO_MODULES

    order = DEMO_MODULES.index
    assert order("places.demo") < order("cases.reference") < order("cases.demo")
    assert order("accounts.demo") < order("cases.demo")
    assert "methods.seed" not in DEMO_MODULES or order("methods.seed") < order("cases.demo")


def test_the_demo_tells_plausible_stories_in_every_state_and_a_second_run_changes_nothing(methods):
    assert demo.load() > 1000  # cases, moves, extensions
    cases = Case.objects.filter(external_id__startswith="demo-")
    assert 200 <= cases.count() <= 400
    assert set(cases.values_list("status", flat=True)) == set(Status.values)
    assert cases.overdue().exists() and cases.filter(rework_count__gt=0).exists()
    assert set(ExtensionRequest.objects.values_list("status", flat=True)) == set(ExtensionStatus.values)
    assert not cases.filter(status__in=[Status.RESOLVED, Status.CLOSED], method=None).exists()
    for leaf in ("征收签约", "独居老人", "物业更替"):
        assert cases.filter(category__name=leaf).exists(), leaf
    for phone in cases.values_list("reporter_phone", flat=True):
        validate_phone(phone)

    # The source's case: 福安大厦, two 23-year-old elevators, the property company gone, 夏令热线, 杨女士.
    lift = Case.objects.get(external_id="demo-0001")
    assert lift.estate.name == "福安大厦" and lift.building.elevator_count == 2
    assert lift.channel.name == "夏令热线·区长访谈" and lift.reporter_name == "杨女士"
    assert "23年" in lift.title and "物业" in lift.description
    assert lift.status == Status.CLOSED and lift.method.name == "一线工作法"
    times = list(lift.events.order_by("id").values_list("created_at", flat=True))
    assert times == sorted(times) and times[0] == lift.received_at and len(times) >= 10
    # The same class of matters elsewhere, and several residents about one courier station.
    elsewhere = set(cases.filter(category__name="电梯").values_list("estate__name", flat=True))
    assert {"晶华园", "海防大楼", "西康公寓", "三和花园", "武定坊", "江宁大楼"} <= elsewhere
    courier = cases.filter(category__name="快递驿站", estate__name="海防新村")
    assert courier.count() >= 5 and courier.values("reporter_phone").distinct().count() == courier.count()

    counts = (Case.objects.count(), CaseEvent.objects.count(), ExtensionRequest.objects.count())
    assert demo.load() == 0
    assert (Case.objects.count(), CaseEvent.objects.count(), ExtensionRequest.objects.count()) == counts


def test_without_methods_no_case_is_resolved_and_a_later_run_finishes_them(demo_world):
    assert not Method.objects.exists()
    demo.load()
    assert Case.objects.count() > 200
    assert not Case.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED]).exists()
    assert Case.objects.get(external_id="demo-0001").status == Status.IN_PROGRESS

    from methods import seed

    seed.load()
    demo.load()
    assert Case.objects.get(external_id="demo-0001").status == Status.CLOSED
    assert Case.objects.filter(status=Status.CLOSED).count() > 100
    assert not Case.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED], method=None).exists()
