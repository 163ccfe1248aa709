"""The hot classes of matters on a dashboard: counted within the scope, with progress against target."""

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboards.forms import default_start
from matters.models import ClassStatus, MatterClass, Membership
from tests.dashboards.conftest import shown


def make_class(cases, *, title, target=None, status=ClassStatus.CONFIRMED):
    matter_class = MatterClass.objects.create(
        title=title, status=status, target_count=target, target_year=timezone.localdate().year if target else None
    )
    for case in cases:
        Membership.objects.create(matter_class=matter_class, case=case)
    return matter_class


def in_period(case) -> bool:
    return timezone.localdate(case.received_at) >= default_start()


def test_hot_classes_count_member_cases_in_scope_and_progress_against_target(
    staff_client, committee_user, cases, neighbourhood
):
    elevators = make_class(cases, title="老旧电梯更新", target=20)
    make_class(cases[:1], title="被驳回的类", status=ClassStatus.DISMISSED)
    year = timezone.localdate().year
    done = sum(1 for c in cases if c.status in ("resolved", "closed") and c.resolved_at.year == year)

    page = shown(staff_client.get(reverse("dashboards:overview")))
    assert page.found[("classes", str(elevators.pk), "in_scope")][0] == str(sum(map(in_period, cases)))
    assert page.found[("classes", str(elevators.pk), "members")][0] == str(len(cases))
    assert f"{done}/20件" in page.found[("classes", str(elevators.pk), "progress")][0]
    assert "被驳回的类" not in staff_client.get(reverse("dashboards:overview")).content.decode()

    committee_client = Client()
    committee_client.force_login(committee_user)
    page = shown(committee_client.get(reverse("dashboards:neighbourhood", args=[neighbourhood.pk])))
    mine = [c for c in cases if c.neighbourhood_id == neighbourhood.pk and in_period(c)]
    assert page.found[("classes", str(elevators.pk), "in_scope")][0] == str(len(mine))
