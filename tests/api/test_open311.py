"""Open311 GeoReport v2: services, posting a request with an api_key, reading requests back."""

import pytest
import requests
from django.urls import reverse
from georeport import GeoReport

from cases.models import Case, Status
from cases.services import case_transition
from tests.conftest import make_case

pytestmark = pytest.mark.django_db


def url(name: str, fmt: str = "json", **kwargs) -> str:
    return reverse(f"open311:{name}", kwargs={"fmt": fmt, **kwargs})


def post(client, key: str, **fields):
    return client.post(url("requests"), {"api_key": key, **fields})


def field_of(response) -> str:
    return response.json()[0]["field"]


@pytest.mark.django_db(transaction=True)
def test_a_posted_request_reads_back_through_a_real_open311_client(
    live_server, staff_account, reference_data, building, elevator_category
):
    root = live_server.url + reverse("open311:services", kwargs={"fmt": "json"}).rsplit("/", 1)[0]
    georeport = GeoReport(root)
    service = next(s for s in georeport.get_service_list() if s["service_name"] == "电梯")
    assert service["group"] == "房屋管理"

    # georeport (the only Open311 client on PyPI that runs on Python 3) reads but cannot post, so the
    # request is posted as the standard describes: a form to requests.json, with the api_key.
    answer = requests.post(
        f"{georeport.root_address}/requests.json",
        data={
            "api_key": staff_account[1],
            "service_code": service["service_code"],
            "description": "1号楼电梯困人，请尽快处理",
            "address_id": str(building.pk),
            "address_string": "福安大厦1号楼1203室",
            "first_name": "建国",
            "last_name": "张",
            "phone": "13611112222",
            "attribute[external_id]": "12345-2026-0042",
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    request_id = answer.json()[0]["service_request_id"]

    read = georeport.get_service_request(request_id)
    assert read["service_request_id"] == request_id
    assert read["status"] == "open"
    assert read["service_code"] == service["service_code"]
    assert read["address"] == "福安大厦 1号楼"
    listed = georeport.get_service_requests(service_request_id=request_id, status="open")
    assert [row["service_request_id"] for row in listed] == [request_id]
    as_xml = GeoReport(root, output_format="xml").get_service_request(request_id)
    assert as_xml["status"] == "open"
    for private in ("13611112222", "1112222", "张", "建国", "1203"):
        assert private not in str(read) + str(listed) + str(as_xml)

    case = Case.objects.get(reference=request_id)
    assert (case.channel.code, case.reporter_phone, case.external_id) == ("external", "13611112222", "12345-2026-0042")
    assert (case.neighbourhood, case.estate, case.building) == (
        building.estate.neighbourhood,
        building.estate,
        building,
    )


def test_services_lists_leaf_categories_in_json_and_xml(client, reference_data):
    services = client.get(url("services")).json()
    assert {"service_name": "电梯", "group": "房屋管理"}.items() <= next(
        s for s in services if s["service_name"] == "电梯"
    ).items()
    assert not any(s["service_name"] == "房屋管理" for s in services)
    xml = client.get(url("services", "xml"))
    assert xml["Content-Type"].startswith("text/xml")
    assert "<service_name>电梯</service_name>" in xml.content.decode()


def test_posting_needs_a_valid_api_key(client, reference_data, building, elevator_category):
    fields = {"service_code": elevator_category.pk, "description": "电梯坏了", "address_id": building.pk}
    missing = client.post(url("requests"), fields)
    assert missing.status_code == 403
    assert field_of(missing) == "api_key"
    wrong = post(client, "f" * 40, **fields)
    assert wrong.status_code == 403
    assert field_of(wrong) == "api_key"
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"service_code": "999999"}, "service_code"),
        ({"service_code": "abc"}, "service_code"),
        ({"description": ""}, "description"),
        ({"phone": "12345"}, "phone"),
        ({"address_id": "999999"}, "address_id"),
        ({"address_id": "", "attribute[estate]": "不存在的小区"}, "attribute[estate]"),
        ({"address_id": ""}, "address_id"),
        ({"attribute[request_type]": "抱怨"}, "attribute[request_type]"),
    ],
)
def test_bad_input_gets_an_open311_error_naming_the_field(
    client, staff_account, reference_data, building, elevator_category, fields, field
):
    data = {"service_code": elevator_category.pk, "description": "电梯坏了", "address_id": building.pk, **fields}
    response = post(client, staff_account[1], **data)
    assert response.status_code == 400
    assert field_of(response) == field
    assert response.json()[0]["code"] == 400
    assert not Case.objects.exists()


