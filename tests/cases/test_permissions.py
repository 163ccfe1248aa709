"""Who may see and do what on the case desk. Every rule is checked through HTTP."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, ExtensionRequest, PersonalDataAccess, Status
from cases.services import case_transition, extension_request
from tests.conftest import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_case(staff_user, other_neighbourhood, other_estate, noise_category):
    return make_case(
        staff_user,
        neighbourhood=other_neighbourhood,
        estate=other_estate,
        category=noise_category,
        title="海防大楼电梯噪音",
        description="电梯机房噪音扰民",
        reporter_phone="13900001111",
    )


@pytest.fixture
def method_admin_client(method_admin):
    client = Client()
    client.force_login(method_admin)
    return client


def case_urls(case):
    return {
        "detail": reverse("cases:detail", args=[case.pk]),
        "edit": reverse("cases:edit", args=[case.pk]),
    }


POST_ONLY = ["cases:move", "cases:extension_request", "cases:reveal_phone"]


@pytest.mark.parametrize(
    "url",
    [
        lambda c: reverse("cases:list"),
        lambda c: reverse("cases:export") + "?format=csv",
        lambda c: reverse("cases:create"),
        lambda c: reverse("cases:detail", args=[c.pk]),
        lambda c: reverse("cases:edit", args=[c.pk]),
        lambda c: reverse("places:estate", args=[c.estate_id]),
        lambda c: reverse("places:building", args=[c.building_id]),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, case, url):
    response = client.get(url(case))
    assert response.status_code == 302 and reverse("login") in response.url


@pytest.mark.parametrize("name", POST_ONLY)
def test_state_changes_refuse_get(staff_client, case, name):
    assert staff_client.get(reverse(name, args=[case.pk])).status_code == 405


def test_anonymous_cannot_move_a_case(client, case):
    response = client.post(reverse("cases:move", args=[case.pk]), {"action": "dispatch"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.NEW


# --- committee scoping ---------------------------------------------------------------------------


def test_committee_list_search_and_count_show_only_their_neighbourhood(committee_client, case, other_case):
    response = committee_client.get(reverse("cases:list"))
    assert case.reference in response.text and other_case.reference not in response.text
    assert "共 1 件" in response.text
    searched = committee_client.get(reverse("cases:list"), {"q": "电梯"})
    assert case.reference in searched.text and other_case.reference not in searched.text
    by_reference = committee_client.get(reverse("cases:list"), {"q": other_case.reference})
    assert "共 0 件" in by_reference.text


def test_committee_cannot_filter_their_way_into_another_neighbourhood(committee_client, case, other_case):
    response = committee_client.get(reverse("cases:list"), {"neighbourhood": other_case.neighbourhood_id})
    assert other_case.reference not in response.text


def test_staff_see_every_neighbourhood(staff_client, case, other_case):
    response = staff_client.get(reverse("cases:list"))
    assert case.reference in response.text and other_case.reference in response.text


@pytest.mark.parametrize("view", ["detail", "edit"])
def test_committee_gets_404_for_another_neighbourhoods_case(committee_client, other_case, view):
    assert committee_client.get(case_urls(other_case)[view]).status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cases:move", {"action": "note", "note": "看看"}),
        ("cases:extension_request", {"days": 3, "reason": "x"}),
        ("cases:reveal_phone", {}),
    ],
)
def test_committee_cannot_act_on_another_neighbourhoods_case(committee_client, other_case, name, data):
    assert committee_client.post(reverse(name, args=[other_case.pk]), data).status_code == 404
    assert other_case.events.count() == 1
    assert not PersonalDataAccess.objects.exists()


def test_committee_export_contains_only_their_neighbourhood(committee_client, case, other_case):
    response = committee_client.get(reverse("cases:export"), {"format": "csv"})
    body = response.content.decode("utf-8-sig")
    assert case.reference in body and other_case.reference not in body


def test_committee_cannot_open_another_neighbourhoods_places(committee_client, other_estate, estate):
    from places.models import Building

    building = Building.objects.create(estate=other_estate, number="1号楼")
    assert committee_client.get(reverse("places:estate", args=[other_estate.pk])).status_code == 404
    assert committee_client.get(reverse("places:building", args=[building.pk])).status_code == 404
    assert committee_client.get(reverse("places:estate", args=[estate.pk])).status_code == 200


def test_estate_options_are_scoped(committee_client, estate, other_estate):
    response = committee_client.get(reverse("cases:estate_options"), {"neighbourhood": other_estate.neighbourhood_id})
    assert other_estate.name not in response.text


# --- role rules ----------------------------------------------------------------------------------


def test_committee_cannot_dispatch(committee_client, case):
    response = committee_client.post(reverse("cases:move", args=[case.pk]), {"action": "dispatch", "note": ""})
    assert response.status_code == 403
    assert "只有街道工作人员可以派单" in response.text
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_committee_does_not_see_staff_only_actions(committee_client, case):
    response = committee_client.get(reverse("cases:detail", args=[case.pk]))
    assert 'value="dispatch"' not in response.text and 'value="supervise"' not in response.text
    assert 'value="remind"' in response.text


def test_committee_may_accept_the_cases_dispatched_to_the_committee(committee_client, committee_user, staff_user, case):
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=committee_user)
    assert committee_client.post(reverse("cases:move", args=[case.pk]), {"action": "accept"}).status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_committee_may_not_accept_a_case_dispatched_to_street_office_staff(committee_client, staff_user, case):
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    response = committee_client.post(reverse("cases:move", args=[case.pk]), {"action": "accept"})
    assert response.status_code == 403 and "该案件由街道工作人员或工作专班承办" in response.text
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED


def test_only_staff_decide_extensions(committee_client, staff_user, case):
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    case_transition(case_id=case.pk, actor=staff_user, action="accept")
    extension = extension_request(case_id=case.pk, actor=staff_user, days=3, reason="等待维修资金")
    url = reverse("cases:extension_decide", args=[extension.pk])
    assert committee_client.post(url, {"decision": "approve"}).status_code == 403
    assert ExtensionRequest.objects.get().status == "pending"
    page = committee_client.get(reverse("cases:detail", args=[case.pk]))
    assert reverse("cases:extension_decide", args=[extension.pk]) not in page.text


def test_extension_decisions_for_another_neighbourhood_are_404(committee_client, staff_user, other_case):
    case_transition(case_id=other_case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    case_transition(case_id=other_case.pk, actor=staff_user, action="accept")
    extension = extension_request(case_id=other_case.pk, actor=staff_user, days=3, reason="x")
    url = reverse("cases:extension_decide", args=[extension.pk])
    assert committee_client.post(url, {"decision": "approve"}).status_code == 404


def test_users_without_a_desk_role_cannot_log_or_edit(method_admin_client, case):
    assert method_admin_client.get(reverse("cases:create")).status_code == 403
    assert method_admin_client.get(reverse("cases:list")).status_code == 200
    assert "共 0 件" in method_admin_client.get(reverse("cases:list")).text
    assert method_admin_client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert method_admin_client.get(reverse("cases:edit", args=[case.pk])).status_code == 403


# --- residents' personal data --------------------------------------------------------------------


@pytest.fixture
def confidential_case(staff_user, neighbourhood, elevator_category):
    return make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        title="举报群租",
        reporter_name="李先生",
        reporter_phone="13700002222",
        reporter_confidential=True,
        received_at=timezone.now() - timezone.timedelta(hours=3),
    )


def test_confidential_reporter_is_hidden_from_committees(committee_client, confidential_case):
    for response in (
        committee_client.get(reverse("cases:detail", args=[confidential_case.pk])),
        committee_client.get(reverse("cases:list")),
        committee_client.get(reverse("cases:edit", args=[confidential_case.pk])),
    ):
        assert "李先生" not in response.text and "2222" not in response.text
    export = committee_client.get(reverse("cases:export"), {"format": "csv"}).content.decode("utf-8-sig")
    assert "李先生" not in export and "2222" not in export
    response = committee_client.post(reverse("cases:reveal_phone", args=[confidential_case.pk]))
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_committee_edit_leaves_a_confidential_reporter_alone(committee_client, confidential_case):
    form = committee_client.get(reverse("cases:edit", args=[confidential_case.pk])).context["form"]
    assert "reporter_phone" not in form.fields
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(title="举报群租（已核实）", received_at=form["received_at"].value().strftime("%Y-%m-%dT%H:%M"))
    data.pop("assisting_departments", None)
    response = committee_client.post(reverse("cases:edit", args=[confidential_case.pk]), data)
    assert response.status_code == 302
    confidential_case.refresh_from_db()
    assert confidential_case.reporter_name == "李先生" and confidential_case.reporter_phone == "13700002222"


def test_staff_see_a_confidential_reporter(staff_client, confidential_case):
    response = staff_client.get(reverse("cases:detail", args=[confidential_case.pk]))
    assert "李先生" in response.text and "137****2222" in response.text
    assert "13700002222" not in response.text


def test_a_committee_member_sees_non_confidential_phones_masked(committee_client, case):
    response = committee_client.get(reverse("cases:detail", args=[case.pk]))
    assert "138****5678" in response.text and "13812345678" not in response.text
    revealed = committee_client.post(reverse("cases:reveal_phone", args=[case.pk]))
    assert "13812345678" in revealed.text
    assert PersonalDataAccess.objects.filter(case=case).count() == 1
