"""The side paths a probe found: each class of hole with the test that guards it.

Field rules on every write path; tokens for service accounts only; errors that tell a committee member nothing about
other neighbourhoods; exports that carry no formulas and record full numbers; bounded texts and files; double
submissions that log one case; Open311's rate limit, its key and its public place details.
"""

import csv
import io
import re
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from rest_framework.authtoken.models import Token

from accounts import roles
from api.tokens import service_account_register
from cases.models import DESCRIPTION_MAX, Case, Category, Channel, RequestType
from cases.services import NotPermitted, case_update
from tests.api.conftest import make_service_account, token_client
from tests.conftest import make_case, require


def _new_case_data(neighbourhood, category, **extra) -> dict:
    return {
        "title": "福安大厦电梯故障",
        "description": "两部电梯停运。",
        "category": category.pk,
        "neighbourhood": neighbourhood.pk,
        "request_type": RequestType.objects.order_by("pk").first().pk,
        "channel": Channel.objects.order_by("pk").first().pk,
        **extra,
    }


# --- field rules live in the service: every front door obeys them ----------------------------------------------


@pytest.fixture
def confidential_case(staff_user, neighbourhood, estate, elevator_category):
    return make_case(
        staff_user, neighbourhood=neighbourhood, category=elevator_category, estate=estate, reporter_confidential=True
    )


def test_a_committee_token_cannot_lift_a_residents_confidentiality(confidential_case, committee_account):
    api = token_client(committee_account[1])
    url = reverse("api:case-detail", args=[confidential_case.pk])
    response = api.patch(url, {"version": confidential_case.version, "reporter_confidential": False}, format="json")
    assert response.status_code == 403
    assert "只有街道工作人员可以取消" in response.content.decode()
    confidential_case.refresh_from_db()
    assert confidential_case.reporter_confidential
    assert api.get(url).json()["reporter_name"] == ""


def test_a_committee_session_cannot_lift_it_or_rename_the_hidden_resident(confidential_case, committee_client):
    url = reverse("api:case-detail", args=[confidential_case.pk])
    for change in ({"reporter_confidential": False}, {"reporter_name": "冒名"}, {"reporter_phone": "13900000000"}):
        response = committee_client.patch(
            url, {"version": confidential_case.version, **change}, content_type="application/json"
        )
        assert response.status_code == 403, change
    confidential_case.refresh_from_db()
    assert confidential_case.reporter_name == "杨女士" and confidential_case.reporter_phone == "13812345678"


def test_the_service_refuses_it_whatever_calls_it(confidential_case, committee_user):
    with pytest.raises(NotPermitted):
        case_update(
            case_id=confidential_case.pk,
            actor=committee_user,
            expected_version=confidential_case.version,
            data={"reporter_confidential": False},
        )


def test_staff_may_lift_confidentiality_and_a_committee_member_may_set_it(case, staff_user, committee_user):
    case = case_update(
        case_id=case.pk, actor=committee_user, expected_version=case.version, data={"reporter_confidential": True}
    )
    case = case_update(
        case_id=case.pk, actor=staff_user, expected_version=case.version, data={"reporter_confidential": False}
    )
    assert not case.reporter_confidential


def test_the_edit_form_offers_a_hidden_residents_words_to_nobody_who_may_not_see_them(
    confidential_case, committee_client
):
    page = committee_client.get(reverse("cases:edit", args=[confidential_case.pk])).content.decode()
    assert 'name="description"' not in page and 'name="reporter_name"' not in page


