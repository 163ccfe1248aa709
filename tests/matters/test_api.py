import pytest

from matters import services
from matters.models import CaseLink, LinkStatus, MatterClass, Membership


@pytest.fixture
def flagged(scene):
    for case in scene.values():
        services.flag_case(case_id=case.pk)
    return scene


def test_similar_json_lists_links_best_first_with_kind_and_reasons(flagged, staff_client):
    new = flagged["new"]
    rows = staff_client.get(f"/api/cases/{new.pk}/similar/").json()
    assert [set(row) for row in rows][0] == {"id", "reference", "title", "kind", "score", "reasons"}
    assert [row["score"] for row in rows] == sorted((row["score"] for row in rows), reverse=True)
    kinds = {row["id"]: row["kind"] for row in rows}
    assert kinds[flagged["same_building"].pk] == "same_matter"
    assert kinds[flagged["ageing"].pk] == "same_class"
    assert flagged["noise"].pk not in kinds


def test_similar_json_is_scoped_to_what_a_committee_member_may_see(flagged, committee_client):
    new, ageing = flagged["new"], flagged["ageing"]
    rows = committee_client.get(f"/api/cases/{new.pk}/similar/").json()
    assert ageing.pk not in [row["id"] for row in rows]  # another neighbourhood's case
    assert committee_client.get(f"/api/cases/{ageing.pk}/similar/").status_code == 404


def test_rejected_links_are_left_out_of_the_json(flagged, staff_client, staff_user):
    new, ageing = flagged["new"], flagged["ageing"]
    link = CaseLink.objects.involving(new.pk).get(case_a__in=[ageing, new], case_b__in=[ageing, new])
    services.link_decide(actor=staff_user, link_id=link.pk, confirm=False)
    assert CaseLink.objects.get(pk=link.pk).status == LinkStatus.REJECTED
    rows = staff_client.get(f"/api/cases/{new.pk}/similar/").json()
    assert ageing.pk not in [row["id"] for row in rows]


def test_class_json_lists_classes_and_member_ids_scoped(flagged, staff_client, committee_user):
    from django.test import Client

    committee_client = Client()
    committee_client.force_login(committee_user)
    matter_class = MatterClass.objects.create(title="商品房老旧电梯更新", status="confirmed")
    for case in (flagged["new"], flagged["ageing"]):
        Membership.objects.create(matter_class=matter_class, case=case)
    listed = staff_client.get("/api/classes/").json()
    assert matter_class.pk in [row["id"] for row in listed]
    detail = staff_client.get(f"/api/classes/{matter_class.pk}/").json()
    assert detail["cases"] == sorted([flagged["new"].pk, flagged["ageing"].pk])
    assert committee_client.get(f"/api/classes/{matter_class.pk}/").json()["cases"] == [flagged["new"].pk]


def test_json_needs_a_signed_in_user(flagged, client):
    assert client.get(f"/api/cases/{flagged['new'].pk}/similar/").status_code in (401, 403)
