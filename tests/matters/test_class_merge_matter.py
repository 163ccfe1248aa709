"""A class of matters' same-matter groups become one work order in one step (并单 from the class page)."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Status
from matters.models import CaseLink, LinkKind, LinkStatus
from matters.services import class_create
from tests.conftest import make_case


def _class_with_duplicates(staff_user, neighbourhood, estate, elevator_category):
    now = timezone.now()
    cases = [
        make_case(
            staff_user,
            neighbourhood=neighbourhood,
            category=elevator_category,
            estate=estate,
            received_at=now - timedelta(hours=10 - i),
            reporter_phone=f"1391111000{i}",
        )
        for i in range(4)
    ]
    matter_class = class_create(
        actor=staff_user, data={"title": "福安大厦电梯", "category": elevator_category}, case_ids=[c.pk for c in cases]
    )
    CaseLink.objects.create(case_a=cases[0], case_b=cases[1], kind=LinkKind.SAME_MATTER, score=0.9)
    CaseLink.objects.create(case_a=cases[1], case_b=cases[2], kind=LinkKind.SAME_MATTER, score=0.8)
    # The fourth is linked too, but a person said no: it is not part of the matter.
    CaseLink.objects.create(
        case_a=cases[0], case_b=cases[3], kind=LinkKind.SAME_MATTER, score=0.8, status=LinkStatus.REJECTED
    )
    return matter_class, cases


def test_the_class_page_offers_each_same_matter_group_and_merges_it_in_one_step(
    staff_client, staff_user, neighbourhood, estate, elevator_category
):
    matter_class, cases = _class_with_duplicates(staff_user, neighbourhood, estate, elevator_category)
    page = staff_client.get(reverse("matters:class_detail", args=[matter_class.pk]))
    groups = page.context["matter_groups"]
    assert [[c.pk for c in group] for group in groups] == [[c.pk for c in cases[:3]]]
    assert "将这 3 件并为一件" in page.content.decode()
    response = staff_client.post(
        reverse("matters:class_merge_matter", args=[matter_class.pk]),
        {"cases": [c.pk for c in cases[:3]], "note": "同一部电梯"},
        follow=True,
    )
    assert "已将" in response.content.decode()
    master, *merged = (Case.objects.get(pk=c.pk) for c in cases[:3])
    assert master.status != Status.MERGED  # the earliest received is the master
    assert [(c.status, c.merged_into_id) for c in merged] == [(Status.MERGED, master.pk)] * 2
    assert master.events.filter(note__contains="同一部电梯").exists()
    assert Case.objects.get(pk=cases[3].pk).status != Status.MERGED
    assert staff_client.get(reverse("matters:class_detail", args=[matter_class.pk])).context["matter_groups"] == []


def test_fewer_than_two_open_cases_merge_nothing_and_committees_may_not(
    staff_client, committee_user, staff_user, neighbourhood, estate, elevator_category
):
    matter_class, cases = _class_with_duplicates(staff_user, neighbourhood, estate, elevator_category)
    url = reverse("matters:class_merge_matter", args=[matter_class.pk])
    response = staff_client.post(url, {"cases": [cases[0].pk]}, follow=True)
    assert "请至少选择两件" in response.content.decode()
    committee = Client()
    committee.force_login(committee_user)
    assert committee.post(url, {"cases": [c.pk for c in cases[:3]]}).status_code == 403
    assert not Case.objects.filter(status=Status.MERGED).exists()
