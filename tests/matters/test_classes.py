import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, Channel, EventKind, Team
from matters import services
from matters.models import ClassStatus, MatterClass, Membership
from places.models import Building, Estate, HousingType
from tests.conftest import make_case

ELEVATOR_TEXT = "电梯使用二十多年，老化严重，经常故障停运，希望更换电梯。"


@pytest.fixture
def three_estates(neighbourhood, other_neighbourhood):
    names = [("晶华园", neighbourhood), ("三和花园", other_neighbourhood), ("昌平公寓", other_neighbourhood)]
    return [
        Estate.objects.create(neighbourhood=hood, name=name, housing_type=HousingType.COMMODITY) for name, hood in names
    ]


def elevator_cases(actor, estates, category, count):
    return [
        make_case(
            actor,
            neighbourhood=e.neighbourhood,
            category=category,
            estate=e,
            title=f"{e.name}电梯老化需要更换",
            description=f"{e.name}{ELEVATOR_TEXT}",
        )
        for e in estates[:count]
    ]


def test_the_worker_proposes_a_class_when_enough_similar_cases_share_a_problem(
    staff_user, three_estates, elevator_category
):
    cases = elevator_cases(staff_user, three_estates, elevator_category, 3)
    results = [services.flag_case(case_id=case.pk) for case in cases]
    assert results[0]["class"] is None and results[1]["class"] is None
    matter_class = MatterClass.objects.get()
    assert matter_class.status == ClassStatus.PROPOSED
    assert "电梯" in matter_class.title
    assert set(matter_class.memberships.values_list("case_id", flat=True)) == {c.pk for c in cases}
    for case in cases:
        services.flag_case(case_id=case.pk)
    assert MatterClass.objects.count() == 1


def test_the_class_threshold_is_a_setting(settings, staff_user, three_estates, elevator_category):
    settings.MATTERS_CLASS_THRESHOLD = 4
    for case in elevator_cases(staff_user, three_estates, elevator_category, 3):
        services.flag_case(case_id=case.pk)
    assert not MatterClass.objects.exists()


def test_a_new_similar_case_joins_the_existing_class(staff_user, three_estates, elevator_category, estate):
    for case in elevator_cases(staff_user, three_estates, elevator_category, 3):
        services.flag_case(case_id=case.pk)
    later = elevator_cases(staff_user, [estate], elevator_category, 1)[0]
    services.flag_case(case_id=later.pk)
    assert Membership.objects.filter(case=later, matter_class=MatterClass.objects.get()).exists()


@pytest.fixture
def elevator_class(elevator_category):
    return MatterClass.objects.create(
        title="商品房老旧电梯更新",
        status=ClassStatus.CONFIRMED,
        category=elevator_category,
        housing_type=HousingType.COMMODITY,
        min_elevator_age=20,
    )


def test_screening_lists_exactly_the_matching_buildings_without_a_case(
    staff_client, staff_user, elevator_class, old_commodity_estates, case, building
):
    # `case` is an elevator case at 福安大厦 1号楼 (commodity, elevators of 2001): it has a case already.
    response = staff_client.get(reverse("matters:class_screen", args=[elevator_class.pk]))
    listed = {b.pk for b in response.context["buildings"]}
    assert listed == {old_commodity_estates["old1"].pk, old_commodity_estates["old2"].pk}

    response = staff_client.post(
        reverse("matters:class_screen", args=[elevator_class.pk]),
        {"buildings": [old_commodity_estates["old1"].pk, old_commodity_estates["old2"].pk]},
    )
    assert response.status_code == 302
    opened = elevator_class.memberships.select_related("case__channel", "case__building")
    assert {m.case.building_id for m in opened} == listed
    assert {m.case.channel.code for m in opened} == {"patrol_visit"}
    again = staff_client.get(reverse("matters:class_screen", args=[elevator_class.pk]))
    assert list(again.context["buildings"]) == []


def test_screening_by_estates_without_a_property_company(staff_client, elevator_class, old_commodity_estates, case):
    # 福安大厦 (between two property companies) has an elevator case already; 三和花园 is managed.
    elevator_class.min_elevator_age, elevator_class.housing_type = None, ""
    elevator_class.without_property_company = True
    elevator_class.save()
    response = staff_client.get(reverse("matters:class_screen", args=[elevator_class.pk]))
    assert {e.name for e in response.context["estates"]} == {"句容里"}


