"""Spreadsheet downloads: a generic writer (rows + headers → CSV or XLSX response) and the case list's columns."""

import csv
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from accounts.names import display_name
from cases.models import Case
from cases.personal import mask_text
from cases.validators import clean_text
from ops.privacy import can_export_personal_data, phone_for_export, record_export_reveals

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# A cell starting with one of these is a formula to Excel and LibreOffice (=HYPERLINK(…) planted in a title would run
# on a colleague's machine). OWASP's advice: make it text with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def cell_value(value):
    """A value as a spreadsheet cell: local time for datetimes, numbers kept, everything else inert text (no
    formula, no character XML cannot hold). Every export writes its cells through this."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return value
    text = clean_text(str(value))
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def inert(values) -> list:
    """A row of cells through cell_value (for a sheet written by hand, like the monthly report's)."""
    return [cell_value(value) for value in values]


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    """Mark `response` as a download named `filename`."""
    # RFC 6266: an ASCII fallback plus the UTF-8 name for browsers that read it (Chinese file names).
    response["Content-Disposition"] = f'attachment; filename="export.{filename.rsplit(".", 1)[-1]}"; ' + (
        f"filename*=UTF-8''{quote(filename)}"
    )
    return response


def spreadsheet_response(
    *, rows: Iterable[Sequence], headers: Sequence[str], filename: str, file_format: str, sheet_title: str = ""
) -> HttpResponse:
    """Rows under Chinese headers as a download. CSV is UTF-8 with a BOM so that Excel reads the Chinese."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown export format {file_format!r}")
    name = f"{filename}.{file_format}"
    if file_format == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow([cell_value(str(header)) for header in headers])
        for row in rows:
            writer.writerow([cell_value(value) for value in row])
        return attachment(response, name)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(sheet_title or filename)[:31])
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(header)) * 2 + 4))
    sheet.append([cell_value(str(header)) for header in headers])
    for row in rows:
        sheet.append([cell_value(value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), name)


def _reporter(case: Case, can_see: Callable[[Case], bool], user) -> tuple[str, str]:
    if not can_see(case):
        return str(_("（保密）")), ""
    return case.reporter_name, phone_for_export(user, case.reporter_phone)


CASE_COLUMNS: list[tuple[str, Callable[[Case], object]]] = [
    (_("编号"), lambda c: c.reference),
    (_("标题"), lambda c: c.title),
    (_("状态"), lambda c: c.get_status_display()),
    (_("超期"), lambda c: str(_("是")) if c.is_overdue else ""),
    (_("诉求类型"), lambda c: c.request_type),
    (_("大类"), lambda c: c.category.parent if c.category.parent_id else ""),
    (_("类别"), lambda c: c.category.name),
    (_("来源渠道"), lambda c: c.channel),
    (_("紧急程度"), lambda c: c.get_urgency_display()),
    (_("受理时间"), lambda c: c.received_at),
    (_("居民区"), lambda c: c.neighbourhood),
    (_("小区"), lambda c: c.estate),
    (_("楼栋"), lambda c: c.building.number if c.building_id else ""),
    (_("详细地址"), lambda c: c.address),
    (_("主办单位"), lambda c: c.lead_department),
    (_("工作专班"), lambda c: c.team),
    (_("责任人"), lambda c: display_name(c.assignee) if c.assignee_id else ""),
    (_("工作法"), lambda c: c.method),
    (_("首次联系时限"), lambda c: c.first_contact_due),
    (_("办结时限"), lambda c: c.due_at),
    (_("签收时间"), lambda c: c.accepted_at),
    (_("办结时间"), lambda c: c.resolved_at),
    (_("回访结果"), lambda c: c.get_visit_result_display()),
    (_("重办次数"), lambda c: c.rework_count),
    (_("办理结果"), lambda c: c.resolution),
]


FREE_TEXT_COLUMNS = {1, len(CASE_COLUMNS) - 1}  # the title and the resolution


def masked_free_text(values: list) -> list:
    """A row of CASE_COLUMNS with the numbers inside its free text masked."""
    return [mask_text(v) if i in FREE_TEXT_COLUMNS and isinstance(v, str) else v for i, v in enumerate(values)]


def case_export(cases, *, file_format: str, can_see: Callable[[Case], bool], user) -> HttpResponse:
    """The filtered case list as CSV/XLSX; the resident's phone (and numbers in free text) masked unless `user` may
    export personal data. An export with full numbers is recorded like a reveal: one access row per resident."""
    headers = [*(label for label, _get in CASE_COLUMNS[:2]), _("诉求人"), _("联系电话")]
    headers += [label for label, _get in CASE_COLUMNS[2:]]
    full = can_export_personal_data(user)

    def rows():
        revealed = []
        for case in cases.iterator(chunk_size=2000):  # cases_for() prefetches the vocabularies per chunk
            values = [get(case) for _label, get in CASE_COLUMNS]
            if not full:
                values = masked_free_text(values)
            reporter = _reporter(case, can_see, user)
            if full and reporter[1]:
                revealed.append(case.pk)
            yield [*values[:2], *reporter, *values[2:]]
        record_export_reveals(user, revealed)

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return spreadsheet_response(
        rows=rows(), headers=headers, filename=f"{_('案件')}-{stamp}", file_format=file_format, sheet_title=_("案件")
    )
