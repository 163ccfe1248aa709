"""并单, 拆单 and co-complainants through the REST API: the contract of issue 16, rule by rule."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, Channel, Complainant, EventKind, Status
from cases.services import case_transition
from tests.conftest import independent_visitor, make_case

pytestmark = pytest.mark.django_db


def url(case, suffix="detail") -> str:
    return reverse(f"api:case-{suffix}", args=[case.pk if isinstance(case, Case) else case])


def duplicate(staff_user, case, **fields) -> Case:
    """Another resident's call about the same elevator, logged as a case of its own."""
    data = {
        "estate": case.estate,
        "building": case.building,
        "reporter_name": "李先生",
        "reporter_phone": "13900001111",
    }
    return make_case(staff_user, neighbourhood=case.neighbourhood, category=case.category, **{**data, **fields})


def work(case, actor, method=None, *, until="in_progress") -> Case:
    case_transition(case_id=case.pk, actor=actor, action="dispatch", assignee=actor)
    case_transition(case_id=case.pk, actor=actor, action="accept")
    case_transition(case_id=case.pk, actor=actor, action="start")
    if until in ("resolved", "closed"):
        case_transition(case_id=case.pk, actor=actor, action="resolve", resolution="已更换电梯", method=method)
    if until == "closed":
        case_transition(case_id=case.pk, actor=independent_visitor(), action="visit", visit_result="satisfied")
    return Case.objects.get(pk=case.pk)


