"""并单, 拆单 and co-complainants on the case desk's pages, as a clerk and a committee member use them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.merging import case_merge, complainant_add
from cases.models import Case, CaseEvent, Channel, Complainant, EventKind, RequestType, Status
from cases.services import case_transition
from matters.services import flag_case
from tests.conftest import independent_visitor, make_case

pytestmark = pytest.mark.django_db


def duplicate(actor, case, **fields) -> Case:
    data = {
        "estate": case.estate,
        "building": case.building,
        "reporter_name": "李先生",
        "reporter_phone": "13900001111",
    }
    return make_case(actor, neighbourhood=case.neighbourhood, category=case.category, **{**data, **fields})


def detail(client, case):
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_a_clerk_merges_a_duplicate_by_its_masters_reference(staff_client, staff_user, case):
    other = duplicate(staff_user, case)
    response = staff_client.post(
        reverse("cases:merge", args=[other.pk]), {"into": case.reference.lower(), "note": "同一部电梯"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[other.pk])
    page = response.content.decode()
    assert "已并入" in page and reverse("cases:detail", args=[case.pk]) in page
    assert Case.objects.get(pk=other.pk).status == Status.MERGED
    master = detail(staff_client, case)
    assert "并入本案的案件" in master and other.reference in master
    assert "诉求人共 2 人" in master


def test_a_merge_form_with_an_unknown_case_or_no_reason_says_what_is_missing(staff_client, staff_user, case):
    other = duplicate(staff_user, case)
    unknown = staff_client.post(reverse("cases:merge", args=[other.pk]), {"into": "JN-2020-999999", "note": "x"})
    assert unknown.status_code == 400
    assert "找不到案件" in unknown.content.decode()
    no_reason = staff_client.post(reverse("cases:merge", args=[other.pk]), {"into": case.reference})
    assert no_reason.status_code == 400 and "请填写并单的理由" in no_reason.content.decode()
    itself = staff_client.post(reverse("cases:merge", args=[case.pk]), {"into": case.reference, "note": "x"})
    assert itself.status_code == 400 and "不能把案件并入它自己" in itself.content.decode()
    assert not Case.objects.filter(status=Status.MERGED).exists()


def test_a_committee_member_cannot_merge_into_another_neighbourhoods_case(
    committee_client, staff_user, case, other_neighbourhood, other_estate
):
    elsewhere = make_case(staff_user, neighbourhood=other_neighbourhood, category=case.category, estate=other_estate)
    response = committee_client.post(reverse("cases:merge", args=[case.pk]), {"into": elsewhere.reference, "note": "x"})
    assert response.status_code == 400
    assert "找不到案件" in response.content.decode()
    assert (
        committee_client.post(reverse("cases:merge", args=[elsewhere.pk]), {"into": case.reference}).status_code == 404
    )
    for name in ("unmerge", "split", "complainant_add", "join", "resident_visit"):
        assert committee_client.post(reverse(f"cases:{name}", args=[elsewhere.pk]), {}).status_code == 404, name
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_staff_unmerge_on_the_page_and_the_case_gets_its_status_back(staff_client, staff_user, case):
    other = duplicate(staff_user, case)
    case_transition(case_id=other.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    case_merge(case_id=other.pk, into_id=case.pk, actor=staff_user, note="重复")
    assert "撤销并单" in detail(staff_client, other)
    response = staff_client.post(reverse("cases:unmerge", args=[other.pk]), {"note": "不是同一件事"})
    assert response.status_code == 302
    assert Case.objects.get(pk=other.pk).status == Status.DISPATCHED


def test_a_committee_member_cannot_unmerge(client, committee_user, staff_user, case):
    other = duplicate(staff_user, case)
    case_merge(case_id=other.pk, into_id=case.pk, actor=staff_user, note="重复")
    client.force_login(committee_user)
    assert "确认撤销并单" not in detail(client, other)
    response = client.post(reverse("cases:unmerge", args=[other.pk]), {"note": "x"})
    assert response.status_code == 403
    assert Case.objects.get(pk=other.pk).status == Status.MERGED


def test_a_move_on_a_merged_case_from_the_page_names_the_master(staff_client, staff_user, case):
    other = duplicate(staff_user, case)
    case_merge(case_id=other.pk, into_id=case.pk, actor=staff_user, note="重复")
    response = staff_client.post(
        reverse("cases:move", args=[other.pk]), {"action": "dispatch", "assignee": staff_user.pk}
    )
    assert response.status_code == 400
    assert case.reference in response.content.decode()


def test_a_split_on_the_page_makes_children_linked_both_ways(staff_client, case, noise_category):
    data = {
        "part-TOTAL_FORMS": "3",
        "part-INITIAL_FORMS": "0",
        "part-MIN_NUM_FORMS": "1",
        "part-MAX_NUM_FORMS": "10",
        "part-0-title": "屋顶漏水",
        "part-0-description": "顶楼漏水",
        "part-0-category": case.category_id,
        "part-0-urgency": "normal",
        "part-1-title": "路灯不亮",
        "part-1-description": "楼下路灯坏了",
        "part-1-category": noise_category.pk,
        "part-1-urgency": "urgent",
    }
    response = staff_client.post(reverse("cases:split", args=[case.pk]), data, follow=True)
    children = list(Case.objects.filter(parent=case).order_by("pk"))
    assert [child.title for child in children] == ["屋顶漏水", "路灯不亮"]
    page = response.content.decode()
    assert "拆出的子案件" in page and all(child.reference in page for child in children)
    assert case.reference in detail(staff_client, children[1])
    assert CaseEvent.objects.filter(case=case, kind=EventKind.SPLIT).exists()


def test_a_split_without_any_part_is_refused(staff_client, case):
    data = {"part-TOTAL_FORMS": "2", "part-INITIAL_FORMS": "0", "part-MIN_NUM_FORMS": "1", "part-MAX_NUM_FORMS": "10"}
    response = staff_client.post(reverse("cases:split", args=[case.pk]), data)
    assert response.status_code == 400
    assert not Case.objects.filter(parent=case).exists()


def new_case_form(case, **extra) -> dict:
    return {
        "title": "福安大厦电梯又坏了",
        "description": "1号楼电梯停了，老人下不了楼",
        "category": case.category_id,
        "channel": Channel.objects.get(code="hotline_12345").pk,
        "request_type": RequestType.objects.get(name="投诉").pk,
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "urgency": "normal",
        "reporter_name": "钱阿姨",
        "reporter_phone": "13788889999",
        "neighbourhood": case.neighbourhood_id,
        **extra,
    }


def test_join_from_the_new_case_form_adds_the_caller_to_the_existing_case(staff_client, case):
    response = staff_client.post(reverse("cases:join", args=[case.pk]), new_case_form(case), follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[case.pk])
    page = response.content.decode()
    assert "未新建案件" in page and "钱阿姨" in page and "137****9999" in page
    assert Case.objects.count() == 1
    caller = Complainant.objects.get(case=case)
    assert caller.phone == "13788889999" and caller.description == "1号楼电梯停了，老人下不了楼"
    assert caller.channel.code == "hotline_12345"


def test_join_with_a_bad_phone_goes_back_to_the_form_with_what_was_typed(staff_client, case):
    response = staff_client.post(reverse("cases:join", args=[case.pk]), new_case_form(case, reporter_phone="123"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "有效的电话号码" in page and "福安大厦电梯又坏了" in page
    assert not Complainant.objects.exists()


def test_the_new_case_warning_offers_to_join_before_a_place_is_chosen(staff_client, case):
    flag_case(case_id=case.pk)
    preview = staff_client.get(
        reverse("matters:similar_preview"),
        {
            "title": "福安大厦电梯老化需更换",
            "description": "大楼两部电梯已运行23年，物业撤场，电梯更换和维保无人负责。",
        },
    )
    page = preview.content.decode()
    assert case.reference in page
    assert reverse("cases:join", args=[case.pk]) in page and "并入此案" in page


def test_the_case_list_hides_merged_cases_unless_asked(staff_client, staff_user, case):
    other = duplicate(staff_user, case, title="福安大厦1号楼电梯重复来电")
    case_merge(case_id=other.pk, into_id=case.pk, actor=staff_user, note="重复")
    listed = staff_client.get(reverse("cases:list")).content.decode()
    assert case.reference in listed and other.reference not in listed
    shown = staff_client.get(reverse("cases:list"), {"merged": "1"}).content.decode()
    assert other.reference in shown and case.reference in shown
    only = staff_client.get(reverse("cases:list"), {"merged": "only"}).content.decode()
    assert other.reference in only and case.reference not in only


def test_merged_cases_leave_the_overdue_counts(staff_user, case):
    other = duplicate(staff_user, case)
    Case.objects.filter(pk=other.pk).update(due_at=timezone.now() - timezone.timedelta(days=3))
    assert Case.objects.overdue().filter(pk=other.pk).exists()
    case_merge(case_id=other.pk, into_id=case.pk, actor=staff_user, note="重复")
    assert not Case.objects.overdue().filter(pk=other.pk).exists()
    assert not Case.objects.open().filter(pk=other.pk).exists()


def test_the_case_page_shows_the_residents_other_cases_by_phone(
    staff_client, client, committee_user, staff_user, case, noise_category
):
    earlier = make_case(staff_user, neighbourhood=case.neighbourhood, category=noise_category, title="楼下饭店油烟")
    secret = make_case(
        staff_user,
        neighbourhood=case.neighbourhood,
        category=noise_category,
        title="保密来电",
        reporter_confidential=True,
    )
    stranger = make_case(
        staff_user,
        neighbourhood=case.neighbourhood,
        category=noise_category,
        title="别人的事",
        reporter_phone="13011112222",
    )
    page = detail(staff_client, case)
    assert "该诉求人的其他案件（2）" in page and earlier.reference in page and secret.reference in page
    assert stranger.reference not in page
    client.force_login(committee_user)
    committee_page = detail(client, case)
    assert earlier.reference in committee_page and secret.reference not in committee_page
    assert "该诉求人的其他案件" not in detail(client, secret)


def test_a_co_complainant_added_elsewhere_counts_as_the_residents_case(staff_client, staff_user, case, noise_category):
    other = make_case(
        staff_user, neighbourhood=case.neighbourhood, category=noise_category, reporter_phone="13655556666"
    )
    complainant_add(case_id=case.pk, actor=staff_user, name="孙先生", phone="13655556666")
    assert case.reference in detail(staff_client, other)


def test_a_confidential_co_complainant_is_hidden_from_a_committee_page(client, committee_user, staff_user, case):
    complainant_add(case_id=case.pk, actor=staff_user, name="吴女士", phone="13600006666", confidential=True)
    client.force_login(committee_user)
    page = detail(client, case)
    assert "吴女士" not in page and "136****6666" not in page and "（保密）" in page


def test_co_complainants_and_merged_residents_are_visited_and_see_the_outcome(staff_client, staff_user, case, method):
    other = duplicate(staff_user, case)
    case_merge(case_id=other.pk, into_id=case.pk, actor=staff_user, note="重复")
    caller = complainant_add(case_id=case.pk, actor=staff_user, name="赵阿姨", phone="13700003333")
    early = staff_client.post(
        reverse("cases:resident_visit", args=[case.pk]), {"complainant": caller.pk, "visit_result": "satisfied"}
    )
    assert early.status_code == 400 and "办结后" in early.content.decode()
    for action in ("dispatch", "accept", "start"):
        case_transition(case_id=case.pk, actor=staff_user, action=action, assignee=staff_user)
    case_transition(case_id=case.pk, actor=staff_user, action="resolve", resolution="两部电梯已更换", method=method)
    merged_page = detail(staff_client, other)
    assert "两部电梯已更换" in merged_page and "已办结" in merged_page
    visits = [
        {"complainant": caller.pk, "visit_result": "satisfied"},
        {"merged_case": other.pk, "visit_result": "unsatisfied"},
    ]
    # The residents' visits are independent like the case's own: not by the staff member who resolved it.
    refused = staff_client.post(reverse("cases:resident_visit", args=[case.pk]), visits[0])
    assert refused.status_code == 403 and "回访须独立进行" in refused.content.decode()
    staff_client.force_login(independent_visitor())
    for visit in visits:
        assert staff_client.post(reverse("cases:resident_visit", args=[case.pk]), visit).status_code == 302
    assert Complainant.objects.get(pk=caller.pk).visit_result == "satisfied"
    assert Case.objects.get(pk=other.pk).visit_result == "unsatisfied"
    assert Case.objects.get(pk=other.pk).status == Status.MERGED
    assert CaseEvent.objects.filter(case=case, action="resident_visit").count() == 2


def test_a_same_matter_link_offers_to_merge(staff_client, staff_user, case):
    from matters.models import CaseLink, LinkKind

    other = duplicate(staff_user, case)
    flag_case(case_id=case.pk)
    flag_case(case_id=other.pk)
    assert CaseLink.objects.filter(kind=LinkKind.SAME_MATTER).exists()
    panel = staff_client.get(reverse("matters:case_similar", args=[other.pk])).content.decode()
    assert reverse("cases:merge", args=[other.pk]) in panel and "并单" in panel and case.reference in panel
