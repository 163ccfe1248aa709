"""Residents' phone numbers are masked by default everywhere; confidential residents stay hidden from committees."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases.models import PersonalDataAccess
from ops.privacy import EXPORT_PERMISSION, phone_for_export
from tests.conftest import make_case

FULL, MASKED = "13812345678", "138****5678"


@pytest.fixture
def confidential_case(staff_user, neighbourhood, elevator_category):
    return make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        title="噪音扰民，请勿透露我的身份",
        reporter_name="匿名的王先生",
        reporter_phone="13900001111",
        reporter_confidential=True,
    )


def export(client) -> str:
    response = client.get(reverse("cases:export"), {"format": "csv"})
    assert response.status_code == 200
    return response.content.decode("utf-8-sig")


def test_case_page_masks_the_phone_until_revealed_and_the_reveal_is_recorded(staff_client, staff_user, case):
    page = staff_client.get(reverse("cases:detail", args=[case.pk])).text
    assert MASKED in page and FULL not in page

    revealed = staff_client.post(reverse("cases:reveal_phone", args=[case.pk])).text
    assert FULL in revealed
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.case, access.field) == (staff_user, case, "reporter_phone")


def test_the_case_list_never_shows_a_full_phone(staff_client, case):
    assert FULL not in staff_client.get(reverse("cases:list")).text


def test_exports_mask_phones_for_staff_without_the_permission(staff_client, case):
    text = export(staff_client)
    assert MASKED in text and FULL not in text


def test_a_confidential_resident_is_hidden_from_the_committee_everywhere(committee_client, confidential_case):
    page = committee_client.get(reverse("cases:detail", args=[confidential_case.pk])).text
    assert "匿名的王先生" not in page and "1111" not in page
    assert "匿名的王先生" not in committee_client.get(reverse("cases:list")).text
    text = export(committee_client)
    assert confidential_case.reference in text
    assert "匿名的王先生" not in text and "1111" not in text
    response = committee_client.post(reverse("cases:reveal_phone", args=[confidential_case.pk]))
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_staff_still_see_a_confidential_resident(staff_client, confidential_case):
    page = staff_client.get(reverse("cases:detail", args=[confidential_case.pk])).text
    assert "匿名的王先生" in page and "139****1111" in page


def test_the_export_permission_exists_and_unmasks_only_for_its_holders(staff_user, committee_user):
    app_label, codename = EXPORT_PERMISSION.split(".")
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    assert phone_for_export(staff_user, FULL) == MASKED
    staff_user.user_permissions.add(permission)
    staff_user = type(staff_user).objects.get(pk=staff_user.pk)  # permissions are cached per instance
    assert phone_for_export(staff_user, FULL) == FULL
    assert phone_for_export(committee_user, FULL) == MASKED


def test_an_export_by_a_holder_of_the_permission_shows_full_phones(staff_client, staff_user, case):
    staff_user.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    assert FULL in export(staff_client)


def test_another_neighbourhoods_committee_exports_none_of_its_cases(client, other_committee_user, case):
    client.force_login(other_committee_user)
    assert case.reference not in export(client)


def test_the_api_hides_a_confidential_resident_from_the_committee_and_masks_phones(
    client, committee_user, staff_user, confidential_case
):
    url = reverse("api:case-detail", args=[confidential_case.pk])
    client.force_login(committee_user)
    body = client.get(url).content.decode()
    assert "匿名的王先生" not in body and "13900001111" not in body
    client.force_login(staff_user)
    body = client.get(url).content.decode()
    assert "13900001111" not in body
