"""`manage.py anonymise_residents`: old closed cases lose their personal data, keep their statistics."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases.models import Case, CaseEvent, EventKind, Status
from cases.personal import ID_REMOVED, PHONE_REMOVED, scrub_numbers
from cases.services import case_update
from ops.privacy import NOTE
from tests.security.conftest import local

DESCRIPTION = (
    "杨女士（身份证310104195703124428）反映电梯故障，请回电 138 1234 5678 或 021-62181234，"
    "家里电话：62185678。电梯已运行23年，2001年投用。"
)


def anonymise(*args) -> str:
    out = StringIO()
    call_command("anonymise_residents", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话13812345678", f"电话{PHONE_REMOVED}"),
        ("+86 138-1234-5678 找我", f"{PHONE_REMOVED} 找我"),
        ("座机 021-62181234 分机", f"座机 {PHONE_REMOVED} 分机"),
        ("联系电话：62181234", f"联系电话：{PHONE_REMOVED}"),
        ("证件31010419570312442X。", f"证件{ID_REMOVED}。"),
        ("电梯已运行23年，2001年投用，维修费120000元", "电梯已运行23年，2001年投用，维修费120000元"),
        ("工单号 20200315123", "工单号 20200315123"),
    ],
)
def test_phone_and_id_numbers_in_free_text_are_found_and_nothing_else(text, expected):
    assert scrub_numbers(text) == expected


def test_old_closed_cases_lose_personal_data_but_keep_their_statistics(closed_case_factory, staff_user, superuser):
    old = closed_case_factory(closed_at=local(2023, 6, 1), description=DESCRIPTION, address="福安大厦1号楼 13900001111")
    case_update(case_id=old.pk, actor=staff_user, expected_version=old.version, data={"reporter_phone": "13987654321"})
    recent = closed_case_factory(closed_at=local(2024, 3, 1), description=DESCRIPTION)
    events_before = CaseEvent.objects.filter(case=old).count()

    output = anonymise("--closed-before", "2024-01-01")

    assert "1 of 1 closed cases anonymised" in output
    old.refresh_from_db()
    assert (old.reporter_name, old.reporter_phone) == ("", "")
    assert "138" not in old.description and "310104" not in old.description and "62185678" not in old.description
    assert "电梯已运行23年，2001年投用" in old.description
    assert old.address == f"福安大厦1号楼 {PHONE_REMOVED}"
    assert (old.status, old.category_id, old.neighbourhood_id, old.visit_result) == (
        Status.CLOSED,
        recent.category_id,
        recent.neighbourhood_id,
        "satisfied",
    )
    assert old.closed_at == local(2023, 6, 1)
    timeline = CaseEvent.objects.filter(case=old)
    assert timeline.count() == events_before + 1
    assert timeline.filter(kind=EventKind.NOTE, note=NOTE, actor=superuser).count() == 1
    assert not any(
        "13987654321" in str(changes) or "13812345678" in str(changes)
        for changes in timeline.values_list("changes", flat=True)
    )
    recent.refresh_from_db()
    assert recent.reporter_phone == "13812345678" and "13812345678" not in recent.description
    assert "138 1234 5678" in recent.description


def test_running_it_twice_changes_nothing_more(closed_case_factory, superuser):
    case = closed_case_factory(closed_at=local(2023, 6, 1), description=DESCRIPTION)
    anonymise("--closed-before", "2024-01-01")
    version = Case.objects.get(pk=case.pk).version
    assert "0 of 1 closed cases anonymised" in anonymise("--closed-before", "2024-01-01")
    assert Case.objects.get(pk=case.pk).version == version
    assert CaseEvent.objects.filter(case=case, note=NOTE).count() == 1


def test_a_dry_run_counts_without_changing_anything(closed_case_factory, superuser):
    case = closed_case_factory(closed_at=local(2023, 6, 1))
    output = anonymise("--closed-before", "2024-01-01", "--dry-run")
    assert f"would anonymise {case.reference}" in output
    assert "1 of 1 closed cases would be anonymised (dry run)" in output
    case.refresh_from_db()
    assert case.reporter_phone == "13812345678"
    assert not CaseEvent.objects.filter(case=case, note=NOTE).exists()


def test_open_and_resolved_cases_are_left_alone(case, superuser):
    anonymise("--closed-before", "2999-01-01")
    case.refresh_from_db()
    assert case.reporter_name == "杨女士" and case.reporter_phone == "13812345678"


def test_the_notes_are_written_by_the_named_staff_member(closed_case_factory, staff_user):
    case = closed_case_factory(closed_at=local(2023, 6, 1))
    anonymise("--closed-before", "2024-01-01", "--actor", staff_user.username)
    assert CaseEvent.objects.get(case=case, note=NOTE).actor == staff_user


def test_a_committee_member_cannot_be_the_actor(closed_case_factory, committee_user):
    closed_case_factory(closed_at=local(2023, 6, 1))
    with pytest.raises(CommandError, match="not street-office staff"):
        anonymise("--closed-before", "2024-01-01", "--actor", committee_user.username)


def test_a_malformed_date_is_refused(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD|2024-01-31"):
        anonymise("--closed-before", "01/01/2024")
