import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.exports import spreadsheet_response
from tests.conftest import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cases(case, staff_user, neighbourhood, noise_category):
    noise = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=noise_category,
        title="饭店油烟扰民",
        reporter_phone="021-62181234",
    )
    return case, noise


def read_csv(response):
    assert response.content.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_has_chinese_headers_and_masked_phones(staff_client, two_cases):
    elevator, noise = two_cases
    response = staff_client.get(reverse("cases:export"), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    header = rows[0]
    assert header[:6] == ["编号", "标题", "诉求人", "联系电话", "状态", "超期"]
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_reference[elevator.reference]["联系电话"] == "138****5678"
    assert by_reference[elevator.reference]["小区"] == "福安大厦"
    assert by_reference[elevator.reference]["类别"] == "电梯"
    assert by_reference[elevator.reference]["大类"] == "房屋管理"
    assert by_reference[elevator.reference]["状态"] == "受理"
    assert "62181234" not in response.content.decode("utf-8-sig")


def test_export_follows_the_list_filters(staff_client, two_cases):
    elevator, noise = two_cases
    response = staff_client.get(reverse("cases:export"), {"format": "csv", "q": "油烟"})
    references = [row[0] for row in read_csv(response)[1:]]
    assert references == [noise.reference]


def test_xlsx_export_opens_with_the_same_rows(staff_client, two_cases):
    response = staff_client.get(reverse("cases:export"), {"format": "xlsx", "category": two_cases[0].category_id})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "标题", "诉求人", "联系电话")
    assert [row[0] for row in rows[1:]] == [two_cases[0].reference]
    assert rows[1][3] == "138****5678"


def test_an_unknown_format_is_refused(staff_client, case):
    assert staff_client.get(reverse("cases:export"), {"format": "pdf"}).status_code == 400


def test_the_generic_writer_serves_any_rows():
    response = spreadsheet_response(rows=[["甲", 1]], headers=["名称", "数量"], filename="测试", file_format="csv")
    assert response.content.decode("utf-8-sig").splitlines() == ["名称,数量", "甲,1"]
    assert "filename*=UTF-8''%E6%B5%8B%E8%AF%95.csv" in response["Content-Disposition"]
    with pytest.raises(ValueError):
        spreadsheet_response(rows=[], headers=[], filename="x", file_format="doc")