def test_a_case_merged_into_another_answers_merged_with_its_master(staff_api, staff_user, case):
    other = duplicate(staff_user, case)
    response = staff_api.post(url(other, "merge"), {"into": case.pk, "note": "同一部电梯"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "merged"
    assert body["merged_into"] == case.pk
    assert body["master"]["reference"] == case.reference
    assert body["allowed_actions"] == []
    assert CaseEvent.objects.filter(case=other, kind=EventKind.MERGED, to_status=Status.MERGED).exists()
    assert CaseEvent.objects.filter(case=case, kind=EventKind.MERGED, note__contains=other.reference).exists()


def test_a_master_counts_itself_its_merged_cases_and_its_co_complainants(staff_api, staff_user, case):
    first, second = duplicate(staff_user, case), duplicate(staff_user, case, reporter_phone="13900002222")
    for other in (first, second):
        assert staff_api.post(url(other, "merge"), {"into": case.pk, "note": "重复"}, format="json").status_code == 200
    added = staff_api.post(
        url(case, "complainants"),
        {"reporter_name": "赵阿姨", "reporter_phone": "13700003333", "description": "电梯又坏了"},
        format="json",
    )
    assert added.status_code == 201, added.json()
    body = staff_api.get(url(case)).json()
    assert body["complainants"] == 4  # itself, two merged cases, one co-complainant
    assert body["merged"] == [first.pk, second.pk]


def test_merging_into_a_merged_case_goes_to_its_master(staff_api, staff_user, case):
    first, second = duplicate(staff_user, case), duplicate(staff_user, case)
    staff_api.post(url(first, "merge"), {"into": case.pk, "note": "重复"}, format="json")
    response = staff_api.post(url(second, "merge"), {"into": first.pk, "note": "重复"}, format="json")
    assert response.status_code == 200
    assert response.json()["merged_into"] == case.pk


def test_a_master_merged_elsewhere_takes_its_merged_cases_along(staff_api, staff_user, case):
    first, other_master = duplicate(staff_user, case), duplicate(staff_user, case)
    staff_api.post(url(first, "merge"), {"into": case.pk, "note": "重复"}, format="json")
    response = staff_api.post(url(case, "merge"), {"into": other_master.pk, "note": "同一件事"}, format="json")
    assert response.status_code == 200
    assert Case.objects.get(pk=first.pk).merged_into_id == other_master.pk
    assert staff_api.get(url(other_master)).json()["merged"] == [case.pk, first.pk]


def test_merging_a_case_into_itself_is_refused_naming_the_problem(staff_api, case):
    response = staff_api.post(url(case, "merge"), {"into": case.pk, "note": "重复"}, format="json")
    assert response.status_code == 400
    assert "自己" in response.json()["into"][0]


def test_merging_in_a_cycle_is_refused(staff_api, staff_user, case):
    other = duplicate(staff_user, case)
    staff_api.post(url(other, "merge"), {"into": case.pk, "note": "重复"}, format="json")
    response = staff_api.post(url(case, "merge"), {"into": other.pk, "note": "重复"}, format="json")
    assert response.status_code == 400
    assert "循环" in response.json()["into"][0]
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_merging_into_a_closed_master_is_refused_naming_it(staff_api, staff_user, case, method):
    work(case, staff_user, method, until="closed")
    other = duplicate(staff_user, case)
    response = staff_api.post(url(other, "merge"), {"into": case.pk, "note": "重复"}, format="json")
    assert response.status_code == 409
    assert case.reference in response.json()["detail"]
    assert Case.objects.get(pk=other.pk).status == Status.NEW


def test_a_merge_needs_a_reason(staff_api, staff_user, case):
    other = duplicate(staff_user, case)
    response = staff_api.post(url(other, "merge"), {"into": case.pk}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()


def test_a_committee_merges_within_its_neighbourhood_only(
    committee_api, staff_user, case, other_neighbourhood, other_estate
):
    same_hood = duplicate(staff_user, case)
    elsewhere = make_case(staff_user, neighbourhood=other_neighbourhood, category=case.category, estate=other_estate)
    refused = committee_api.post(url(same_hood, "merge"), {"into": elsewhere.pk, "note": "重复"}, format="json")
    assert refused.status_code == 404
    assert Case.objects.get(pk=same_hood.pk).status == Status.NEW
    assert committee_api.post(url(elsewhere, "merge"), {"into": case.pk, "note": "x"}, format="json").status_code == 404
    merged = committee_api.post(url(same_hood, "merge"), {"into": case.pk, "note": "重复"}, format="json")
    assert merged.status_code == 200


def test_unmerge_gives_back_the_earlier_status(staff_api, committee_api, staff_user, case):
    other = work(duplicate(staff_user, case), staff_user)
    staff_api.post(url(other, "merge"), {"into": case.pk, "note": "重复"}, format="json")
    assert committee_api.post(url(other, "unmerge"), {"note": "不是一件事"}, format="json").status_code == 403
    response = staff_api.post(url(other, "unmerge"), {"note": "不是一件事"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.IN_PROGRESS
    assert response.json()["merged_into"] is None
    assert staff_api.get(url(case)).json()["merged"] == []
    assert CaseEvent.objects.filter(case=case, kind=EventKind.UNMERGED).exists()


def test_a_move_on_a_merged_case_is_refused_naming_the_master(staff_api, staff_user, case):
    other = duplicate(staff_user, case)
    staff_api.post(url(other, "merge"), {"into": case.pk, "note": "重复"}, format="json")
    for body in ({"action": "dispatch", "assignee": staff_user.pk}, {"action": "note", "note": "x"}):
        response = staff_api.post(url(other, "move"), body, format="json")
        assert response.status_code == 409
        assert case.reference in response.json()["detail"]
    split = staff_api.post(
        url(other, "split"),
        {"parts": [{"title": "a", "description": "b", "category": case.category_id}]},
        format="json",
    )
    assert split.status_code == 409 and case.reference in split.json()["detail"]
    joined = staff_api.post(url(other, "complainants"), {"reporter_name": "钱"}, format="json")
    assert joined.status_code == 409 and case.reference in joined.json()["detail"]


def test_merged_cases_leave_the_list_unless_asked_for(staff_api, staff_user, case):
    other = duplicate(staff_user, case)
    staff_api.post(url(other, "merge"), {"into": case.pk, "note": "重复"}, format="json")
    ids = [row["id"] for row in staff_api.get(reverse("api:case-list")).json()["results"]]
    assert ids == [case.pk]
    shown = [row["id"] for row in staff_api.get(reverse("api:case-list") + "?merged=1").json()["results"]]
    assert sorted(shown) == sorted([case.pk, other.pk])
    only = [row["id"] for row in staff_api.get(reverse("api:case-list") + "?status=merged").json()["results"]]
    assert only == [other.pk]


def test_a_merged_case_shows_its_masters_status(staff_api, staff_user, case, method):
    other = duplicate(staff_user, case)
    staff_api.post(url(other, "merge"), {"into": case.pk, "note": "重复"}, format="json")
    work(case, staff_user, method, until="resolved")
    master = staff_api.get(url(other)).json()["master"]
    assert master["status"] == Status.RESOLVED
    assert master["resolution"] == "已更换电梯"


def test_a_split_makes_children_and_the_parent_waits_for_them(staff_api, staff_user, case, method, noise_category):
    parts = [
        {"title": "屋顶漏水", "description": "顶楼漏水", "category": case.category_id},
        {"title": "路灯不亮", "description": "楼下路灯坏了", "category": noise_category.pk, "urgency": "urgent"},
    ]
    response = staff_api.post(url(case, "split"), {"parts": parts, "note": "一通电话两件事"}, format="json")
    assert response.status_code == 201, response.json()
    children = response.json()["children"]
    assert len(children) == 2
    first = staff_api.get(url(children[0])).json()
    assert first["parent"] == case.pk and first["title"] == "屋顶漏水"
    assert first["reporter_phone"] == "138****5678"  # the resident comes from the parent
    assert staff_api.get(url(children[1])).json()["urgency"] == "urgent"
    assert staff_api.get(url(case)).json()["children"] == children
    work(case, staff_user)
    resolve = {"action": "resolve", "resolution": "已处理", "method": method.pk}
    refused = staff_api.post(url(case, "move"), resolve, format="json")
    assert refused.status_code == 409
    child = Case.objects.get(pk=children[0])
    assert child.reference in refused.json()["detail"]
    for pk in children:
        work(Case.objects.get(pk=pk), staff_user, method, until="resolved")
    assert staff_api.post(url(case, "move"), resolve, format="json").status_code == 200


def test_a_split_without_parts_or_with_a_bad_part_names_the_problem(staff_api, case):
    empty = staff_api.post(url(case, "split"), {"parts": []}, format="json")
    assert empty.status_code == 400 and "parts" in empty.json()
    bad = staff_api.post(url(case, "split"), {"parts": [{"title": "路灯"}]}, format="json")
    assert bad.status_code == 400 and "parts" in bad.json()
    assert not Case.objects.filter(parent=case).exists()


def test_a_committee_splits_and_adds_callers_only_in_its_neighbourhood(
    committee_api, other_committee_api, case, elevator_category
):
    part = {"title": "屋顶漏水", "description": "顶楼漏水", "category": elevator_category.pk}
    assert other_committee_api.post(url(case, "split"), {"parts": [part]}, format="json").status_code == 404
    caller = {"reporter_name": "孙", "reporter_phone": "13600004444"}
    assert other_committee_api.post(url(case, "complainants"), caller, format="json").status_code == 404
    assert other_committee_api.post(url(case, "unmerge"), {"note": "x"}, format="json").status_code == 404
    assert committee_api.post(url(case, "split"), {"parts": [part]}, format="json").status_code == 201
    assert committee_api.post(url(case, "complainants"), caller, format="json").status_code == 201


def test_a_co_complainant_is_recorded_on_the_case_with_the_phone_masked(staff_api, case):
    hotline = Channel.objects.get(code="hotline_12345")
    received = (timezone.now() - timezone.timedelta(minutes=10)).isoformat()
    response = staff_api.post(
        url(case, "complainants"),
        {
            "reporter_name": "周先生",
            "reporter_phone": "139 0000 5555",
            "channel": hotline.pk,
            "received_at": received,
            "description": "电梯停了三天",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reporter_phone"] == "139****5555"
    assert body["case"] == case.pk
    resident = Complainant.objects.get(case=case)
    assert (resident.phone, resident.channel, resident.description) == ("13900005555", hotline, "电梯停了三天")
    assert Case.objects.count() == 1
    line = CaseEvent.objects.get(case=case, kind=EventKind.COMPLAINANT)
    assert "周先生" in line.note and "13900005555" not in line.note


def test_a_co_complainant_with_a_bad_phone_names_the_field(staff_api, case):
    response = staff_api.post(url(case, "complainants"), {"reporter_phone": "12345"}, format="json")
    assert response.status_code == 400
    assert "reporter_phone" in response.json()


def test_a_confidential_co_complainant_is_hidden_from_a_committee(staff_api, committee_api, case):
    caller = {"reporter_name": "吴女士", "reporter_phone": "13600006666", "reporter_confidential": True}
    assert staff_api.post(url(case, "complainants"), caller, format="json").json()["reporter_name"] == "吴女士"
    by_committee = committee_api.post(url(case, "complainants"), caller, format="json").json()
    assert by_committee["reporter_name"] == "" and by_committee["reporter_phone"] == ""


def test_open311_shows_a_merged_request_with_its_masters_status(client, staff_api, staff_user, case, method):
    other = duplicate(staff_user, case)
    staff_api.post(url(other, "merge"), {"into": case.pk, "note": "重复"}, format="json")
    detail = reverse("open311:request", kwargs={"request_id": other.reference, "fmt": "json"})
    row = client.get(detail).json()[0]
    assert row["status"] == "open"
    assert case.reference in row["status_notes"]
    work(case, staff_user, method, until="resolved")
    row = client.get(detail).json()[0]
    assert row["status"] == "closed"
    assert case.reference in row["status_notes"]
    listed = reverse("open311:requests", kwargs={"fmt": "json"})
    closed = [r["service_request_id"] for r in client.get(listed + "?status=closed").json()]
    assert other.reference in closed
