"""Open311 GeoReport v2, complete: every endpoint read by a real client (georeport) in JSON and XML and checked
against the fields the specification lists; discovery, the pagination extension, the 90-day window, places on
the map, and the notes a requester reads."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import requests
import xmltodict
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from georeport import GeoReport

from cases.models import Case, Department
from cases.services import case_transition
from places.models import Building
from tests.conftest import make_case

pytestmark = pytest.mark.django_db

# The fields of each answer, as http://wiki.open311.org/GeoReport_v2 lists them.
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
DEFINITION_FIELDS = {"service_code", "attributes"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
POSTED_FIELDS = {"service_request_id", "service_notice", "account_id"}
DISCOVERY_FIELDS = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT_FIELDS = {"specification", "url", "changeset", "type", "formats"}
INTERNAL = "内部：维保单位拖延，已约谈"
REPLY = "已更换电梯控制柜，电梯恢复运行。"


def url(name: str, fmt: str = "json", **kwargs) -> str:
    return reverse(f"open311:{name}", kwargs={"fmt": fmt, **kwargs})


def as_list(value) -> list:
    """xmltodict gives one repeated element as a dict and several as a list."""
    return value if isinstance(value, list) else [value]


def w3c(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, value
    return parsed


@pytest.fixture
def mapped(estate, building):
    """The registry with coordinates: the estate and its building 1; building 2 has none of its own."""
    estate.latitude, estate.longitude = Decimal("31.236000"), Decimal("121.452000")
    estate.save()
    building.latitude, building.longitude = Decimal("31.236500"), Decimal("121.452700")
    building.save()
    second = Building.objects.create(estate=estate, number="2号楼")
    return {"estate": estate, "building": building, "second": second}


def resolve(case, actor, method):
    department = Department.objects.get(name="区房管局")
    case_transition(case_id=case.pk, actor=actor, action="dispatch", lead_department=department)
    for action in ("accept", "start"):
        case_transition(case_id=case.pk, actor=actor, action=action)
    return case_transition(
        case_id=case.pk, actor=actor, action="resolve", resolution=INTERNAL, public_reply=REPLY, method=method
    )


@pytest.fixture
def open311_world(staff_user, neighbourhood, mapped, elevator_category, noise_category, method):
    hood = neighbourhood
    open_case = make_case(
        staff_user, neighbourhood=hood, category=elevator_category, estate=mapped["estate"], building=mapped["building"]
    )
    on_estate = make_case(
        staff_user, neighbourhood=hood, category=noise_category, estate=mapped["estate"], building=mapped["second"]
    )
    done = resolve(make_case(staff_user, neighbourhood=hood, category=noise_category), staff_user, method)
    return {"open": open_case, "on_estate": on_estate, "done": done}


def check_request(row: dict, *, xml: bool) -> None:
    assert set(row) == REQUEST_FIELDS, set(row) ^ REQUEST_FIELDS
    assert row["status"] in ("open", "closed")
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        if row[name] is not None:
            w3c(row[name])
    for name in ("status_notes", "agency_responsible", "service_notice", "service_name", "service_code"):
        assert row[name], name
    if row["lat"] is not None and not xml:
        assert isinstance(row["lat"], float) and isinstance(row["long"], float)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_endpoint_reads_through_georeport_with_the_specifications_fields(live_server, open311_world, fmt):
    root = live_server.url + url("services").rsplit("/", 1)[0]
    client = GeoReport(root, output_format=fmt)
    services = as_list(client.get_service_list())
    assert services and all(set(service) == SERVICE_FIELDS for service in services)
    assert all(service["type"] == "realtime" for service in services)
    code = next(s["service_code"] for s in services if s["service_name"] == "电梯")
    definition = client.get_service_definition(code)
    assert set(definition) == DEFINITION_FIELDS and definition["service_code"] == code
    listed = as_list(client.get_service_requests())
    assert {row["service_request_id"] for row in listed} == {case.reference for case in open311_world.values()}
    for row in listed:
        check_request(row, xml=fmt == "xml")
    one = client.get_service_request(open311_world["done"].reference)
    check_request(one, xml=fmt == "xml")
    assert one["status"] == "closed"

    found = requests.get(f"{root}/discovery.{fmt}", timeout=30)
    assert found.status_code == 200
    discovery = found.json() if fmt == "json" else xmltodict.parse(found.content)["discovery"]
    assert set(discovery) == DISCOVERY_FIELDS
    endpoints = discovery["endpoints"] if fmt == "json" else as_list(discovery["endpoints"]["endpoint"])
    assert all(set(endpoint) == ENDPOINT_FIELDS for endpoint in endpoints)
    assert endpoints[0]["url"] == root
    formats = endpoints[0]["formats"] if fmt == "json" else as_list(endpoints[0]["formats"]["format"])
    assert set(formats) == {"text/xml", "application/json"}
    w3c(discovery["changeset"])
    if fmt == "xml":
        assert found.headers["Content-Type"].startswith("text/xml")


def test_discovery_json_answers_200_with_endpoints(client, db):
    response = client.get("/open311/v2/discovery.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


def test_a_posted_request_answers_the_specifications_fields_with_a_service_notice(
    client, staff_account, reference_data, building, elevator_category
):
    fields = {"api_key": staff_account[1], "service_code": elevator_category.pk, "description": "电梯异响"}
    posted = client.post(url("requests"), {**fields, "address_id": building.pk})
    assert posted.status_code == 201
    (row,) = posted.json()
    assert set(row) == POSTED_FIELDS
    assert "个工作日内办结" in row["service_notice"] and reverse("track:lookup") in row["service_notice"]
    xml = client.post(url("requests", "xml"), {**fields, "address_id": building.pk})
    assert set(xmltodict.parse(xml.content)["service_requests"]["request"]) == POSTED_FIELDS


def test_pages_split_the_list_without_gaps_or_overlaps(client, staff_user, neighbourhood, elevator_category):
    made = {make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category).reference for _ in range(5)}
    pages = [client.get(url("requests"), {"page_size": 2, "page": page}).json() for page in (1, 2, 3, 4)]
    assert [len(page) for page in pages] == [2, 2, 1, 0]
    seen = [row["service_request_id"] for page in pages for row in page]
    assert len(seen) == len(set(seen)) and set(seen) == made
    assert [row["service_request_id"] for row in client.get(url("requests")).json()] == seen  # newest first


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page": "0"}, "page"), ({"page_size": "1001"}, "page_size"), ({"page_size": "x"}, "page_size")],
)
def test_bad_pages_get_a_400_naming_the_parameter(client, db, query, field):
    response = client.get(url("requests"), query)
    assert response.status_code == 400
    assert response.json()[0]["field"] == field


def test_request_lists_keep_to_the_90_day_window_the_specification_describes(
    client, staff_user, neighbourhood, elevator_category
):
    now = timezone.now()
    old, recent, fresh = (
        make_case(
            staff_user, neighbourhood=neighbourhood, category=elevator_category, received_at=now - timedelta(days=days)
        )
        for days in (100, 80, 0.1)
    )

    def ids(**query):
        return {row["service_request_id"] for row in client.get(url("requests"), query).json()}

    assert ids() == {recent.reference, fresh.reference}  # no dates: the last 90 days
    start = (now - timedelta(days=101)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=start) == {old.reference, recent.reference}  # a start alone: 90 days from it
    end = (now - timedelta(days=85)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(end_date=end) == {old.reference}  # an end alone: the 90 days up to it
    assert ids(service_request_id=old.reference) == {old.reference}  # ids override the window


def test_lat_and_long_come_from_the_building_else_its_estate_else_nothing(
    client, open311_world, staff_user, neighbourhood, elevator_category
):
    bare = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
    rows = {row["service_request_id"]: row for row in client.get(url("requests")).json()}
    assert (rows[open311_world["open"].reference]["lat"], rows[open311_world["open"].reference]["long"]) == (
        31.2365,
        121.4527,
    )
    assert (rows[open311_world["on_estate"].reference]["lat"], rows[open311_world["on_estate"].reference]["long"]) == (
        31.236,
        121.452,
    )
    assert (rows[bare.reference]["lat"], rows[bare.reference]["long"]) == (None, None)


def test_a_post_without_address_id_goes_to_the_nearest_registered_building(
    client, staff_account, reference_data, mapped, elevator_category
):
    fields = {"api_key": staff_account[1], "service_code": elevator_category.pk, "description": "路灯不亮"}
    near_first = client.post(url("requests"), {**fields, "lat": "31.23651", "long": "121.45269"})
    assert near_first.status_code == 201, near_first.content
    case = Case.objects.get(reference=near_first.json()[0]["service_request_id"])
    assert (case.building, case.estate, case.neighbourhood) == (
        mapped["building"],
        mapped["estate"],
        mapped["estate"].neighbourhood,
    )
    near_estate = client.post(url("requests"), {**fields, "lat": "31.23601", "long": "121.45201"})
    assert Case.objects.get(reference=near_estate.json()[0]["service_request_id"]).building == mapped["second"]
    far = client.post(url("requests"), {**fields, "lat": "31.30", "long": "121.50"})
    assert far.status_code == 400 and far.json()[0]["field"] == "lat"
    half = client.post(url("requests"), {**fields, "lat": "31.2365"})
    assert half.status_code == 400 and half.json()[0]["field"] == "long"
    nonsense = client.post(url("requests"), {**fields, "lat": "north", "long": "121.45"})
    assert nonsense.status_code == 400 and nonsense.json()[0]["field"] == "lat"
    assert Case.objects.count() == 2


def test_status_notes_agency_and_notice_are_filled_and_never_internal(client, open311_world):
    rows = {row["service_request_id"]: row for row in client.get(url("requests")).json()}
    waiting, done = rows[open311_world["open"].reference], rows[open311_world["done"].reference]
    assert waiting["agency_responsible"] == settings.SUBDISTRICT_NAME
    assert waiting["status_notes"] == "受理"
    assert done["agency_responsible"] == "区房管局"
    assert done["status_notes"] == f"已办结：{REPLY}"
    assert all("个工作日内办结" in row["service_notice"] for row in rows.values())
    assert INTERNAL not in str(rows)


def test_the_open311_endpoints_are_in_the_api_docs(staff_client):
    schema = staff_client.get(reverse("api:schema"), {"format": "json"}).json()
    assert {
        "/open311/v2/discovery.json",
        "/open311/v2/services.json",
        "/open311/v2/services/{service_code}.json",
        "/open311/v2/requests.json",
        "/open311/v2/requests/{service_request_id}.json",
    } <= set(schema["paths"])
    assert {"get", "post"} <= set(schema["paths"]["/open311/v2/requests.json"])
    assert set(schema["components"]["schemas"]["Open311Request"]["properties"]) == REQUEST_FIELDS