def test_staff_confirm_rename_set_route_and_move_a_member(staff_client, elevator_class, case):
    membership = Membership.objects.create(matter_class=elevator_class, case=case)
    url = lambda name: reverse(f"matters:{name}", args=[elevator_class.pk])  # noqa: E731
    staff_client.post(url("class_route"), {"steps": "业主表决 | 业委会\n维修资金申请 | 区房管局\n施工 | 电梯公司"})
    assert [s.name for s in elevator_class.steps.all()] == ["业主表决", "维修资金申请", "施工"]
    staff_client.post(url("class_batch"), {"action": "route", "cases": [case.pk]})
    membership.refresh_from_db()
    assert membership.step.name == "业主表决"
    assert CaseEvent.objects.filter(case=case, kind=EventKind.NOTE, note__contains="业主表决").exists()
    second = elevator_class.steps.get(position=2)
    staff_client.post(reverse("matters:member_step", args=[membership.pk]), {"step": second.pk})
    membership.refresh_from_db()
    assert membership.step == second
    data = {
        "title": "老旧电梯更新",
        "category": elevator_class.category_id,
        "target_count": 25,
        "target_unit": "台",
        "housing_type": "commodity",
        "min_elevator_age": 20,
    }
    staff_client.post(url("class_edit"), data)
    elevator_class.refresh_from_db()
    assert (elevator_class.title, elevator_class.target_count) == ("老旧电梯更新", 25)
    page = staff_client.get(url("class_detail")).content.decode()
    assert f"{timezone.localdate().year} 年目标 ≥ 25 台" in page  # a target's year follows the calendar


def test_batch_note_goes_on_every_member_timeline_and_team_is_assigned(staff_client, elevator_class, scene):
    for key in ("new", "ageing", "same_building"):
        Membership.objects.create(matter_class=elevator_class, case=scene[key])
    url = reverse("matters:class_batch", args=[elevator_class.pk])
    chosen = [scene[k].pk for k in ("new", "ageing", "same_building")]
    staff_client.post(url, {"action": "note", "note": "本周五召开电梯更新推进会", "cases": chosen})
    notes = CaseEvent.objects.filter(kind=EventKind.NOTE, note="本周五召开电梯更新推进会")
    assert sorted(notes.values_list("case_id", flat=True)) == sorted(
        scene[k].pk for k in ("new", "ageing", "same_building")
    )
    team = Team.objects.create(name="老旧电梯更新专班")
    staff_client.post(url, {"action": "team", "team": team.pk, "cases": chosen})
    assert {scene[k].__class__.objects.get(pk=scene[k].pk).team_id for k in ("new", "ageing")} == {team.pk}


def test_merge_split_and_dismiss(staff_client, elevator_class, scene):
    other = MatterClass.objects.create(title="电梯困人", category=elevator_class.category)
    Membership.objects.create(matter_class=elevator_class, case=scene["new"])
    Membership.objects.create(matter_class=other, case=scene["ageing"])
    Membership.objects.create(matter_class=other, case=scene["new"])
    staff_client.post(reverse("matters:class_merge", args=[other.pk]), {"into": elevator_class.pk})
    other.refresh_from_db()
    assert other.status == ClassStatus.MERGED
    assert set(elevator_class.memberships.values_list("case_id", flat=True)) == {scene["new"].pk, scene["ageing"].pk}

    response = staff_client.post(
        reverse("matters:class_split", args=[elevator_class.pk]),
        {"title": "海防大楼电梯", "cases": [scene["ageing"].pk]},
    )
    new_class = MatterClass.objects.get(title="海防大楼电梯")
    assert response.url == reverse("matters:class_detail", args=[new_class.pk])
    assert list(new_class.memberships.values_list("case_id", flat=True)) == [scene["ageing"].pk]
    assert list(elevator_class.memberships.values_list("case_id", flat=True)) == [scene["new"].pk]

    staff_client.post(reverse("matters:class_decide", args=[new_class.pk]), {"decision": "dismiss"})
    new_class.refresh_from_db()
    assert new_class.status == ClassStatus.DISMISSED
    listed = [c.pk for c in staff_client.get(reverse("matters:class_list")).context["classes"]]
    assert new_class.pk not in listed and elevator_class.pk in listed


