"""The monthly report (月报): the month's figures, per category (and per neighbourhood), and its case list."""

from io import BytesIO

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from cases.exports import CASE_COLUMNS, XLSX_TYPE, attachment, inert, masked_free_text
from dashboards import selectors
from dashboards.figures import RATES, TABLE_COLUMNS, Scope, figures
from places.models import Neighbourhood


def report_data(user, scope: Scope, *, compare: bool) -> dict:
    """The month's figures overall, per category, and per neighbourhood when the report covers them all."""
    cases = selectors.scoped_cases(user, scope)
    overall, per = selectors.grouped(cases, scope, ["category", "neighbourhood"] if compare else ["category"])
    data = {
        "totals": selectors.totals(overall, scope),
        "categories": selectors.figure_rows(per["category"], scope, "category"),
    }
    if compare:
        rows = selectors.figure_rows(per["neighbourhood"], scope, "neighbourhood")
        data["neighbourhoods"] = selectors.with_all_neighbourhoods(rows, Neighbourhood.objects.all(), scope)
    return data


def _value(row: dict, key: str):
    value = row.get(key)
    if value is None:
        return ""
    if key.endswith("_rate"):
        return round(value * 100, 1)
    if key == "median_days":
        return round(value, 1)
    return value


def _table(sheet, rows: list[dict], first_header: str) -> None:
    headers = [first_header] + [
        str(label) + ("（%）" if key.endswith("_rate") else "") for key, label, _link in TABLE_COLUMNS
    ]
    sheet.append(headers)
    for row in rows:
        sheet.append(inert([row["label"], *(_value(row, key) for key, _label, _link in TABLE_COLUMNS)]))


def report_workbook(user, scope: Scope, hood: Neighbourhood | None) -> HttpResponse:
    """The monthly report as an XLSX download: 指标, 分类, (居民区,) 案件清单."""
    data = report_data(user, scope, compare=hood is None)
    workbook = Workbook(write_only=True)
    where = hood.name if hood else _("全街道")
    month = f"{scope.month:%Y-%m}"

    sheet = workbook.create_sheet(_("指标"))
    sheet.append(inert([_("%(where)s %(month)s 月报") % {"where": where, "month": month}]))
    sheet.append(inert([_("指标"), _("数值"), _("口径")]))
    totals = data["totals"]
    for figure in figures(scope):
        sheet.append(inert([str(figure.label), totals[figure.key], str(figure.definition)]))
    for key, label, _numerator, _denominator, definition in RATES:
        sheet.append(inert([str(label) + "（%）", _value(totals, key), str(definition)]))
    median = _("办结用时中位数（天）")
    sheet.append(inert([median, _value(totals, "median_days"), _("已办结案件从受理到办结的天数的中位数")]))

    _table(workbook.create_sheet(_("分类")), data["categories"], _("类别"))
    if "neighbourhoods" in data:
        _table(workbook.create_sheet(_("居民区")), data["neighbourhoods"], _("居民区"))

    cases = workbook.create_sheet(_("案件清单"))
    cases.append(inert([str(label) for label, _get in CASE_COLUMNS]))
    for case in (
        selectors.report_cases(user, scope)
        .select_related("building", "lead_department", "assignee")
        .iterator(chunk_size=2000)
    ):
        cases.append(inert(masked_free_text([get(case) for _label, get in CASE_COLUMNS])))

    buffer = BytesIO()
    workbook.save(buffer)
    return attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), f"{where}-{month}-{_('月报')}.xlsx")
