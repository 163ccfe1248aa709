"""People appear by the names colleagues know them by; service accounts and the admin are never assignable;
every field change is on the timeline, the assisting units set at dispatch included."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from accounts import roles
from api.tokens import service_account_register
from cases.models import Department
from cases.services import case_transition, case_update
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def wang(db):
    return make_user("wangmin", roles.STAFF, first_name="敏", last_name="王")


@pytest.fixture
def hotline(db):
    return service_account_register(
        username="hotline12345", system="12345市民服务热线", role=roles.STAFF, neighbourhood=None
    )


def test_the_assisting_units_set_at_dispatch_are_on_the_timeline(case, staff_user, reference_data):
    units = list(Department.objects.order_by("sort_order")[:2])
    case_transition(
        case_id=case.pk, actor=staff_user, action="dispatch", lead_department=units[0], assisting_departments=units
    )
    changes = {change["field"]: change for change in case.events.first().changes}
    assert changes["assisting_departments"]["old"] == ""
    assert changes["assisting_departments"]["new"] == "、".join(sorted(str(unit) for unit in units))


def test_an_assignee_change_names_the_person_not_the_login(staff_client, staff_user, case, wang):
    case_update(case_id=case.pk, actor=staff_user, expected_version=case.version, data={"assignee": wang})
    change = case.events.first().changes[0]
    assert change["new"] == "王敏"
    page = staff_client.get(reverse("cases:detail", args=[case.pk]))
    assert "王敏" in page.text and "wangmin" not in page.text


def test_the_assignee_dropdowns_offer_people_by_name_and_never_the_admin_or_a_service_account(
    staff_client, case, wang, hotline, superuser
):
    for url in (reverse("cases:list"), reverse("cases:detail", args=[case.pk])):
        select = re.search(r'<select name="assignee".*?</select>', staff_client.get(url).text, re.S).group(0)
        assert f'value="{wang.pk}">王敏<' in select, url
        assert f'value="{hotline.pk}"' not in select and "12345市民服务热线" not in select, url
        assert f'value="{superuser.pk}"' not in select, url


def test_the_api_refuses_a_service_account_as_assignee(staff_user, case, hotline):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(staff_user)
    body = {"action": "dispatch", "assignee": hotline.pk}
    response = client.post(reverse("api:case-move", args=[case.pk]), body, format="json")
    assert response.status_code == 400 and "assignee" in response.json()
    assert User.objects.filter(pk=hotline.pk, assigned_cases=case).exists() is False
