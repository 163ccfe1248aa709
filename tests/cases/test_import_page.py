"""The staff import page: preview every bad row, commit all-or-nothing, 403 for committees."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case, CaseEvent
from places.models import Neighbourhood

HEADER = "external_id,received_at,title,description,category,neighbourhood,estate,building,reporter_phone\n"
GOOD = (
    "p-1,2025-03-04 09:30,福安大厦电梯老化,两部电梯运行二十多年,房屋管理›电梯,句容里居委会,福安大厦,1号楼,13812345678\n"
    "p-2,2025-03-05 10:00,驿站噪音,驿站夜间装卸货,快递驿站,,福安大厦,,\n"
)
BAD = "p-3,昨天,,内容,不存在的类别,句容里居委会,海防大楼,,123\n"


@pytest.fixture
def places(estate, building, other_estate, reference_data):
    return estate


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def csv_file(text: str, name: str = "cases.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + text).encode("utf-8"), content_type="text/csv")


def test_staff_preview_lists_every_bad_row_and_offers_no_commit(staff_client, places):
    response = staff_client.post(reverse("imports:upload"), {"file": csv_file(GOOD + BAD)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "整个文件未导入" in page and 'name="token"' not in page
    errors = [(e.row, e.column) for e in response.context["result"].errors]
    assert errors == [(4, "received_at"), (4, "title"), (4, "category"), (4, "estate"), (4, "reporter_phone")]
    assert "无法识别的时间“昨天”" in page and "没有类别“不存在的类别”" in page
    assert Case.objects.count() == 0


def test_staff_preview_then_commit_imports_the_file(staff_client, places, uploads):
    assert "检查并预览" in staff_client.get(reverse("imports:upload")).content.decode()
    response = staff_client.post(reverse("imports:upload"), {"file": csv_file(GOOD)})
    assert response.context["result"].created == 2 and Case.objects.count() == 0
    assert len(list(uploads.iterdir())) == 1  # kept, under a random name, until the commit
    token = response.context["token"]
    response = staff_client.post(reverse("imports:commit"), {"token": token})
    assert response.status_code == 302
    assert set(Case.objects.values_list("external_id", flat=True)) == {"p-1", "p-2"}
    assert CaseEvent.objects.count() == 2 and not list(uploads.iterdir())
    # The token is spent: the same commit again imports nothing twice.
    response = staff_client.post(reverse("imports:commit"), {"token": token}, follow=True)
    assert "导入已过期或无效" in response.content.decode()
    assert Case.objects.count() == 2


def test_the_default_neighbourhood_and_create_missing_travel_from_preview_to_commit(staff_client, places):
    hood = Neighbourhood.objects.get(name="海防村居民区")
    text = "q-1,2025-03-04,新类别诉求,内容,新类别,,,,\n"
    data = {"file": csv_file(text), "neighbourhood": hood.pk, "create_missing": "on"}
    response = staff_client.post(reverse("imports:upload"), data)
    assert "类别：其他›新类别" in response.content.decode()
    staff_client.post(reverse("imports:commit"), {"token": response.context["token"]})
    case = Case.objects.get(external_id="q-1")
    assert case.neighbourhood == hood and str(case.category) == "其他›新类别"


def test_a_forged_or_foreign_token_commits_nothing(staff_client, places, superuser, client):
    response = staff_client.post(reverse("imports:upload"), {"file": csv_file(GOOD)})
    token = response.context["token"]
    staff_client.post(reverse("imports:commit"), {"token": token[:-2] + "xx"})
    assert Case.objects.count() == 0
    client.force_login(superuser)  # another staff member cannot commit somebody else's upload
    client.post(reverse("imports:commit"), {"token": token})
    assert Case.objects.count() == 0


def test_an_xlsx_upload_is_previewed_too(staff_client, places, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["received_at", "title", "description", "neighbourhood"])
    workbook.active.append(["2025-01-02 08:00", "电梯停运", "电梯停了两天", "句容里居委会"])
    path = tmp_path / "cases.xlsx"
    workbook.save(path)
    upload = SimpleUploadedFile("cases.xlsx", path.read_bytes())
    response = staff_client.post(reverse("imports:upload"), {"file": upload})
    assert response.context["result"].created == 1


def test_a_file_that_is_not_csv_or_xlsx_is_refused_on_the_form(staff_client, places):
    upload = SimpleUploadedFile("cases.txt", b"x")
    response = staff_client.post(reverse("imports:upload"), {"file": upload})
    assert response.status_code == 200 and "只能导入 CSV" in response.content.decode()


def test_a_file_that_cannot_be_read_is_explained_not_a_server_error(staff_client, places):
    upload = SimpleUploadedFile("cases.csv", (HEADER + GOOD).replace("›", ">").encode("gbk"))
    response = staff_client.post(reverse("imports:upload"), {"file": upload})
    assert response.status_code == 400 and "不是 UTF-8 编码" in response.content.decode()
    upload = SimpleUploadedFile("cases.xlsx", b"not a workbook")
    response = staff_client.post(reverse("imports:upload"), {"file": upload})
    assert response.status_code == 400 and "无法读取该 XLSX 文件" in response.content.decode()


def test_committee_members_get_403_on_upload_and_commit(committee_client, places):
    assert committee_client.get(reverse("imports:upload")).status_code == 403
    assert committee_client.post(reverse("imports:upload"), {"file": csv_file(GOOD)}).status_code == 403
    assert committee_client.post(reverse("imports:commit"), {"token": "x"}).status_code == 403
    assert Case.objects.count() == 0


def test_commit_only_accepts_post(staff_client, places):
    assert staff_client.get(reverse("imports:commit")).status_code == 405
