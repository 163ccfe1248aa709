"""三率 with merged and split cases, against figures counted by hand: 解决率 counts the matter once, 满意率 counts
every resident visited (the master's, each co-complainant, each merged case's)."""

import pytest
from django.urls import reverse

from cases.merging import case_merge, case_split, complainant_add, resident_visit
from cases.models import VisitResult
from cases.services import case_transition
from tests.conftest import independent_visitor, make_case
from tests.dashboards.conftest import shown

pytestmark = pytest.mark.django_db


def walk(actor, case, method, *, until: str, visit: str = ""):
    for action in ("dispatch", "accept", "start"):
        case_transition(case_id=case.pk, actor=actor, action=action, assignee=actor)
    if until in ("resolved", "closed"):
        case_transition(case_id=case.pk, actor=actor, action="resolve", resolution="已解决", method=method)
    if until == "closed":
        case_transition(case_id=case.pk, actor=independent_visitor(), action="visit", visit_result=visit)


@pytest.fixture
def matters(staff_user, neighbourhood, estate, building, elevator_category, noise_category, method):
    """One elevator matter called in by five residents, and one call split into two demands.

    - A: the master, resolved and visited 满意 (1 resident visited, 1 satisfied);
    - B, C: duplicates merged into A; B's resident visited 不满意, C's not reached;
    - X, Y, Z: co-complainants of A; X 满意, Y 基本满意, Z not reached;
    - P: a call split into P1 (resolved, not visited) and P2 (open); P is being worked.

    By hand: matters received 4 (A, P, P1, P2; B and C are A's matter); resolved 2 (A, P1) → 解决率 2/4 = 50.0%;
    residents visited 4 (A, B, X, Y), satisfied 3 (A, X, Y) → 满意率 3/4 = 75.0%; open 2 (P, P2)."""
    at = {"neighbourhood": neighbourhood, "estate": estate, "building": building}
    a = make_case(staff_user, category=elevator_category, **at)
    b = make_case(staff_user, category=elevator_category, reporter_phone="13900000002", **at)
    c = make_case(staff_user, category=elevator_category, reporter_phone="13900000003", **at)
    for duplicate in (b, c):
        case_merge(case_id=duplicate.pk, into_id=a.pk, actor=staff_user, note="同一部电梯")
    callers = [
        complainant_add(case_id=a.pk, actor=staff_user, name=name, phone=phone)
        for name, phone in (("X", "13700000001"), ("Y", "13700000002"), ("Z", "13700000003"))
    ]
    walk(staff_user, a, method, until="closed", visit=VisitResult.SATISFIED)
    resident_visit(case_id=a.pk, actor=independent_visitor(), merged_case_id=b.pk, visit_result=VisitResult.UNSATISFIED)
    resident_visit(
        case_id=a.pk, actor=independent_visitor(), complainant_id=callers[0].pk, visit_result=VisitResult.SATISFIED
    )
    resident_visit(
        case_id=a.pk, actor=independent_visitor(), complainant_id=callers[1].pk, visit_result=VisitResult.BASICALLY
    )

    p = make_case(staff_user, category=noise_category, title="漏水和路灯", **at)
    parts = [
        {"title": "屋顶漏水", "description": "顶楼漏水", "category": elevator_category},
        {"title": "路灯不亮", "description": "路灯坏了", "category": noise_category},
    ]
    p1, _p2 = case_split(case_id=p.pk, actor=staff_user, parts=parts)
    walk(staff_user, p1, method, until="resolved")
    walk(staff_user, p, method, until="in_progress")
    return {"a": a, "b": b, "c": c, "p": p}


def test_the_three_rates_count_the_matter_once_and_every_resident_visited(staff_client, matters):
    page = shown(staff_client.get(reverse("dashboards:overview")))
    figure = {key: page.found[("kpi", None, key)] for key in ("total", "resolution_rate", "satisfaction_rate", "open")}
    assert figure["total"][0] == "4"
    assert figure["resolution_rate"][0] == "50.0%"
    assert figure["satisfaction_rate"][0] == "75.0%"
    assert figure["open"][0] == "2"
    totals = staff_client.get(reverse("dashboards:overview")).context["totals"]
    assert (totals["resolved"], totals["total"]) == (2, 4)
    assert (totals["residents_satisfied"], totals["residents_visited"]) == (3, 4)
    # Each drill-down lists the matters it counts: the merged duplicates are not among them.
    listed = staff_client.get(figure["total"][1]).context["page"].paginator.count
    assert listed == 4


def test_the_definitions_say_how_merged_cases_count(staff_client, matters):
    page = staff_client.get(reverse("dashboards:overview")).content.decode()
    assert "只计主案件一次" in page and "各计一人" in page


def test_unmerging_a_visited_case_takes_its_resident_out_of_the_masters_count(staff_user, matters):
    from cases.merging import case_unmerge
    from cases.models import Case

    case_unmerge(case_id=matters["b"].pk, actor=staff_user, note="不是同一件事")
    master = Case.objects.get(pk=matters["a"].pk)
    assert (master.residents_visited, master.residents_satisfied) == (2, 2)  # X and Y only