def test_committee_sees_classes_but_only_their_member_cases_and_cannot_act(committee_user, elevator_class, scene):
    client = Client()
    client.force_login(committee_user)
    Membership.objects.create(matter_class=elevator_class, case=scene["new"])
    Membership.objects.create(matter_class=elevator_class, case=scene["ageing"])
    assert elevator_class in client.get(reverse("matters:class_list")).context["classes"]
    page = client.get(reverse("matters:class_detail", args=[elevator_class.pk]))
    assert list(page.context["members"]) == [scene["new"]]
    assert scene["ageing"].reference not in page.content.decode()
    for name, data in [
        ("class_decide", {"decision": "dismiss"}),
        ("class_batch", {"action": "note", "note": "x"}),
        ("class_route", {"steps": "a"}),
        ("class_screen", {}),
    ]:
        assert client.post(reverse(f"matters:{name}", args=[elevator_class.pk]), data).status_code == 403
    assert client.get(reverse("matters:case_similar", args=[scene["ageing"].pk])).status_code == 404
    assert client.get(reverse("matters:case_similar", args=[scene["new"].pk])).status_code == 200


def test_class_list_ranks_by_growth_this_month(staff_client, elevator_class, scene, noise_category):
    quiet = MatterClass.objects.create(title="旧问题", status=ClassStatus.CONFIRMED, category=noise_category)
    Membership.objects.create(matter_class=elevator_class, case=scene["new"])
    Membership.objects.create(matter_class=elevator_class, case=scene["ageing"])
    Membership.objects.create(matter_class=quiet, case=scene["noise"])
    classes = staff_client.get(reverse("matters:class_list")).context["classes"]
    assert [c.pk for c in classes][:2] == [elevator_class.pk, quiet.pk]
    assert classes[0].growth == 2


def typed(estate, building, category):
    """What a staff member has typed into the new-case form about the scene's building."""
    return {
        "title": "1号楼电梯坏了困人",
        "description": "电梯故障",
        "estate": estate.pk,
        "building": building.pk,
        "neighbourhood": estate.neighbourhood_id,
        "category": category.pk,
    }


def test_similar_preview_shows_open_same_matter_cases_while_typing(
    staff_client, scene, estate, building, elevator_category
):
    for case in scene.values():
        services.flag_case(case_id=case.pk)
    response = staff_client.get(
        reverse("matters:similar_preview"), typed(estate, building, elevator_category), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert scene["same_building"].reference in html
    assert scene["noise"].reference not in html
    assert scene["ageing"].reference not in html  # another estate: same class, not the same matter
    empty = staff_client.get(reverse("matters:similar_preview"), {"title": ""})
    assert "similar-item" not in empty.content.decode()


def test_a_preventive_case_has_the_patrol_channel(reference_data):
    assert Channel.objects.filter(code="patrol_visit").exists()


def test_screening_needs_staff_and_a_chosen_place(staff_client, elevator_class, old_commodity_estates):
    response = staff_client.post(reverse("matters:class_screen", args=[elevator_class.pk]), {})
    assert response.status_code == 200
    assert not elevator_class.memberships.exists()
    assert Building.objects.filter(pk=old_commodity_estates["old1"].pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_preview_gives_up_while_a_first_big_import_holds_the_postings(
    staff_client, scene, estate, building, elevator_category
):
    """similarity.postings_rebuilt keeps the postings locked for minutes: the form then shows no preview."""
    import psycopg2
    from django.db import connection

    from tests.conftest import require

    require(connection.vendor == "postgresql", "the lock is PostgreSQL's (set DATABASE_URL)")
    for case in scene.values():
        services.flag_case(case_id=case.pk)
    form = typed(estate, building, elevator_category)
    importer = psycopg2.connect(**connection.get_connection_params())
    try:
        with importer.cursor() as cursor:
            cursor.execute("LOCK TABLE matters_posting IN ACCESS EXCLUSIVE MODE")
        response = staff_client.get(reverse("matters:similar_preview"), form, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "similar-item" not in response.content.decode()
    finally:
        importer.rollback()
        importer.close()
    response = staff_client.get(reverse("matters:similar_preview"), form, HTTP_HX_REQUEST="true")
    assert scene["same_building"].reference in response.content.decode()
