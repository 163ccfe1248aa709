"""Bulk import of historical cases from a UTF-8 CSV or an XLSX file (one header row).

Used by `manage.py import_cases` and by the staff import page; both call `import_cases()`.

The whole file is checked before anything is written: a file with any bad row writes nothing and every bad row
is reported with its column and the reason. New cases are written in bulk (one reference each from the
year's counter, gap-free, their deadlines, one CREATED timeline line); a row whose `external_id` is already in
the database updates that case through `cases.services.case_update`, which logs each changed field.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import hooks
from cases.deadlines import CRITICAL_FIRST_CONTACT, handling_days, is_workday
from cases.models import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    Case,
    CaseCounter,
    CaseEvent,
    Category,
    Channel,
    EventKind,
    Holiday,
    RequestType,
    Status,
    Urgency,
)
from cases.services import CaseError, case_update
from cases.validators import clean_text, normalise_phone, validate_phone
from places.models import Building, Estate, Neighbourhood

COLUMNS = [
    "external_id",
    "received_at",
    "title",
    "description",
    "category",
    "neighbourhood",
    "estate",
    "building",
    "address",
    "channel",
    "request_type",
    "reporter_name",
    "reporter_phone",
    "media_url",
]
REQUIRED = ["received_at", "title", "description"]
# The Chinese headers of the case export are accepted too, so an exported list can be imported back.
HEADER_ALIASES = {
    "外部编号": "external_id",
    "受理时间": "received_at",
    "标题": "title",
    "诉求内容": "description",
    "类别": "category",
    "居民区": "neighbourhood",
    "小区": "estate",
    "楼栋": "building",
    "详细地址": "address",
    "来源渠道": "channel",
    "诉求类型": "request_type",
    "诉求人": "reporter_name",
    "联系电话": "reporter_phone",
    "照片链接": "media_url",
}
MAX_LENGTH = {
    "external_id": 64,
    "title": TITLE_MAX,
    "description": DESCRIPTION_MAX,
    "address": 200,
    "reporter_name": 50,
    "reporter_phone": 20,
    "media_url": 1000,
}
CATEGORY_SEPARATOR = re.compile(r"\s*[›>＞〉»/]\s*")
OTHER_GROUP = "其他"
UNSORTED_CATEGORY = "未分类"
BATCH = 1000
# What one file may hold. A sheet's declared size is not trusted (a 1.6 KB file may declare 10,000 rows of 16,384
# columns): rows and columns are counted as they are read.
MAX_ROWS = 200_000
MAX_COLUMNS = 60
FUTURE_TOLERANCE = timedelta(minutes=5)


class ImportFileError(Exception):
    """The file cannot be read at all (format, encoding, header)."""


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row number: the header is row 1
    column: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Names that --create-missing adds (or would add, on a dry run), e.g. "小区：福安大厦".
    new_names: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading -------------------------------------------------------------------------------------


def _cell(value) -> str | datetime | date:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number or an id typed into a numeric XLSX cell
    return clean_text(str(value)).strip()


def _header(names: Iterable) -> tuple[list[str | None], list[str]]:
    columns, ignored = [], []
    for raw in names:
        name = str(raw or "").strip().lstrip("\ufeff")
        key = HEADER_ALIASES.get(name, name.lower())
        if key in COLUMNS:
            columns.append(key)
        else:
            columns.append(None)
            if name:
                ignored.append(name)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportFileError(_("文件第 1 行缺少必填列：%(columns)s。") % {"columns": "、".join(missing)})
    return columns, ignored


def read_rows(data: bytes, filename: str) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """Return (ignored header names, iterator of (row number, {column: value})) for a CSV or XLSX file."""
    if filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif filename.lower().endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise ImportFileError(_("只能导入 CSV（UTF-8）或 XLSX 文件。"))
    try:
        header = next(rows)
    except StopIteration:
        raise ImportFileError(_("文件是空的。")) from None
    columns, ignored = _header(header)

    def records():
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise ImportFileError(_("文件超过 %(limit)s 行，请分成几个文件导入。") % {"limit": f"{MAX_ROWS:,}"})
            cells = [_cell(value) for value in values[:MAX_COLUMNS]]
            if not any(cell != "" for cell in cells):
                continue  # blank lines at the end of a spreadsheet
            yield number, {name: cells[i] if i < len(cells) else "" for i, name in enumerate(columns) if name}

    return ignored, records()


def _csv_rows(data: bytes) -> Iterator[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("CSV 文件不是 UTF-8 编码。请在 Excel 中另存为“CSV UTF-8”后再导入。")) from None
    return _csv_records(csv.reader(io.StringIO(text, newline="")))


def _csv_records(reader) -> Iterator[list]:
    try:
        yield from reader
    except csv.Error as error:
        # A field past the csv module's limit (131,072 characters) or a NUL byte: the file, not a row, is broken.
        raise ImportFileError(
            _("CSV 文件第 %(row)s 行无法读取（%(error)s）。请检查该行是否有超长内容或未闭合的引号。")
            % {"row": reader.line_num, "error": error}
        ) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError(_("无法读取该 XLSX 文件，请确认它是 Excel 工作簿。")) from None
    sheet = workbook.worksheets[0]
    # Read what is there, not what the sheet declares: the declared dimension made an empty 1.6 KB file take 33 s.
    sheet.reset_dimensions()
    return sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)


# --- names -> rows of the registry ---------------------------------------------------------------


class Registry:
    """Every name a row may use, loaded once; with create_missing, names it will create are remembered too."""

    def __init__(self, *, create_missing: bool):
        self.create_missing = create_missing
        self.hoods = {n.name: n for n in Neighbourhood.objects.all()}
        self.estates = {e.name: e for e in Estate.objects.all()}
        self.estate_hood = {e.name: e.neighbourhood.name for e in Estate.objects.select_related("neighbourhood")}
        self.buildings = {(b.estate.name, b.number): b for b in Building.objects.select_related("estate")}
        categories = list(Category.objects.select_related("parent"))
        self.groups = {c.name: c for c in categories if c.parent_id is None}
        self.categories = {(c.parent.name, c.name): c for c in categories if c.parent_id}
        self.leaves: dict[str, list[tuple[str, str]]] = {}
        for key in self.categories:
            self.leaves.setdefault(key[1], []).append(key)
        self.channels = {}
        for channel in Channel.objects.all():
            self.channels[channel.name] = channel
            self.channels[channel.code] = channel
        self.request_types = {r.name: r for r in RequestType.objects.all()}
        # what a write will create, in order: ("neighbourhood", name), ("estate", name, hood), ...
        self.pending: dict[tuple, tuple] = {}

    def _add(self, kind: str, *key) -> None:
        self.pending.setdefault((kind, *key[:2]), (kind, *key))

    def new_names(self) -> list[str]:
        labels = {
            "group": _("一级类别"),
            "category": _("类别"),
            "neighbourhood": _("居民区"),
            "estate": _("小区"),
            "building": _("楼栋"),
            "channel": _("来源渠道"),
            "request_type": _("诉求类型"),
        }
        names = []
        for kind, *key in self.pending.values():
            if kind == "category":
                text = f"{key[0]}›{key[1]}"
            elif kind == "building":
                text = f"{key[0]} {key[1]}"
            else:
                text = key[0]
            names.append(f"{labels[kind]}：{text}")
        return names

    # Each resolver returns the key used later to find the row, or raises ValueError with the reason.

    def category(self, text: str) -> tuple[str, str]:
        parts = [part for part in CATEGORY_SEPARATOR.split(text) if part]
        if len(parts) > 2:
            raise ValueError(_("类别只有两级，请写成“房屋管理›电梯”。"))
        if len(parts) == 2:
            key = (parts[0], parts[1])
            if key in self.categories or ("category", *key) in self.pending:
                return key
            if not self.create_missing:
                raise ValueError(_("没有类别“%(name)s”。") % {"name": "›".join(key)})
            if key[0] not in self.groups:
                self._add("group", key[0])
            self._add("category", *key)
            return key
        name = parts[0] if parts else text
        keys = self.leaves.get(name, [])
        if len(keys) == 1:
            return keys[0]
        if len(keys) > 1:
            raise ValueError(
                _("类别“%(name)s”有重名：%(choices)s，请写明上级类别。")
                % {"name": name, "choices": "、".join("›".join(key) for key in keys)}
            )
        if name in self.groups:
            raise ValueError(_("“%(name)s”是一级类别，请写明二级类别，如“%(name)s›…”。") % {"name": name})
        if not self.create_missing:
            raise ValueError(_("没有类别“%(name)s”。") % {"name": name})
        key = (OTHER_GROUP, name)
        if key not in self.categories:
            if OTHER_GROUP not in self.groups:
                self._add("group", OTHER_GROUP)
            self._add("category", *key)
            self.leaves[name] = [key]
        return key

    def unsorted_category(self) -> tuple[str, str]:
        """Rows without a category go to 其他›未分类 (made when first needed, as a default, not a guess)."""
        key = (OTHER_GROUP, UNSORTED_CATEGORY)
        if key not in self.categories:
            if OTHER_GROUP not in self.groups:
                self._add("group", OTHER_GROUP)
            self._add("category", *key)
        return key

    def neighbourhood(self, name: str) -> str:
        if name in self.hoods or ("neighbourhood", name) in self.pending:
            return name
        if not self.create_missing:
            raise ValueError(_("没有居民区“%(name)s”。") % {"name": name})
        self._add("neighbourhood", name)
        return name

    def estate(self, name: str, hood: str | None) -> str:
        """The estate's name; `hood` is the row's own neighbourhood, which a new estate needs."""
        if name in self.estate_hood:
            return name
        if not self.create_missing:
            raise ValueError(_("没有小区“%(name)s”。") % {"name": name})
        if not hood:
            raise ValueError(_("新建小区“%(name)s”需要在同一行填写居民区。") % {"name": name})
        self._add("estate", name, hood)
        self.estate_hood[name] = hood
        return name

    def building(self, estate: str, number: str) -> tuple[str, str]:
        key = (estate, number)
        if key in self.buildings or ("building", *key) in self.pending:
            return key
        if not self.create_missing:
            raise ValueError(_("小区“%(estate)s”没有楼栋“%(number)s”。") % {"estate": estate, "number": number})
        self._add("building", *key)
        return key

    def channel(self, name: str) -> str:
        if name in self.channels or ("channel", name) in self.pending:
            return name
        if not self.create_missing:
            raise ValueError(_("没有来源渠道“%(name)s”。") % {"name": name})
        self._add("channel", name)
        return name

    def request_type(self, name: str) -> str:
        if name in self.request_types or ("request_type", name) in self.pending:
            return name
        if not self.create_missing:
            raise ValueError(_("没有诉求类型“%(name)s”。") % {"name": name})
        self._add("request_type", name)
        return name

    def create_pending(self) -> None:
        """Create what the rows named but the database lacks, parents first; then refresh the lookups."""
        order = ["group", "neighbourhood", "category", "estate", "building", "channel", "request_type"]
        pending = sorted(self.pending.values(), key=lambda item: order.index(item[0]))
        for kind, *key in pending:
            if kind == "group":
                self.groups[key[0]] = Category.objects.get_or_create(parent=None, name=key[0])[0]
            elif kind == "neighbourhood":
                self.hoods[key[0]] = Neighbourhood.objects.get_or_create(name=key[0])[0]
            elif kind == "category":
                group = self.groups[key[0]]
                self.categories[tuple(key)] = Category.objects.get_or_create(parent=group, name=key[1])[0]
            elif kind == "estate":
                hood = self.hoods[key[1]]
                self.estates[key[0]] = Estate.objects.get_or_create(name=key[0], defaults={"neighbourhood": hood})[0]
            elif kind == "building":
                estate = self.estates[key[0]]
                self.buildings[tuple(key)] = Building.objects.get_or_create(estate=estate, number=key[1])[0]
            elif kind == "channel":
                code = f"import-{Channel.objects.count() + 1}"
                while Channel.objects.filter(code=code).exists():
                    code += "x"
                self.channels[key[0]] = Channel.objects.get_or_create(name=key[0], defaults={"code": code})[0]
            elif kind == "request_type":
                self.request_types[key[0]] = RequestType.objects.get_or_create(name=key[0])[0]
        self.pending.clear()


# --- checking one row ----------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    external_id: str | None
    values: dict  # field name -> plain value or registry key (only the fields the row sets)
    media_url: str = ""  # a photo held elsewhere: kept as a link on the case (attachments), never fetched


def parse_received_at(value, now: datetime) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(9, 0))
    else:
        text = value.strip().replace("/", "-").replace("T", " ")
        text = re.sub(r"\s+", " ", text)
        moment = None
        for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                moment = datetime.strptime(text, pattern)
            except ValueError:
                continue
            if pattern == "%Y-%m-%d":
                moment = moment.replace(hour=9)  # a date alone: the start of office hours
            break
        if moment is None:
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(_("无法识别的时间“%(value)s”，请写成 2024-07-15 09:30。") % {"value": value}) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + FUTURE_TOLERANCE:
        raise ValueError(_("受理时间不能晚于现在。"))
    return moment


def check_row(number: int, cells: dict, registry: Registry, now: datetime):
    """Return (Row, []) or (None, [RowError…]) for one record of the file."""
    errors: list[RowError] = []
    values: dict = {}

    def fail(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    # Only received_at may be a spreadsheet date; elsewhere a date cell is read as the text it shows.
    text = {name: str(value) if isinstance(value, date) else value for name, value in cells.items()}
    for name in ("title", "description", "received_at"):
        if cells.get(name, "") == "":
            fail(name, _("必填。"))
    for name, limit in MAX_LENGTH.items():
        if len(str(text.get(name, ""))) > limit:
            fail(name, _("不能超过 %(limit)s 个字。") % {"limit": limit})
    for name in ("title", "description", "address", "reporter_name"):
        if text.get(name):
            values[name] = text[name]
    if cells.get("received_at", "") != "":
        try:
            values["received_at"] = parse_received_at(cells["received_at"], now)
        except ValueError as error:
            fail("received_at", str(error))
    if text.get("reporter_phone"):
        try:
            validate_phone(text["reporter_phone"])
            values["reporter_phone"] = normalise_phone(text["reporter_phone"])
        except ValidationError as error:
            fail("reporter_phone", " ".join(error.messages))

    for name, resolve in (("category", registry.category), ("channel", registry.channel)):
        if text.get(name):
            try:
                values[name] = resolve(text[name])
            except ValueError as error:
                fail(name, str(error))
    if text.get("request_type"):
        try:
            values["request_type"] = registry.request_type(text["request_type"])
        except ValueError as error:
            fail("request_type", str(error))

    hood = None
    if text.get("neighbourhood"):
        try:
            hood = registry.neighbourhood(text["neighbourhood"])
        except ValueError as error:
            fail("neighbourhood", str(error))
    estate = None
    if text.get("estate"):
        try:
            estate = registry.estate(text["estate"], hood if text.get("neighbourhood") else None)
        except ValueError as error:
            fail("estate", str(error))
    if estate:
        owner = registry.estate_hood[estate]
        if hood and owner != hood:
            fail(
                "estate",
                _("小区“%(estate)s”属于%(owner)s，不属于%(hood)s。") % {"estate": estate, "owner": owner, "hood": hood},
            )
        hood = hood or owner
    if text.get("building"):
        if not text.get("estate"):
            fail("building", _("填写楼栋时请同时填写小区。"))
        elif estate:
            try:
                values["building"] = registry.building(estate, text["building"])
            except ValueError as error:
                fail("building", str(error))
    if estate:
        values["estate"] = estate
    if hood:
        values["neighbourhood"] = hood

    media_url = str(text.get("media_url") or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            fail("media_url", _("请填写 http:// 或 https:// 开头的网址。"))

    external_id = text.get("external_id") or None
    if errors:
        return None, errors
    return Row(number, external_id, values, media_url), []


# --- deadlines without a query per row -----------------------------------------------------------


class Deadlines:
    """cases.deadlines.deadlines_for with the holiday calendar loaded once (same rules, same results)."""

    def __init__(self):
        self.calendar = dict(Holiday.objects.values_list("date", "is_workday"))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        moment = timezone.localtime(start)
        while not is_workday(moment.date(), self.calendar):
            moment = (moment + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        remaining = days
        while remaining > 0:
            moment += timedelta(days=1)
            if is_workday(moment.date(), self.calendar):
                remaining -= 1
        return moment

    def for_case(self, category: Category, urgency: str, received_at: datetime) -> tuple[datetime, datetime]:
        if urgency == Urgency.CRITICAL:
            first_contact = received_at + CRITICAL_FIRST_CONTACT
        else:
            first_contact = self.add_working_days(received_at, settings.CASE_FIRST_CONTACT_DAYS)
        return first_contact, self.add_working_days(received_at, handling_days(category, urgency))


# --- the import ----------------------------------------------------------------------------------

FOREIGN = {"category", "neighbourhood", "estate", "building", "channel", "request_type"}


def _objects(row: Row, registry: Registry) -> dict:
    """The row's values with registry keys replaced by model instances."""
    lookups = {
        "category": registry.categories,
        "neighbourhood": registry.hoods,
        "estate": registry.estates,
        "building": registry.buildings,
        "channel": registry.channels,
        "request_type": registry.request_types,
    }
    return {name: lookups[name][value] if name in FOREIGN else value for name, value in row.values.items()}


