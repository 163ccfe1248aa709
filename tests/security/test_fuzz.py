"""Generated input (hypothesis) against the case form and the import: never a 500, never half-written."""

import csv
import io

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.importing import COLUMNS, ImportFileError, import_cases
from cases.models import Case, CaseCounter, CaseEvent, Channel, RequestType

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Text a person might paste: Chinese, markup, quotes, control characters, very long runs.
TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", " ", "电梯坏了", "<script>x</script>", "'; DROP TABLE cases_case; --", "\x00", "9" * 400]),
)
WHEN = st.one_of(
    TEXT,
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(["2024-02-30T10:00", "1900-01-01T00:00", "9999-12-31T23:59", "2024-06-01 08:30"]),
)
PHONE = st.one_of(TEXT, st.from_regex(r"\A(\+86 ?)?1[3-9]\d{9}\Z"), st.from_regex(r"\A0\d{2,3}-?\d{7,8}\Z"))
SOME_ID = st.one_of(st.integers(min_value=-(2**63), max_value=2**63), st.just(""), TEXT)


def written() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), sum(CaseCounter.objects.values_list("last", flat=True))


@pytest.mark.django_db
@FUZZ
@given(
    title=TEXT,
    description=TEXT,
    reporter_name=TEXT,
    reporter_phone=PHONE,
    address=TEXT,
    received_at=WHEN,
    urgency=st.one_of(st.sampled_from(["normal", "urgent", "critical"]), TEXT),
    category=st.one_of(st.just("valid"), SOME_ID),
    hood=st.one_of(st.just("valid"), SOME_ID),
    confidential=st.sampled_from(["", "on", "true", "垃圾"]),
)
def test_the_case_form_answers_every_input_without_a_crash_or_a_half_write(
    staff_client, neighbourhood, elevator_category, **fields
):
    data = {**fields, "reporter_confidential": fields.pop("confidential"), "neighbourhood": fields.pop("hood")}
    del data["hood"], data["confidential"]
    data["category"] = elevator_category.pk if data["category"] == "valid" else data["category"]
    data["neighbourhood"] = neighbourhood.pk if data["neighbourhood"] == "valid" else data["neighbourhood"]
    data["channel"] = Channel.objects.first().pk
    data["request_type"] = RequestType.objects.first().pk
    before = written()

    response = staff_client.post(reverse("cases:create"), data)

    assert response.status_code in (200, 302), response.status_code
    cases, events, numbers = written()
    if response.status_code == 302:
        assert (cases, events, numbers) == (before[0] + 1, before[1] + 1, before[2] + 1)
        assert Case.objects.order_by("-pk").first().title == data["title"].strip()
    else:
        assert (cases, events, numbers) == before, "a refused form must write nothing"


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


NAMES = st.sampled_from(["句容里居委会", "房屋管理›电梯", "电梯", "12345热线", "投诉", "不存在的名称", ""])
CELL = st.one_of(TEXT, NAMES, WHEN, PHONE)


@pytest.mark.django_db
@FUZZ
@given(
    header=st.lists(st.one_of(st.sampled_from(COLUMNS), TEXT), min_size=1, max_size=len(COLUMNS) + 2),
    rows=st.lists(st.lists(CELL, max_size=len(COLUMNS) + 2), max_size=6),
    create_missing=st.booleans(),
)
def test_the_import_writes_all_or_nothing_for_any_file(
    staff_user, neighbourhood, reference_data, header, rows, create_missing
):
    check_import_all_or_nothing(csv_bytes(header, rows), "fuzz.csv", staff_user, create_missing=create_missing)


def check_import_all_or_nothing(data: bytes, filename: str, actor, **options) -> None:
    before = written()
    try:
        result = import_cases(data, filename, actor=actor, **options)
    except ImportFileError:
        assert written() == before, "an unreadable file must write nothing"
        return
    cases, events, numbers = written()
    if result.errors:
        assert (cases, events, numbers) == before, "a file with a bad row must write nothing"
    else:
        assert cases - before[0] == result.created
        assert events - before[1] >= result.created
        assert numbers - before[2] == result.created


@pytest.mark.django_db
@FUZZ
@given(data=st.binary(max_size=400), filename=st.sampled_from(["a.csv", "a.xlsx", "a.txt", "a"]))
def test_the_import_refuses_unreadable_files_cleanly(staff_user, reference_data, data, filename):
    check_import_all_or_nothing(data, filename, staff_user)
