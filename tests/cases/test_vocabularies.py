"""The dropdowns of the list's filters and the case actions are reused between requests (cases/vocabularies.py)
only while their rows are unchanged: every change shows at once, however it was written, and nobody sees
another neighbourhood's places."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from cases.models import Category, Department
from places.models import Estate, HousingType
from tests.conftest import make_user, require

pytestmark = pytest.mark.django_db


def list_page(client) -> str:
    response = client.get(reverse("cases:list"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_category_renamed_behind_the_apps_back_shows_at_once_in_the_filters(staff_client, elevator_category):
    assert ">房屋管理›电梯<" in list_page(staff_client)

    Category.objects.filter(pk=elevator_category.pk).update(name="加装电梯")  # no save(), no signal

    page = list_page(staff_client)
    assert ">房屋管理›加装电梯<" in page
    assert ">房屋管理›电梯<" not in page


def test_a_new_colleague_is_offered_as_assignee_at_once(staff_client, reference_data):
    assert "新同事" not in list_page(staff_client)

    make_user("新同事", roles.STAFF)  # shown by last name (make_user sets it to the user name)

    assert ">新同事<" in list_page(staff_client)


def test_a_colleague_who_loses_the_role_is_no_longer_offered(staff_client, reference_data):
    colleague = make_user("离岗同事", roles.STAFF)
    assert ">离岗同事<" in list_page(staff_client)

    colleague.groups.clear()

    assert ">离岗同事<" not in list_page(staff_client)


def test_a_committee_member_sees_only_their_own_places_after_staff_opened_the_list(
    staff_user, committee_user, estate, other_estate, reference_data
):
    # Both sign in first: signing in writes last_login, a change that would rebuild every list anyway.
    staff, committee = Client(), Client()
    staff.force_login(staff_user)
    committee.force_login(committee_user)
    staff_page = list_page(staff)
    assert estate.name in staff_page and other_estate.name in staff_page

    committee_page = list_page(committee)
    assert estate.name in committee_page
    assert other_estate.name not in committee_page
    assert other_estate.neighbourhood.name not in committee_page


def test_an_estate_added_to_the_neighbourhood_is_offered_to_its_committee_at_once(
    committee_client, neighbourhood, estate, reference_data
):
    assert "新建小区" not in list_page(committee_client)

    Estate.objects.create(neighbourhood=neighbourhood, name="新建小区", housing_type=HousingType.COMMODITY)

    assert "新建小区" in list_page(committee_client)


def test_a_department_made_inactive_leaves_the_dispatch_form_at_once(staff_client, case):
    detail = reverse("cases:detail", args=[case.pk])
    department = Department.objects.filter(is_active=True).order_by("sort_order").first()
    assert f">{department.name}<" in staff_client.get(detail).content.decode()

    Department.objects.filter(pk=department.pk).update(is_active=False)

    page = staff_client.get(detail).content.decode()
    assert f">{department.name}<" not in page


@pytest.mark.postgres
def test_the_list_reads_the_dropdowns_rows_only_when_they_changed(staff_client, elevator_category):
    require(connection.vendor == "postgresql", "needs DATABASE_URL on PostgreSQL")
    list_page(staff_client)

    with CaptureQueriesContext(connection) as queries:
        list_page(staff_client)
    assert not [q["sql"] for q in queries if 'FROM "cases_category"' in q["sql"]]

    Category.objects.filter(pk=elevator_category.pk).update(name="加装电梯")
    with CaptureQueriesContext(connection) as queries:
        assert ">房屋管理›加装电梯<" in list_page(staff_client)
    assert [q["sql"] for q in queries if 'FROM "cases_category"' in q["sql"]]


@pytest.mark.postgres
def test_a_case_and_its_list_row_read_the_case_alone_and_show_renamed_places_at_once(
    staff_client, staff_user, case, estate, building
):
    """The row's category (with its group), places and assignee come from the same cache, not from a join."""
    require(connection.vendor == "postgresql", "needs DATABASE_URL on PostgreSQL")
    from cases.services import case_transition

    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    detail = reverse("cases:detail", args=[case.pk])
    staff_client.get(detail)

    with CaptureQueriesContext(connection) as queries:
        page = staff_client.get(detail).content.decode()
    case_reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "cases_case"."id"')]
    assert case_reads and not [sql for sql in case_reads if " JOIN " in sql]
    assert f"<dd>{case.category}</dd>" in page  # 房屋管理›电梯: the group came along
    assert f">{estate.name}</a>" in page and f">{building.number}</a>" in page
    assert f"<dd>{staff_user.last_name}</dd>" in page  # the assignee

    Estate.objects.filter(pk=estate.pk).update(name="改名后的小区")  # behind the app's back
    assert "改名后的小区" in staff_client.get(detail).content.decode()
    row_page = list_page(staff_client)
    assert "· 改名后的小区" in row_page and f"· {estate.name}" not in row_page  # the place cell
