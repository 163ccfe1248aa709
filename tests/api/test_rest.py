"""The REST API over cases: token and session auth, scoping, masking, writes through the services."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, Channel, EventKind, RequestType, Status
from cases.services import case_update
from tests.api.conftest import token_client
from tests.conftest import make_case

pytestmark = pytest.mark.django_db


def cases_url(**query) -> str:
    url = reverse("api:case-list")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def case_url(case, suffix="detail") -> str:
    return reverse(f"api:case-{suffix}", args=[case.pk])


def new_case_data(category, neighbourhood, **extra) -> dict:
    return {
        "channel": Channel.objects.get(code="hotline_12345").pk,
        "request_type": RequestType.objects.get(name="投诉").pk,
        "title": "3号楼电梯停运",
        "description": "电梯停运两天，老人下不了楼。",
        "category": category.pk,
        "neighbourhood": neighbourhood.pk,
        "reporter_name": "王先生",
        "reporter_phone": "13912345678",
        **extra,
    }


def test_a_request_without_credentials_gets_401_in_json(client):
    response = client.get(cases_url())
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Token")


def test_an_unknown_token_is_refused(db):
    response = token_client("0" * 40).get(cases_url())
    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_staff_token_reads_cases_with_the_phone_masked(staff_api, case):
    response = staff_api.get(cases_url())
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["reference"] == case.reference
    assert row["reporter_phone"] == "138****5678"
    assert "13812345678" not in response.content.decode()
    assert "dispatch" in row["allowed_actions"]


def test_a_signed_in_session_reads_the_api_too(staff_client, case):
    response = staff_client.get(case_url(case))
    assert response.status_code == 200
    assert response.json()["id"] == case.pk


def test_a_user_without_a_role_is_refused_cases(client, method_admin, case):
    client.force_login(method_admin)
    assert client.get(cases_url()).status_code == 403


def test_a_committee_token_lists_only_its_neighbourhoods_cases(
    committee_api, staff_user, case, other_neighbourhood, noise_category
):
    make_case(staff_user, neighbourhood=other_neighbourhood, category=noise_category, title="海防村噪音")
    body = committee_api.get(cases_url()).json()
    assert [row["id"] for row in body["results"]] == [case.pk]


def test_a_committee_token_cannot_read_another_neighbourhoods_case(other_committee_api, case):
    response = other_committee_api.get(case_url(case))
    assert response.status_code == 404
    assert other_committee_api.get(cases_url(reference=case.reference)).json()["count"] == 0
    move = other_committee_api.post(case_url(case, "move"), {"action": "note", "note": "看看"}, format="json")
    assert move.status_code == 404


def test_a_confidential_reporter_is_hidden_from_a_committee_but_not_from_staff(
    staff_api, committee_api, staff_user, neighbourhood, elevator_category
):
    secret = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, reporter_confidential=True)
    committee_row = committee_api.get(case_url(secret)).json()
    assert committee_row["reporter_name"] == ""
    assert committee_row["reporter_phone"] == ""
    staff_row = staff_api.get(case_url(secret)).json()
    assert staff_row["reporter_name"] == "杨女士"
    assert staff_row["reporter_phone"] == "138****5678"


def test_cases_are_found_by_external_id_and_by_reference(staff_api, staff_user, case, neighbourhood, noise_category):
    other = make_case(staff_user, neighbourhood=neighbourhood, category=noise_category, external_id="12345-0001")
    by_external = staff_api.get(cases_url(external_id="12345-0001")).json()
    assert [row["id"] for row in by_external["results"]] == [other.pk]
    by_reference = staff_api.get(cases_url(reference=case.reference)).json()
    assert [row["id"] for row in by_reference["results"]] == [case.pk]


def test_the_case_list_uses_the_case_desk_filters(staff_api, staff_user, case, neighbourhood, noise_category):
    make_case(staff_user, neighbourhood=neighbourhood, category=noise_category, title="夜间施工噪音")
    body = staff_api.get(cases_url(category=noise_category.pk)).json()
    assert [row["title"] for row in body["results"]] == ["夜间施工噪音"]
    bad = staff_api.get(cases_url(category="abc", received_after="yesterday"))
    assert bad.status_code == 400
    assert {"category", "received_after"} <= set(bad.json())


def test_the_list_is_paginated(staff_api, staff_user, neighbourhood, elevator_category):
    for number in range(3):
        make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title=f"第{number}件")
    body = staff_api.get(cases_url(page_size=2)).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]
    assert staff_api.get(cases_url(page=99)).status_code == 404


def test_a_token_creates_a_case_through_the_service(staff_api, reference_data, neighbourhood, estate, building):
    from cases.models import Category

    category = Category.objects.get(name="电梯")
    data = new_case_data(category, neighbourhood, estate=estate.pk, building=building.pk, external_id="12345-9")
    response = staff_api.post(cases_url(), data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert body["reference"] == case.reference
    assert body["reporter_phone"] == "139****5678"
    assert case.reporter_phone == "13912345678"
    assert case.due_at is not None
    assert case.events.filter(kind=EventKind.CREATED).count() == 1


def test_a_committee_token_cannot_create_a_case_in_another_neighbourhood(
    committee_api, other_neighbourhood, elevator_category
):
    response = committee_api.post(cases_url(), new_case_data(elevator_category, other_neighbourhood), format="json")
    # Another neighbourhood is an unknown id to a committee token, exactly like one that does not exist.
    assert response.status_code == 400
    assert "neighbourhood" in response.json()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "top"}, "category"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"estate": "other"}, "estate"),
        ({"neighbourhood": 999999}, "neighbourhood"),
        ({"title": ""}, "title"),
        ({"received_at": "2999-01-01T00:00:00Z"}, "received_at"),
        ({"urgency": "whenever"}, "urgency"),
    ],
)
def test_bad_input_gets_a_400_that_names_the_field(
    staff_api, change, field, neighbourhood, other_estate, elevator_category
):
    data = new_case_data(elevator_category, neighbourhood)
    value = next(iter(change.values()))
    if value == "top":
        value = elevator_category.parent_id
    elif value == "other":
        value = other_estate.pk
    data[field] = value
    response = staff_api.post(cases_url(), data, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_malformed_json_gets_a_400_not_a_500(staff_api, db):
    response = staff_api.generic("POST", cases_url(), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_an_update_at_the_current_version_saves_and_logs_the_change(staff_api, case):
    response = staff_api.patch(case_url(case), {"version": case.version, "title": "电梯需整体更换"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == case.version + 1
    event = case.events.get(kind=EventKind.EDITED)
    assert event.changes[0]["field"] == "title"


def test_a_stale_update_gets_409_with_the_changes_made_since(staff_api, staff_user, case):
    case_update(
        case_id=case.pk, actor=staff_user, expected_version=case.version, data={"reporter_phone": "13700001111"}
    )
    response = staff_api.patch(case_url(case), {"version": case.version, "title": "迟到的修改"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == case.version + 1
    assert "version" in body
    change = body["changes"][0]["changes"][0]
    assert change["field"] == "reporter_phone"
    assert change["new"] == "137****1111"
    assert "13700001111" not in response.content.decode()
    assert Case.objects.get(pk=case.pk).title != "迟到的修改"


def test_an_update_without_a_version_names_the_field(staff_api, case):
    response = staff_api.patch(case_url(case), {"title": "x"}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()


def test_status_moves_go_through_case_transition(staff_api, committee_api, case, staff_user):
    refused = committee_api.post(
        case_url(case, "move"), {"action": "dispatch", "assignee": staff_user.pk}, format="json"
    )
    assert refused.status_code == 403
    no_target = staff_api.post(case_url(case, "move"), {"action": "dispatch"}, format="json")
    assert no_target.status_code == 400
    assert "lead_department" in no_target.json()
    moved = staff_api.post(case_url(case, "move"), {"action": "dispatch", "assignee": staff_user.pk}, format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json()["status"] == Status.DISPATCHED
    assert CaseEvent.objects.filter(case=case, action="dispatch").exists()
    illegal = staff_api.post(case_url(case, "move"), {"action": "resolve", "resolution": "好了"}, format="json")
    assert illegal.status_code == 409
    assert "action" in illegal.json()


def test_a_move_with_a_stale_version_gets_409(staff_api, case):
    staff_api.post(case_url(case, "move"), {"action": "note", "note": "已联系物业"}, format="json")
    response = staff_api.post(
        case_url(case, "move"), {"action": "note", "note": "再次联系", "version": case.version}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["changes"][0]["action"] == "note"


def test_an_unknown_action_names_the_field(staff_api, case):
    response = staff_api.post(case_url(case, "move"), {"action": "teleport"}, format="json")
    assert response.status_code == 400
    assert "action" in response.json()


def test_places_are_scoped_like_the_pages(committee_api, staff_api, estate, other_estate):
    committee_estates = committee_api.get(reverse("api:estate-list")).json()["results"]
    assert [row["id"] for row in committee_estates] == [estate.pk]
    assert committee_api.get(reverse("api:estate-detail", args=[other_estate.pk])).status_code == 404
    assert staff_api.get(reverse("api:estate-list")).json()["count"] == 2


def test_reference_data_is_listed(staff_api, reference_data, method):
    categories = staff_api.get(reverse("api:category-list"), {"page_size": 200}).json()["results"]
    assert any(row["full_name"] == "房屋管理›电梯" and row["is_leaf"] for row in categories)
    methods = staff_api.get(reverse("api:method-list")).json()["results"]
    assert methods[0]["name"] == "一线工作法"
    channels = staff_api.get(reverse("api:channel-list"), {"page_size": 200}).json()["results"]
    assert "external" in {row["code"] for row in channels}


def test_the_schema_and_the_docs_need_sign_in_or_a_token(client, staff_api, staff_user):
    assert client.get(reverse("api:schema")).status_code == 401
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 302
    assert reverse("login") in docs["Location"]
    schema = staff_api.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/cases/{id}/move/" in schema.json()["paths"]
    client.force_login(staff_user)
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "drf_spectacular_sidecar" in html  # served by the app itself, not a CDN
    assert "<script>" not in html  # the CSP forbids inline scripts
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_csrf_is_enforced_for_a_session_but_not_for_a_token(staff_user, staff_api, neighbourhood, elevator_category):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    data = new_case_data(elevator_category, neighbourhood)
    assert browser.post(cases_url(), data, format="json").status_code == 403
    assert staff_api.post(cases_url(), data, format="json").status_code == 201
