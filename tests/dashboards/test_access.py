"""A committee member sees only their own neighbourhood's figures, whatever URL or filter they try."""

from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import make_user
from tests.dashboards.conftest import shown


def test_committee_member_is_sent_from_the_overview_to_their_own_neighbourhood(
    committee_client, neighbourhood, other_neighbourhood
):
    response = committee_client.get(reverse("dashboards:overview"), {"neighbourhood": other_neighbourhood.pk})
    assert response.status_code == 302
    assert response.url.startswith(reverse("dashboards:neighbourhood", args=[neighbourhood.pk]))


def test_committee_member_cannot_open_another_neighbourhoods_dashboard(committee_client, other_neighbourhood, cases):
    response = committee_client.get(reverse("dashboards:neighbourhood", args=[other_neighbourhood.pk]))
    assert response.status_code == 404


def test_committee_member_cannot_widen_their_dashboard_with_a_filter(
    committee_client, neighbourhood, other_neighbourhood, cases
):
    url = reverse("dashboards:neighbourhood", args=[neighbourhood.pk])
    own = shown(committee_client.get(url)).found[("kpi", None, "total")][0]
    tried = committee_client.get(url, {"neighbourhood": other_neighbourhood.pk, "received_after": ""})
    assert tried.status_code == 200
    page = shown(tried)
    assert page.found[("kpi", None, "total")][0] == str(sum(1 for c in cases if c.neighbourhood_id == neighbourhood.pk))
    assert int(own) <= int(page.found[("kpi", None, "total")][0])
    assert other_neighbourhood.name.encode() not in tried.content
    assert all(f"neighbourhood={neighbourhood.pk}" in href for href in page.bars)


def test_committee_members_monthly_report_is_their_own_neighbourhoods(
    committee_client, neighbourhood, other_neighbourhood, cases
):
    month = cases[-1].received_at.strftime("%Y-%m")
    params = {"month": month, "neighbourhood": other_neighbourhood.pk}
    page = committee_client.get(reverse("dashboards:report"), params)
    assert page.status_code == 200
    assert page.context["scope"].neighbourhood_id == neighbourhood.pk
    assert all(case.neighbourhood_id == neighbourhood.pk for case in page.context["cases"])
    download = committee_client.get(reverse("dashboards:report_xlsx"), params)
    book = load_workbook(BytesIO(download.content))
    rows = list(book["案件清单"].iter_rows(values_only=True))
    hood_column = rows[0].index("居民区")
    assert {row[hood_column] for row in rows[1:]} <= {neighbourhood.name}
    assert other_neighbourhood.name not in str([list(sheet.values) for sheet in book])


def test_a_user_without_a_dashboard_role_is_refused(client, method_admin):
    client.force_login(method_admin)
    assert client.get(reverse("dashboards:overview")).status_code == 403
    assert client.get(reverse("dashboards:report")).status_code == 403


def test_a_committee_member_without_a_neighbourhood_is_refused(client, db):
    from accounts import roles

    client.force_login(make_user("nohood", roles.COMMITTEE))
    assert client.get(reverse("dashboards:overview")).status_code == 403


def test_staff_choosing_a_neighbourhood_on_the_overview_opens_its_dashboard(staff_client, neighbourhood):
    response = staff_client.get(
        reverse("dashboards:overview"), {"neighbourhood": neighbourhood.pk, "received_after": "2026-01-01"}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboards:neighbourhood", args=[neighbourhood.pk]) + (
        "?received_after=2026-01-01&received_before="
    )