def test_editing_a_description_keeps_the_numbers_it_showed_masked(case, staff_client):
    case.description = "请回电 021-64331188。"
    Case.objects.filter(pk=case.pk).update(description=case.description)
    page = staff_client.get(reverse("cases:edit", args=[case.pk])).content.decode()
    assert "021-****1188" in page and "64331188" not in page
    form = {
        "title": case.title,
        "description": "请尽快回电 021-****1188。",
        "category": case.category_id,
        "request_type": case.request_type_id,
        "channel": case.channel_id,
        "received_at": "2026-01-05T09:00",
        "urgency": "normal",
        "neighbourhood": case.neighbourhood_id,
        "version": case.version,
        "reporter_name": case.reporter_name,
    }
    response = staff_client.post(reverse("cases:edit", args=[case.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.description == "请尽快回电 021-64331188。"


# --- errors that answer no question the 404 refuses -------------------------------------------------------------


def test_creating_with_another_neighbourhoods_estate_names_nothing(
    committee_client, neighbourhood, other_estate, noise_category
):
    data = _new_case_data(neighbourhood, noise_category, estate=other_estate.pk)
    response = committee_client.post(reverse("api:case-list"), data, content_type="application/json")
    assert response.status_code == 400
    body = response.content.decode()
    assert other_estate.name not in body
    unknown = committee_client.post(
        reverse("api:case-list"), {**data, "estate": 999999}, content_type="application/json"
    )
    # The same answer as for an estate that does not exist: nothing to tell them apart.
    assert unknown.status_code == 400
    assert unknown.json()["estate"][0].replace("999999", "X") == response.json()["estate"][0].replace(
        str(other_estate.pk), "X"
    )


def test_an_external_id_used_in_another_neighbourhood_is_not_revealed(
    staff_user, committee_client, neighbourhood, other_neighbourhood, noise_category
):
    make_case(staff_user, neighbourhood=other_neighbourhood, category=noise_category, external_id="12345-77")
    data = _new_case_data(neighbourhood, noise_category, external_id="12345-77")
    response = committee_client.post(reverse("api:case-list"), data, content_type="application/json")
    assert response.status_code == 201, response.content.decode()
    again = committee_client.post(reverse("api:case-list"), data, content_type="application/json")
    assert again.status_code == 400  # the same number twice in one's own neighbourhood: that one may be told


# --- tokens are for service accounts only ---------------------------------------------------------------------


def test_staff_cannot_mint_a_token_for_a_person_or_a_superuser(staff_client, superuser, committee_user):
    passwordless = User.objects.create_superuser(username="ops", password=None)
    for person in (superuser, committee_user, passwordless):
        response = staff_client.post(reverse("api:token_issue", args=[person.pk]))
        assert response.status_code == 404
        assert not Token.objects.filter(user=person).exists()
    page = staff_client.get(reverse("api:service_accounts")).content.decode()
    assert "ops" not in page


def test_a_token_minted_earlier_for_a_person_acts_for_nobody(superuser, case):
    key = Token.objects.create(user=superuser).key
    assert token_client(key).get(reverse("api:case-list")).status_code == 401
    response = Client().get(reverse("open311:requests", kwargs={"fmt": "json"}), {"api_key": key})
    assert response.status_code == 403


def test_a_service_account_token_still_works(staff_client, case):
    account = service_account_register(username="hotline-x", system="12345", role=roles.STAFF, neighbourhood=None)
    staff_client.post(reverse("api:token_issue", args=[account.pk]))
    key = Token.objects.get(user=account).key
    assert token_client(key).get(reverse("api:case-list")).status_code == 200


# --- exports ---------------------------------------------------------------------------------------------------


PLANTED = ['=HYPERLINK("http://x","点击")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "＝全角"]


def test_no_export_carries_a_live_formula(staff_client, committee_client, case, staff_user):
    Case.objects.filter(pk=case.pk).update(title=PLANTED[0], resolution=PLANTED[1], address=PLANTED[2])
    csv_text = staff_client.get(reverse("cases:export"), {"format": "csv"}).content.decode("utf-8-sig")
    csv_cells = [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]
    for planted in PLANTED[:3]:
        assert f"'{planted}" in csv_cells and planted not in csv_cells
    book = load_workbook(io.BytesIO(staff_client.get(reverse("cases:export"), {"format": "xlsx"}).content))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    assert any(cell.value == f"'{PLANTED[0]}" for cell in cells)
    month = case.received_at.strftime("%Y-%m")
    report = committee_client.get(reverse("dashboards:report_xlsx"), {"month": month})
    assert report.status_code == 200
    book = load_workbook(io.BytesIO(report.content))
    assert not any(cell.data_type == "f" for sheet in book for row in sheet.iter_rows() for cell in row)


def test_a_control_character_in_a_title_breaks_no_export(
    staff_client, case, staff_user, neighbourhood, elevator_category
):
    Case.objects.filter(pk=case.pk).update(title="电梯\x0b故障\x1f")  # stored before this release
    response = staff_client.get(reverse("cases:export"), {"format": "xlsx"})
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).active["B2"].value == "电梯故障"
    typed = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title="漏水\x07严重")
    assert typed.title == "漏水严重"  # stripped on the way in, by the service every front door uses
    month = case.received_at.strftime("%Y-%m")
    assert staff_client.get(reverse("dashboards:report_xlsx"), {"month": month}).status_code == 200


# --- bounded texts ----------------------------------------------------------------------------------------------


def test_a_description_past_the_limit_is_refused_with_a_clear_message(staff_client, neighbourhood, noise_category):
    data = _new_case_data(neighbourhood, noise_category, description="电" * (DESCRIPTION_MAX + 1))
    started = time.perf_counter()
    response = staff_client.post(reverse("api:case-list"), data, content_type="application/json")
    assert response.status_code == 400
    assert str(DESCRIPTION_MAX) in response.content.decode()
    form = staff_client.post(reverse("cases:create"), {**data, "received_at": "2026-01-05T09:00", "urgency": "normal"})
    assert form.status_code == 200 and "description" in form.context["form"].errors
    assert time.perf_counter() - started < 30  # refused, not worked through: seconds, not a minute of regexes
    assert Case.objects.count() == 0


def test_a_long_text_of_digits_and_letters_is_indexed_in_linear_time(staff_user, neighbourhood, noise_category):
    from matters.text import place_keys, strip_places

    for text in ("1" * 100_000, "a" * 100_000, "1a" * 50_000, "一" * 100_000):
        started = time.process_time()
        place_keys(text, "")
        strip_places(text, [])
        assert time.process_time() - started < 1.0, text[:10]


# --- one form, one case; one token, one import ------------------------------------------------------------------


def test_a_double_submitted_create_form_logs_one_case(staff_client, neighbourhood, noise_category):
    page = staff_client.get(reverse("cases:create"))
    key = page.context["form"]["intake_key"].value()
    data = _new_case_data(neighbourhood, noise_category)
    data.update(received_at="2026-01-05T09:00", urgency="normal", intake_key=key)
    first = staff_client.post(reverse("cases:create"), data)
    second = staff_client.post(reverse("cases:create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_of_one_form_log_one_case(staff_user, neighbourhood, noise_category):
    require(connection.vendor == "postgresql", "the race needs PostgreSQL (SQLite serialises writers)")
    client_data = _new_case_data(neighbourhood, noise_category)
    client_data.update(
        received_at="2026-01-05T09:00", urgency="normal", intake_key="5f2b7c1e-1111-4222-8333-944455556666"
    )
    answers = []

    def submit():
        client = Client()
        client.force_login(staff_user)
        answers.append(client.post(reverse("cases:create"), client_data).status_code)
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302, 302]
    assert Case.objects.count() == 1


def test_committing_one_import_token_twice_imports_once(staff_client, estate, reference_data, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    header = "external_id,received_at,title,description,category,neighbourhood\n"
    rows = "".join(f"d-{i},2025-03-04 09:30,电梯{i},内容,房屋管理›电梯,句容里居委会\n" for i in range(5))
    upload = SimpleUploadedFile("cases.csv", (header + rows).encode(), content_type="text/csv")
    token = staff_client.post(reverse("imports:upload"), {"file": upload}).context["token"]
    results = [staff_client.post(reverse("imports:commit"), {"token": token}) for _ in range(2)]
    assert [r.status_code for r in results] == [302, 302]
    assert Case.objects.count() == 5


# --- files that declare more than they hold --------------------------------------------------------------------


def test_an_xlsx_declaring_a_huge_sheet_is_read_by_its_content(
    staff_client, estate, reference_data, settings, tmp_path
):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "received_at", "title", "description", "category", "neighbourhood"])
    sheet.append(["x-1", "2025-03-04 09:30", "电梯", "内容", "房屋管理›电梯", "句容里居委会"])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    # Rewrite the declared dimension as the probe did: A1:XFD1048576 (16,384 columns, a million rows).
    import zipfile

    source, patched = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', content)
                assert b"XFD1048576" in content
            target.writestr(item, content)
    upload = SimpleUploadedFile("big.xlsx", patched.getvalue())
    started = time.perf_counter()
    response = staff_client.post(reverse("imports:upload"), {"file": upload})
    assert time.perf_counter() - started < 15
    assert response.status_code == 200 and response.context["result"].rows == 1


IMPORT_HEADER = "external_id,received_at,title,description,category,neighbourhood\n"


def _preview_csv(client, description: str):
    """Upload one row whose description is `description` to the import page's preview."""
    row = f'x-1,2025-03-04 09:30,电梯,"{description}",房屋管理›电梯,句容里居委会\n'
    upload = SimpleUploadedFile("long.csv", (IMPORT_HEADER + row).encode(), content_type="text/csv")
    return client.post(reverse("imports:upload"), {"file": upload})


def test_a_csv_field_past_the_csv_modules_limit_is_explained(staff_client, estate, reference_data, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    response = _preview_csv(staff_client, "电" * 200_000)
    assert response.status_code == 400
    assert "第 2 行无法读取" in response.content.decode()


def test_an_import_row_past_the_description_limit_is_reported(staff_client, estate, reference_data, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    response = _preview_csv(staff_client, "电" * (DESCRIPTION_MAX + 1))
    assert [(e.row, e.column) for e in response.context["result"].errors] == [(2, "description")]


# --- Open311 ----------------------------------------------------------------------------------------------------


def test_open311_posts_are_rate_limited_per_key_and_address(
    client, staff_account, building, elevator_category, settings
):
    settings.OPEN311_POSTS_PER_MINUTE = 3
    url = reverse("open311:requests", kwargs={"fmt": "json"})
    fields = {"service_code": elevator_category.pk, "description": "电梯困人", "address_id": building.pk}
    codes = [client.post(url, {"api_key": staff_account[1], **fields}).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    assert "过于频繁" in client.post(url, {"api_key": staff_account[1], **fields}).content.decode()


def test_open311_refuses_an_api_key_in_a_posts_url(client, staff_account, building, elevator_category):
    url = reverse("open311:requests", kwargs={"fmt": "json"}) + f"?api_key={staff_account[1]}"
    response = client.post(
        url, {"service_code": elevator_category.pk, "description": "电梯", "address_id": building.pk}
    )
    assert response.status_code == 400 and response.json()[0]["field"] == "api_key"
    assert Case.objects.count() == 0


def test_open311_never_places_a_vulnerable_resident_publicly(
    client, staff_user, neighbourhood, estate, building, reference_data
):
    lonely = Category.objects.get(name="独居老人")
    assert lonely.is_sensitive
    make_case(staff_user, neighbourhood=neighbourhood, category=lonely, estate=estate, building=building)
    rows = client.get(reverse("open311:requests", kwargs={"fmt": "json"})).json()
    assert rows and rows[0]["address"] == neighbourhood.name and rows[0]["address_id"] is None
    assert estate.name not in str(rows)


def test_open311_answers_another_neighbourhoods_building_as_not_found(
    client, building, other_estate, elevator_category, other_neighbourhood
):
    _user, key = make_service_account("grid-haifang", roles.COMMITTEE, other_neighbourhood)
    url = reverse("open311:requests", kwargs={"fmt": "json"})
    mine = client.post(
        url, {"api_key": key, "service_code": elevator_category.pk, "description": "电梯", "address_id": building.pk}
    )
    none = client.post(
        url, {"api_key": key, "service_code": elevator_category.pk, "description": "电梯", "address_id": 999999}
    )
    assert mine.status_code == none.status_code == 400
    assert mine.json()[0]["description"].replace(str(building.pk), "X") == none.json()[0]["description"].replace(
        "999999", "X"
    )


def test_the_class_list_export_carries_no_live_formula(world, staff_client):
    from matters.models import MatterClass

    MatterClass.objects.filter(pk=world["matter_class"].pk).update(title=PLANTED[0])
    exported = staff_client.get(reverse("matters:class_list"), {"export": "csv"}).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert f"'{PLANTED[0]}" in cells and PLANTED[0] not in cells