def _column_order(column: str) -> int:
    return COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)


def _existing(external_ids: list[str]) -> dict[str, Case]:
    found = {}
    for start in range(0, len(external_ids), BATCH):
        chunk = external_ids[start : start + BATCH]
        for case in Case.objects.filter(external_id__in=chunk):
            found[case.external_id] = case
    return found


def _changes(case: Case, data: dict) -> dict:
    changed = {}
    for name, value in data.items():
        if name in FOREIGN:
            if getattr(case, f"{name}_id") != value.pk:
                changed[name] = value
        elif getattr(case, name) != value:
            changed[name] = value
    return changed


def _check_update(case: Case, data: dict) -> str | None:
    """The merged case must still hang together (estate in the neighbourhood, building in the estate)."""
    hood_id = data["neighbourhood"].pk if "neighbourhood" in data else case.neighbourhood_id
    estate = data.get("estate") or (Estate.objects.get(pk=case.estate_id) if case.estate_id else None)
    building = data.get("building") or (Building.objects.get(pk=case.building_id) if case.building_id else None)
    if estate and estate.neighbourhood_id != hood_id:
        return "estate"
    if building and (estate is None or building.estate_id != estate.pk):
        return "building"
    return None


def import_cases(
    data: bytes,
    filename: str,
    *,
    actor,
    create_missing: bool = False,
    dry_run: bool = False,
    default_neighbourhood: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Check every row, then (unless dry_run or any row is bad) create and update the cases in one transaction."""
    now = timezone.now()
    result = ImportResult(dry_run=dry_run)
    ignored, records = read_rows(data, filename)
    result.ignored_columns = ignored
    registry = Registry(create_missing=create_missing)
    if default_neighbourhood and default_neighbourhood not in registry.hoods:
        raise ImportFileError(_("默认居民区“%(name)s”不存在。") % {"name": default_neighbourhood})

    rows: list[Row] = []
    seen: dict[str, int] = {}
    for number, cells in records:
        result.rows += 1
        row, errors = check_row(number, cells, registry, now)
        external_id = str(cells.get("external_id", "")).strip()
        if external_id and external_id in seen:
            message = _("外部编号与第 %(row)s 行重复。") % {"row": seen[external_id]}
            errors.append(RowError(number, "external_id", message))
        elif external_id:
            seen[external_id] = number
        result.errors.extend(errors)
        if row and not errors:
            rows.append(row)
    if result.rows == 0:
        raise ImportFileError(_("文件中没有数据行。"))

    existing = _existing(list(seen))
    new_rows = [row for row in rows if row.external_id not in existing]
    for row in new_rows:
        if "neighbourhood" in row.values:
            continue
        if default_neighbourhood:
            row.values["neighbourhood"] = default_neighbourhood
        else:
            result.errors.append(
                RowError(row.number, "neighbourhood", _("新案件须填写居民区（或导入时指定默认居民区）。"))
            )
    if any("category" not in row.values for row in new_rows):
        unsorted = registry.unsorted_category()
        for row in new_rows:
            row.values.setdefault("category", unsorted)
    result.errors.sort(key=lambda error: (error.row, _column_order(error.column)))
    result.new_names = registry.new_names()
    if result.errors:
        return result

    try:
        _write(rows, new_rows, existing, registry, result, actor=actor, dry_run=dry_run, progress=progress)
    except IntegrityError:
        # Someone else imported or logged the same external_id between the check and the write.
        result.created = result.updated = result.unchanged = 0
        result.errors.append(
            RowError(0, "external_id", _("其他人同时导入了相同外部编号的案件，未写入任何数据，请重新导入。"))
        )
    return result


@transaction.atomic
def _write(rows, new_rows, existing, registry, result, *, actor, dry_run, progress) -> None:
    """Create the missing names and the new cases and apply the updates in one transaction (all or nothing)."""
    registry.create_pending()
    updates, links = [], []
    for row in rows:
        if row.external_id in existing:
            case = existing[row.external_id]
            changed = _changes(case, _objects(row, registry))
            if row.media_url:
                links.append((case.pk, row.media_url))
            if not changed:
                result.unchanged += 1
                continue
            bad = _check_update(case, changed)
            if bad:
                result.errors.append(RowError(row.number, bad, _("与该案件现有的居民区、小区或楼栋不一致。")))
            updates.append((row, case, changed))
    if result.errors or dry_run:
        transaction.set_rollback(True)  # a dry run may have made the missing names: undo them
        if not result.errors:
            result.created, result.updated = len(new_rows), len(updates)
        return
    created = _create_cases(new_rows, registry, actor=actor, progress=progress)
    links += [(case.pk, row.media_url) for row, case in zip(new_rows, created, strict=True) if row.media_url]
    hooks.keep_media_links(links=links, actor=actor)
    for done, (row, case, changed) in enumerate(updates, start=1):
        try:
            case_update(case_id=case.pk, actor=actor, expected_version=case.version, data=changed)
        except (CaseError, ValidationError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [error.message]
            result.errors.append(RowError(row.number, "external_id", " ".join(messages)))
        if progress and done % BATCH == 0:
            progress(len(new_rows) + done)
    if result.errors:
        transaction.set_rollback(True)
        result.unchanged = 0
        return
    result.created, result.updated = len(new_rows), len(updates)


def _create_cases(rows: list[Row], registry: Registry, *, actor, progress=None) -> list[Case]:
    """Insert new cases in batches: references from the counter (locked once), deadlines, a CREATED line each.
    Returns the cases in the order of `rows`."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        # The search index (GIN over character pairs) takes most of an import's time. Its new entries wait in a
        # pending list and are merged into it each time the list fills; a bigger list and more memory to sort
        # it make fewer, cheaper merges (measured on 20,000 rows: 16.5 s of index work → 12 s). Until commit.
        # (Dropping it and building it once after a big import gained nothing: at 100,000 rows the build alone
        # took 49 s, the import 82 s against 83.)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL gin_pending_list_limit = '16MB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")
    deadlines = Deadlines()
    # Like case_create, a case is numbered in the year it was received. The counter rows stay locked
    # (in year order, so two imports cannot deadlock) until the import commits: numbers stay unique and,
    # since a rollback returns them, gap-free.
    years = [timezone.localtime(row.values["received_at"]).year for row in rows]
    CaseCounter.objects.bulk_create([CaseCounter(year=year) for year in sorted(set(years))], ignore_conflicts=True)
    counters = {
        c.year: c
        for c in CaseCounter.objects.select_for_update(no_key=True).filter(year__in=set(years)).order_by("year")
    }
    references = []
    for year in years:
        counters[year].last += 1
        references.append(f"{settings.CASE_REFERENCE_PREFIX}-{year}-{counters[year].last:06d}")
    CaseCounter.objects.bulk_update(counters.values(), ["last"])
    note = _("批量导入")
    created = []
    for start in range(0, len(rows), BATCH):
        cases = []
        for offset, row in enumerate(rows[start : start + BATCH], start=start):
            case = Case(
                **_objects(row, registry),
                external_id=row.external_id,
                reference=references[offset],
                status=Status.NEW,
                urgency=Urgency.NORMAL,
                created_by=actor,
            )
            case.first_contact_due, case.due_at = deadlines.for_case(case.category, case.urgency, case.received_at)
            cases.append(case)
        Case.objects.bulk_create(cases)
        hooks.cases_written([(None, hooks.facts(case)) for case in cases])  # bulk_create passes by case_create
        created += cases
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case=case,
                kind=EventKind.CREATED,
                actor=actor,
                to_status=Status.NEW,
                note=note,
                case_version=1,
                created_at=case.received_at,
            )
            for case in cases
        )
        if progress:
            progress(start + len(cases))
    return created
