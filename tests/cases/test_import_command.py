"""`manage.py import_cases`: all-or-nothing, per-row reasons, --create-missing, --dry-run, re-import updates."""

import csv
import io
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from cases.deadlines import deadlines_for
from cases.importing import COLUMNS, Deadlines
from cases.models import Case, CaseCounter, CaseEvent, Category, EventKind, Holiday, Status
from places.models import Building, Estate, Neighbourhood

HEADER = COLUMNS  # the documented column order of import_cases

GOOD = [
    [
        "h-1",
        "2025-03-04 09:30",
        "福安大厦电梯老化",
        "两部电梯运行二十多年，经常停运。",
        "房屋管理›电梯",
        "句容里居委会",
        "福安大厦",
        "1号楼",
        "江宁路海防路口",
        "12345热线",
        "求助",
        "杨女士",
        "13812345678",
    ],
    [
        "h-2",
        "2025/3/5",
        "快递驿站夜间噪音",
        "驿站晚上十点后还在装卸货。",
        "快递驿站",
        "",
        "福安大厦",
        "",
        "",
        "来电",
        "投诉",
        "张先生",
        "021-62181234",
    ],
    [
        "h-3",
        "2025-03-06 14:00",
        "咨询维修资金使用",
        "想问维修资金能不能用来换电梯。",
        "物业管理>维修资金",
        "句容里居委会",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]


@pytest.fixture
def places(estate, building, other_estate, reference_data, staff_user):
    return estate


def write_csv(tmp_path, rows, header=HEADER, name="cases.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(tmp_path, rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "cases.xlsx"
    workbook.save(path)
    return path


def run(path, *args):
    out = io.StringIO()
    call_command("import_cases", str(path), "--user", "staff", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def run_failing(path, *args):
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_cases", str(path), "--user", "staff", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue(), str(error.value)


def test_a_good_csv_creates_numbered_cases_with_deadlines_and_one_created_line_each(places, tmp_path):
    output = run(write_csv(tmp_path, GOOD))
    assert "3 cases were created" in output
    cases = {case.external_id: case for case in Case.objects.select_related("category", "estate", "building")}
    assert set(cases) == {"h-1", "h-2", "h-3"}
    lift = cases["h-1"]
    assert str(lift.category) == "房屋管理›电梯"
    assert lift.building.number == "1号楼" and lift.estate.name == "福安大厦"
    assert lift.status == Status.NEW and lift.reporter_phone == "13812345678"
    assert (lift.first_contact_due, lift.due_at) == deadlines_for(lift.category, lift.urgency, lift.received_at)
    # The neighbourhood comes from the estate when the cell is empty; a unique leaf name finds its category.
    assert cases["h-2"].neighbourhood.name == "句容里居委会" and str(cases["h-2"].category) == "市容环境›快递驿站"
    assert cases["h-2"].received_at == timezone.make_aware(datetime(2025, 3, 5, 9, 0))
    # Each case is numbered in the year it was received (all three rows are from 2025).
    assert sorted(case.reference for case in cases.values()) == ["JN-2025-000001", "JN-2025-000002", "JN-2025-000003"]
    assert CaseCounter.objects.get(year=2025).last == 3
    events = CaseEvent.objects.filter(case=lift)
    assert [(e.kind, e.created_at) for e in events] == [(EventKind.CREATED, lift.received_at)]


def test_one_bad_row_writes_nothing_and_every_bad_row_is_reported_with_column_and_reason(places, tmp_path):
    rows = [
        *GOOD,
        ["h-4", "2025-13-40", "", "内容", "房屋管理›不存在", "句容里居委会", "", "", "", "", "", "", "12345"],
        ["h-5", "2025-03-07", "标题", "内容", "房屋管理", "句容里居委会", "海防大楼", "", "", "", "", "", ""],
        ["h-1", "2025-03-07", "标题", "内容", "", "", "无名小区", "", "", "", "", "", ""],
    ]
    output, message = run_failing(write_csv(tmp_path, rows))
    assert "nothing was written" in message
    assert Case.objects.count() == 0 and CaseCounter.objects.count() == 0
    assert "row 5, received_at: 无法识别的时间“2025-13-40”" in output
    assert "row 5, title: 必填。" in output
    assert "row 5, category: 没有类别“房屋管理›不存在”。" in output
    assert "row 5, reporter_phone: 请填写有效的电话号码" in output
    assert "row 6, category: “房屋管理”是一级类别" in output
    assert "row 6, estate: 小区“海防大楼”属于海防村居民区，不属于句容里居委会。" in output
    assert "row 7, external_id: 外部编号与第 2 行重复。" in output
    assert "row 7, estate: 没有小区“无名小区”。" in output
    assert "row 2" not in output


def test_create_missing_adds_unknown_names_and_puts_a_parentless_category_under_other(places, tmp_path):
    rows = [
        [
            "n-1",
            "2025-04-01 10:00",
            "新小区电梯异响",
            "电梯运行有异响。",
            "电梯维保",
            "新建居民区",
            "新建小区",
            "5号楼",
            "",
            "公众号留言",
            "催办",
            "",
            "",
        ],
        [
            "n-2",
            "2025-04-01 11:00",
            "同小区二次反映",
            "还是异响。",
            "房屋管理›电梯",
            "新建居民区",
            "新建小区",
            "5号楼",
            "",
            "公众号留言",
            "",
            "",
            "",
        ],
    ]
    output = run(write_csv(tmp_path, rows), "--create-missing")
    assert "created 类别：其他›电梯维保" in output and "created 小区：新建小区" in output
    estate = Estate.objects.get(name="新建小区")
    assert estate.neighbourhood.name == "新建居民区"
    assert Building.objects.filter(estate=estate, number="5号楼").count() == 1
    assert Category.objects.get(name="电梯维保").parent.name == "其他"
    assert Case.objects.filter(estate=estate).count() == 2


def test_create_missing_still_refuses_a_new_estate_without_a_neighbourhood(places, tmp_path):
    rows = [["x-1", "2025-04-01", "标题", "内容", "", "", "没人知道的小区", "", "", "", "", "", ""]]
    output, _ = run_failing(write_csv(tmp_path, rows), "--create-missing")
    assert "row 2, estate: 新建小区“没人知道的小区”需要在同一行填写居民区。" in output
    assert not Estate.objects.filter(name="没人知道的小区").exists()


def test_a_new_case_without_a_neighbourhood_needs_the_default_option(places, tmp_path):
    rows = [["d-1", "2025-05-01", "噪音", "楼下饭店油烟噪音扰民。", "油烟噪音", "", "", "", "", "", "", "", ""]]
    path = write_csv(tmp_path, rows)
    output, _ = run_failing(path)
    assert "row 2, neighbourhood: 新案件须填写居民区" in output
    run(path, "--neighbourhood", "海防村居民区")
    assert Case.objects.get(external_id="d-1").neighbourhood.name == "海防村居民区"


def test_a_row_without_a_category_goes_to_other_unsorted(places, tmp_path):
    rows = [["u-1", "2025-05-01", "其他诉求", "内容", "", "句容里居委会", "", "", "", "", "", "", ""]]
    run(write_csv(tmp_path, rows))
    assert str(Case.objects.get(external_id="u-1").category) == "其他›未分类"


def test_dry_run_checks_and_counts_but_writes_nothing(places, tmp_path):
    rows = [*GOOD, ["n-1", "2025-04-01", "标题", "内容", "新类别", "新居民区", "", "", "", "", "", "", ""]]
    categories, hoods = Category.objects.count(), Neighbourhood.objects.count()
    output = run(write_csv(tmp_path, rows), "--dry-run", "--create-missing")
    assert "4 cases would be created" in output and "would create 居民区：新居民区" in output
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0 and CaseCounter.objects.count() == 0
    assert (Category.objects.count(), Neighbourhood.objects.count()) == (categories, hoods)


def test_reimporting_the_same_external_ids_updates_through_the_timeline_never_duplicates(places, tmp_path):
    run(write_csv(tmp_path, GOOD))
    changed = [row[:] for row in GOOD]
    changed[0][2] = "福安大厦两部电梯需整体更换"
    changed[0][11] = ""  # an empty cell leaves the stored value as it is
    output = run(write_csv(tmp_path, changed, name="again.csv"))
    assert "0 cases were created, 1 were updated, 2 unchanged" in output
    assert Case.objects.count() == 3
    case = Case.objects.get(external_id="h-1")
    assert case.title == "福安大厦两部电梯需整体更换" and case.reporter_name == "杨女士" and case.version == 2
    edit = case.events.get(kind=EventKind.EDITED)
    assert edit.changes == [
        {"field": "title", "label": "标题", "old": "福安大厦电梯老化", "new": "福安大厦两部电梯需整体更换"}
    ]
    assert "0 cases were created, 0 were updated, 3 unchanged" in run(write_csv(tmp_path, changed, name="3.csv"))


def test_an_xlsx_file_with_chinese_headers_and_real_dates_imports_like_a_csv(places, tmp_path):
    header = ["外部编号", "受理时间", "标题", "诉求内容", "类别", "居民区", "小区", "楼栋", "联系电话", "备注"]
    rows = [
        [
            "x-1",
            datetime(2025, 6, 1, 8, 15),
            "电梯困人",
            "电梯困人半小时。",
            "电梯",
            "句容里居委会",
            "福安大厦",
            "1号楼",
            13912345678,
            "多余列",
        ]
    ]
    output = run(write_xlsx(tmp_path, rows, header=header))
    assert "ignored columns: 备注" in output
    case = Case.objects.get(external_id="x-1")
    assert case.received_at == timezone.make_aware(datetime(2025, 6, 1, 8, 15))
    assert case.reporter_phone == "13912345678" and case.building.number == "1号楼"


def test_a_file_missing_a_required_column_or_in_another_format_is_refused(places, tmp_path):
    _, message = run_failing(write_csv(tmp_path, [["标题"]], header=["title"]))
    assert "缺少必填列：received_at、description" in message
    bad = tmp_path / "cases.txt"
    bad.write_text("x")
    _, message = run_failing(bad)
    assert "只能导入 CSV" in message
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("received_at,title,description\n2025-01-01,电梯,坏了\n".encode("gbk"))
    _, message = run_failing(gbk)
    assert "不是 UTF-8 编码" in message


def test_a_received_time_in_the_future_is_refused(places, tmp_path):
    later = (timezone.localtime() + timezone.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    rows = [["f-1", later, "标题", "内容", "电梯", "句容里居委会", "", "", "", "", "", "", ""]]
    output, _ = run_failing(write_csv(tmp_path, rows))
    assert "row 2, received_at: 受理时间不能晚于现在。" in output


def test_bulk_deadlines_match_the_service_rules_across_holidays(db, elevator_category):
    Holiday.objects.create(date=datetime(2025, 10, 1).date(), name="国庆")
    Holiday.objects.create(date=datetime(2025, 10, 2).date(), name="国庆")
    Holiday.objects.create(date=datetime(2025, 9, 28).date(), is_workday=True, name="调休")
    bulk = Deadlines()
    for day in range(20, 40):
        moment = timezone.make_aware(datetime(2025, 9, 1, 10, 0)) + timezone.timedelta(days=day, hours=day)
        for urgency in ("normal", "urgent", "critical"):
            assert bulk.for_case(elevator_category, urgency, moment) == deadlines_for(
                elevator_category, urgency, moment
            )


def test_a_clash_with_a_concurrent_import_writes_nothing_and_says_so(places, tmp_path, monkeypatch):
    run(write_csv(tmp_path, GOOD[:1]))
    # Another import commits "h-1" between this import's check and its write.
    monkeypatch.setattr("cases.importing._existing", lambda external_ids: {})
    output, _ = run_failing(write_csv(tmp_path, GOOD, name="again.csv"))
    assert "其他人同时导入了相同外部编号的案件" in output
    assert Case.objects.count() == 1 and CaseCounter.objects.get().last == 1