def test_a_committee_account_posts_into_its_own_neighbourhood_only(
    client, committee_account, reference_data, neighbourhood, other_estate, elevator_category
):
    own = post(client, committee_account[1], service_code=elevator_category.pk, description="楼道堆物")
    assert own.status_code == 201
    case = Case.objects.get(reference=own.json()[0]["service_request_id"])
    assert case.neighbourhood == neighbourhood
    elsewhere = post(
        client,
        committee_account[1],
        service_code=elevator_category.pk,
        description="楼道堆物",
        **{"attribute[estate]": other_estate.name},
    )
    # Another neighbourhood's estate is "not found", exactly like one that does not exist: nothing is revealed.
    unknown = post(
        client,
        committee_account[1],
        service_code=elevator_category.pk,
        description="楼道堆物",
        **{"attribute[estate]": "不存在的小区"},
    )
    assert elsewhere.status_code == unknown.status_code == 400
    assert field_of(elsewhere) == field_of(unknown) == "attribute[estate]"
    assert other_estate.name in elsewhere.json()[0]["description"]  # only echoes what was sent


def test_a_retry_with_the_same_external_id_answers_the_same_request(
    client, staff_account, reference_data, building, elevator_category
):
    fields = {
        "service_code": elevator_category.pk,
        "description": "电梯异响",
        "address_id": building.pk,
        "attribute[external_id]": "12345-7",
    }
    first = post(client, staff_account[1], **fields)
    again = post(client, staff_account[1], **fields)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert Case.objects.count() == 1


def test_requests_filter_by_status_and_dates(client, staff_user, case, neighbourhood, noise_category, method):
    done = make_case(staff_user, neighbourhood=neighbourhood, category=noise_category, title="已办结的噪音")
    for action, extra in (
        ("dispatch", {"assignee": staff_user}),
        ("accept", {}),
        ("start", {}),
        ("resolve", {"resolution": "已协调", "method": method}),
    ):
        case_transition(case_id=done.pk, actor=staff_user, action=action, **extra)
    closed = client.get(url("requests"), {"status": "closed"}).json()
    assert [row["service_request_id"] for row in closed] == [done.reference]
    both = client.get(url("requests"), {"status": "open,closed"}).json()
    assert {row["service_request_id"] for row in both} == {case.reference, done.reference}
    by_code = client.get(url("requests"), {"service_code": str(noise_category.pk)}).json()
    assert [row["service_request_id"] for row in by_code] == [done.reference]
    old = client.get(url("requests"), {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00Z"})
    assert old.json() == []
    assert Case.objects.get(pk=done.pk).status == Status.RESOLVED


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "pending"}, "status"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2025-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
        ({"service_code": "x"}, "service_code"),
    ],
)
def test_bad_filters_get_a_400_naming_the_parameter(client, db, query, field):
    response = client.get(url("requests"), query)
    assert response.status_code == 400
    assert field_of(response) == field


def test_an_unknown_request_is_a_404_in_the_format_asked(client, db):
    response = client.get(url("request", request_id="JN-2000-000001"))
    assert response.status_code == 404
    assert field_of(response) == "service_request_id"
    xml = client.get(url("request", "xml", request_id="nope"))
    assert xml.status_code == 404
    assert "<errors>" in xml.content.decode()


def test_the_description_is_shown_only_to_an_account_that_may_see_the_case_with_phones_masked(
    client, staff_user, committee_account, other_committee_account, neighbourhood, elevator_category
):
    case = make_case(
        staff_user, neighbourhood=neighbourhood, category=elevator_category, description="请回电 13812345678"
    )
    public = client.get(url("request", request_id=case.reference)).json()[0]
    assert public["description"] is None
    own = client.get(url("request", request_id=case.reference), {"api_key": committee_account[1]}).json()[0]
    assert "138****5678" in own["description"]
    assert "13812345678" not in str(own)
    other = client.get(url("request", request_id=case.reference), {"api_key": other_committee_account[1]})
    assert other.json()[0]["description"] is None
