"""The monthly report: the month's figures as a printable page and as an XLSX workbook."""

from io import BytesIO

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.dashboards.conftest import shown


def test_monthly_report_counts_the_cases_received_that_month(staff_client, cases, neighbourhood, other_neighbourhood):
    month = timezone.localdate(cases[-1].received_at).strftime("%Y-%m")
    in_month = [c for c in cases if timezone.localdate(c.received_at).strftime("%Y-%m") == month]
    response = staff_client.get(reverse("dashboards:report"), {"month": month})
    assert response.status_code == 200
    page = shown(response)
    assert page.found[("kpi", None, "total")][0] == str(len(in_month))
    assert {c.pk for c in response.context["cases"]} == {c.pk for c in in_month}
    for hood in (neighbourhood, other_neighbourhood):
        want = sum(1 for c in in_month if c.neighbourhood_id == hood.pk)
        assert page.found[("neighbourhoods", str(hood.pk), "total")][0] == str(want)
    assert b"data-print" in response.content and "口径".encode() in response.content


def test_monthly_report_downloads_as_a_workbook_with_figures_and_cases(staff_client, cases, neighbourhood):
    month = timezone.localdate(cases[-1].received_at).strftime("%Y-%m")
    in_month = [
        c
        for c in cases
        if timezone.localdate(c.received_at).strftime("%Y-%m") == month and c.neighbourhood_id == neighbourhood.pk
    ]
    response = staff_client.get(reverse("dashboards:report_xlsx"), {"month": month, "neighbourhood": neighbourhood.pk})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["指标", "分类", "案件清单"]
    figures = {row[0]: row[1] for row in book["指标"].iter_rows(min_row=3, values_only=True)}
    assert figures["受理量"] == len(in_month)
    references = [row[0] for row in book["案件清单"].iter_rows(min_row=2, values_only=True)]
    assert sorted(references) == sorted(c.reference for c in in_month)
    assert "13812345678" not in str([list(sheet.values) for sheet in book])
