"""Working a class of matters: the case panel, names, screening, progress and batch actions (issue 17)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, EventKind
from matters import naming, progress, selectors, services
from matters.models import ClassStatus, MatterClass, Membership
from places.models import HousingType
from tests.conftest import make_case, sign_in


@pytest.fixture
def elevator_class(elevator_category):
    return MatterClass.objects.create(
        title="商品房老旧电梯更新",
        status=ClassStatus.CONFIRMED,
        category=elevator_category,
        housing_type=HousingType.COMMODITY,
        min_elevator_age=20,
        target_count=4,
    )


def test_the_case_panel_shows_five_links_of_a_kind_in_words_and_the_rest_behind_more(
    staff_client, staff_user, neighbourhood, estate, building, elevator_category
):
    cases = [
        make_case(
            staff_user,
            neighbourhood=neighbourhood,
            category=elevator_category,
            estate=estate,
            building=building,
            title=f"福安大厦电梯老化需要更换{n}",
            description="福安大厦1号楼电梯运行二十多年，老化严重，故障频发，要求更换电梯。",
        )
        for n in range(8)
    ]
    for case in cases:
        services.flag_case(case_id=case.pk)
    page = staff_client.get(reverse("matters:case_similar", args=[cases[0].pk])).content.decode()
    shown, more = page.split('<details class="similar-more">', 1)[0], page.split('<details class="similar-more">', 1)[1]
    assert shown.count('class="similar-item"') == 5
    assert "更多（2 件）" in page and more.count('class="similar-item"') == 2
    assert "很相近" in shown and "同一楼栋" in shown
    assert not re.search(r"\d\.\d\d", shown)  # no raw scores, no "文本相近 0.82"
    # The classes page presents no backlog of links waiting for a decision.
    classes_page = staff_client.get(reverse("matters:class_list")).content.decode()
    assert '<th class="num">待确认</th>' not in classes_page and "不是待办" in classes_page


def test_a_proposed_class_is_named_like_a_clerk_would_not_as_a_list_of_words():
    members = [
        ("福安大厦电梯老化需要更换", HousingType.COMMODITY, {"电梯": 0.5, "老化": 0.6, "更换": 0.4}),
        ("海防大楼电梯长期老化，要求更换", HousingType.COMMODITY, {"电梯": 0.5, "老化": 0.6, "更换": 0.4}),
        ("晶华园电梯老化几天就坏要更换", HousingType.COMMODITY, {"电梯": 0.5, "老化": 0.6, "更换": 0.4}),
    ]
    places = ["福安大厦", "海防大楼", "晶华园"]
    assert naming.class_title("电梯", members, places) == "商品房电梯老化更换"
    leaks = [("新丰里屋面渗漏", HousingType.OLD_LANE, {}), ("句容里屋面长期渗漏", HousingType.OLD_LANE, {})]
    assert naming.class_title("漏水渗水", leaks, ["新丰里", "句容里"]) == "老式里弄屋面渗漏"
    assert "、" not in naming.class_title("噪音", [("快递驿站噪音扰民", "", {}), ("再次反映快递驿站噪音扰民", "", {})])


def test_screening_lists_the_uncalled_buildings_riskiest_first_and_explains_each(
    staff_client, elevator_class, old_commodity_estates
):
    response = staff_client.get(reverse("matters:class_screen", args=[elevator_class.pk]))
    buildings = response.context["buildings"]
    assert buildings, "the profile matches buildings without a case"
    assert [b.risk for b in buildings] == sorted((b.risk for b in buildings), reverse=True)
    first = buildings[0]
    assert f"电梯 {first.elevator_age} 年" in first.reasons and "近 2 年来电 0 次" in first.reasons
    assert f"电梯 {first.elevator_age} 年" in response.content.decode()


def test_an_incomplete_profile_says_what_is_missing(staff_client, elevator_class):
    elevator_class.min_elevator_age, elevator_class.without_property_company = None, False
    elevator_class.save()
    page = staff_client.get(reverse("matters:class_screen", args=[elevator_class.pk])).content.decode()
    assert "排查特征不完整，还缺：电梯使用年限或“仅无物业小区”" in page


def test_progress_counts_members_done_this_year_the_same_on_every_page(
    staff_client, staff_user, elevator_class, neighbourhood, elevator_category
):
    def case(title):
        made = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title=title)
        Membership.objects.create(matter_class=elevator_class, case=made)
        return made

    resolved = case("电梯更换完成")
    resolved.__class__.objects.filter(pk=resolved.pk).update(status="resolved", resolved_at=timezone.now())
    last_year = case("去年办结的电梯")
    last_year.__class__.objects.filter(pk=last_year.pk).update(
        status="closed", resolved_at=timezone.now().replace(year=timezone.now().year - 1)
    )
    marked = case("专班标记走完通关图")
    Membership.objects.filter(case=marked).update(completed=True)
    case("仍在办理")
    figures = selectors.class_progress(elevator_class)
    assert (figures["done"], figures["target"], figures["year"]) == (2, 4, progress.target_year())
    listed = next(c for c in selectors.ranked_classes(staff_user) if c.pk == elevator_class.pk)
    assert listed.done == 2
    page = staff_client.get(reverse("matters:class_detail", args=[elevator_class.pk])).content.decode()
    assert f"{timezone.localdate().year} 年目标 ≥ 4" in page and "已完成 2" in page
    api = staff_client.get(f"/api/classes/{elevator_class.pk}/").json()
    assert api["progress"]["done"] == 2
    exported = staff_client.get(reverse("matters:class_list"), {"export": "csv"}).content.decode("utf-8-sig")
    header, *rows = exported.splitlines()
    assert f"{timezone.localdate().year} 年已完成" in header
    assert f"{elevator_class.title},房屋管理›电梯,已确认,4,4,2,4,50%" in rows


def test_a_batch_note_goes_only_to_the_chosen_members_and_an_error_keeps_what_was_typed(
    staff_client, staff_user, elevator_class, neighbourhood, elevator_category
):
    members = [
        make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title=f"电梯故障{n}")
        for n in range(3)
    ]
    for case in members:
        Membership.objects.create(matter_class=elevator_class, case=case)
    closed = members[2]
    closed.__class__.objects.filter(pk=closed.pk).update(status="closed", resolved_at=timezone.now())
    url = reverse("matters:class_detail", args=[elevator_class.pk])
    form = staff_client.get(url).context["batch_form"]
    assert form.initial["cases"] == [members[0].pk, members[1].pk]  # open ones chosen, the closed one not
    assert form["action"].value() is None  # no action chosen for the clerk

    batch = reverse("matters:class_batch", args=[elevator_class.pk])
    response = staff_client.post(
        batch, {"action": "team", "note": "周五开推进会", "cases": [members[0].pk]}, follow=True
    )
    assert "请选择工作专班" in response.content.decode()
    kept = response.context["batch_form"]
    assert (kept["note"].value(), kept["action"].value(), kept["cases"].value()) == (
        "周五开推进会",
        "team",
        [str(members[0].pk)],
    )
    assert not CaseEvent.objects.filter(note="周五开推进会").exists()

    response = staff_client.post(
        batch, {"action": "note", "note": "周五开推进会", "cases": [members[0].pk, members[1].pk]}, follow=True
    )
    page = response.content.decode()
    assert "已向 2 件案件发布备注" in page and members[0].reference in page and members[1].reference in page
    noted = CaseEvent.objects.filter(kind=EventKind.NOTE, note="周五开推进会").values_list("case_id", flat=True)
    assert sorted(noted) == [members[0].pk, members[1].pk]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_clerk_posts_a_batch_note_on_two_chosen_members_in_the_browser(
    page, staff_user, elevator_class, neighbourhood, elevator_category
):
    members = [
        make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title=f"电梯老化{n}")
        for n in range(3)
    ]
    for case in members:
        Membership.objects.create(matter_class=elevator_class, case=case)
    sign_in(page, "staff")
    page.wait_for_url("**/")
    page.goto(reverse("matters:class_detail", args=[elevator_class.pk]))
    page.get_by_label(f"{members[2].reference} {members[2].title}").uncheck()
    page.get_by_label("向选中案件发布备注").check()
    page.get_by_label("备注内容").fill("下周一业主表决")
    page.get_by_role("button", name="对选中案件执行").click()
    page.wait_for_selector(".batch-result")
    assert "已向 2 件案件发布备注" in page.locator("#batch").inner_text()
    noted = CaseEvent.objects.filter(kind=EventKind.NOTE, note="下周一业主表决").values_list("case_id", flat=True)
    assert sorted(noted) == [members[0].pk, members[1].pk]
