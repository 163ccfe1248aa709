"""The public progress lookup: the right pair shows progress, anything else the same generic answer, limited."""

import re

import pytest
from django.core.cache.backends import locmem
from django.test import Client
from django.urls import reverse

from cases.services import case_transition
from tests.conftest import independent_visitor, make_case
from tests.track.conftest import INTERNAL_RESOLUTION, PUBLIC_REPLY, work
from track.models import Lookup, LookupFailure
from track.services import progress_case

pytestmark = pytest.mark.django_db


def look(client, reference: str, last4: str, address: str = "10.0.0.1"):
    return client.post(reverse("track:lookup"), {"reference": reference, "phone_last4": last4}, REMOTE_ADDR=address)


def without_csrf(response) -> str:
    """The page with its CSRF tokens (form field and htmx header) blanked: they differ on every answer."""
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "", response.content.decode())


def test_the_lookup_page_opens_without_signing_in(client, db):
    response = client.get(reverse("track:lookup"))
    assert response.status_code == 200
    assert 'name="reference"' in response.content.decode()
    assert 'name="phone_last4"' in response.content.decode()


def test_the_right_pair_shows_the_steps_with_dates_the_unit_the_deadline_and_the_public_reply(client, resolved_case):
    response = look(client, resolved_case.reference.lower(), "5678")
    assert response.status_code == 200
    body = response.content.decode()
    assert resolved_case.reference in body
    assert "已办结" in body
    steps = re.findall(
        r'<li class="step([^"]*)">\s*<span class="step-label">(\S+)</span>\s*<span class="step-date">([^<]*)', body
    )
    assert [label for _, label, _ in steps] == ["受理", "派单", "办理", "办结", "回访"]
    assert [bool(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d", date)) for _, _, date in steps] == [True] * 4 + [False]
    assert "current" in steps[3][0]
    assert "区房管局" in body
    assert resolved_case.due_at.astimezone().strftime("%Y-%m-%d") in body
    assert PUBLIC_REPLY in body


def test_the_lookup_can_be_posted_directly_without_a_form_token(resolved_case):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("track:lookup"), {"reference": resolved_case.reference, "phone_last4": "5678"})
    assert response.status_code == 200
    assert resolved_case.reference in response.content.decode()


def test_an_open_case_shows_how_far_it_has_come_and_no_reply_yet(client, case, staff_user):
    work(case, staff_user, "dispatch", "accept")
    body = look(client, case.reference, "5678").content.decode()
    assert "已签收" in body
    assert body.count('class="step done') == 3
    assert 'class="public-reply"' not in body


def test_the_page_never_shows_a_name_a_phone_a_note_a_remark_or_the_residents_words(
    client, case, staff_user, committee_user, method, neighbourhood, elevator_category
):
    other = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        title="邻居投诉：楼上漏水",
        description="我是302的李先生，楼上天天漏水",
        reporter_name="李先生",
        reporter_phone="13900005678",
    )
    canaries = [
        case.reporter_name,
        case.reporter_phone,
        "138****5678",
        "1381234",
        case.title,
        case.description,
        INTERNAL_RESOLUTION,
        "内部备注：住户情绪激动",
        "居委会意见：建议联系区房管局",
        other.title,
        other.description,
        other.reporter_name,
        str(staff_user.last_name),
    ]
    case_transition(case_id=case.pk, actor=staff_user, action="note", note="内部备注：住户情绪激动")
    case_transition(case_id=case.pk, actor=committee_user, action="note", note="居委会意见：建议联系区房管局")
    pages = [look(client, case.reference, "5678")]
    for step in ("dispatch", "accept", "start", "resolve"):
        work(case, staff_user, step, method=method)
        pages.append(look(client, case.reference, "5678"))
    case_transition(
        case_id=case.pk,
        actor=independent_visitor(),
        action="visit",
        visit_result="unsatisfied",
        visit_reason="timeliness",
        note="嫌慢",
    )
    pages.append(look(client, case.reference, "5678"))
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        assert case.reference in body
        for canary in canaries:
            assert canary not in body, canary
        assert "嫌慢" not in body


def test_a_wrong_pair_and_an_unknown_reference_get_the_same_page_without_either(client, resolved_case):
    wrong = look(client, resolved_case.reference, "0000")
    unknown = look(client, "JN-2000-999999", "5678")
    assert wrong.status_code == unknown.status_code == 200
    assert without_csrf(wrong) == without_csrf(unknown)
    for response in (wrong, unknown):
        body = response.content.decode()
        assert "没有找到相符的记录" in body
        assert resolved_case.reference not in body and "JN-2000-999999" not in body
        assert "已办结" not in body
    assert LookupFailure.objects.count() == 2
    assert not Lookup.objects.exists()


def test_a_case_without_a_phone_cannot_be_looked_up(client, staff_user, neighbourhood, elevator_category):
    silent = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, reporter_phone="")
    assert "没有找到相符的记录" in look(client, silent.reference, "0000").content.decode()


def test_the_eleventh_failure_from_one_address_within_ten_minutes_gets_429(client, resolved_case):
    for number in range(10):
        assert look(client, f"JN-2000-{number:06d}", "1234").status_code == 200
    refused = look(client, resolved_case.reference, "5678")  # even the right pair: no oracle once limited
    assert refused.status_code == 429
    assert "10 分钟后再试" in refused.content.decode()
    assert resolved_case.reference not in refused.content.decode()
    assert look(client, resolved_case.reference, "5678", address="10.0.0.2").status_code == 200
    assert LookupFailure.objects.filter(limited=True).count() == 1
    assert LookupFailure.objects.filter(address="10.0.0.1").count() == 11


def test_the_eleventh_failure_for_one_reference_from_many_addresses_gets_429(client, resolved_case):
    for number in range(10):
        assert look(client, resolved_case.reference, f"{number:04d}", address=f"10.0.1.{number}").status_code == 200
    assert look(client, resolved_case.reference, "5678", address="10.0.2.1").status_code == 429
    assert LookupFailure.objects.filter(case=resolved_case).count() == 11


def test_the_limit_lifts_ten_minutes_after_the_first_failure(client, resolved_case, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(locmem.time, "time", lambda: now[0])
    for number in range(10):
        look(client, f"JN-2000-{number:06d}", "1234")
    assert look(client, resolved_case.reference, "5678").status_code == 429
    now[0] += 9 * 60
    assert look(client, resolved_case.reference, "5678").status_code == 429
    now[0] += 61
    assert look(client, resolved_case.reference, "5678").status_code == 200


def test_a_confidential_residents_case_is_looked_up_the_same_way_and_shows_nothing_more(
    client, staff_user, neighbourhood, elevator_category
):
    secret = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, reporter_confidential=True)
    body = look(client, secret.reference, "5678").content.decode()
    assert secret.reference in body and "受理" in body
    assert secret.reporter_name not in body and "保密" not in body


def test_a_merged_case_shows_its_masters_progress(case, staff_user, neighbourhood, elevator_category):
    master = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
    work(master, staff_user, "dispatch")
    case.merged_into_id = master.pk  # the field issue 16 adds; the lookup follows it when it is there
    assert progress_case(case) == master
    master.merged_into_id = case.pk  # a loop ends instead of spinning
    assert progress_case(master) in (case, master)


def test_staff_see_on_the_case_how_often_it_was_looked_up(staff_client, resolved_case):
    resident = Client()
    look(resident, resolved_case.reference, "5678")
    look(resident, resolved_case.reference, "5678")
    look(resident, resolved_case.reference, "1111")
    panel = staff_client.get(reverse("track:case_panel", args=[resolved_case.pk]))
    body = panel.content.decode()
    assert "诉求人已查询进度 2 次" in body
    assert "用本编号查询失败 1 次" in body
    detail = staff_client.get(reverse("cases:detail", args=[resolved_case.pk])).content.decode()
    assert reverse("track:case_panel", args=[resolved_case.pk]) in detail


def test_failures_are_listed_for_superusers_in_the_admin(client, superuser, resolved_case):
    look(client, "JN-2000-424242", "1234", address="10.9.9.9")
    client.force_login(superuser)
    page = client.get(reverse("admin:track_lookupfailure_changelist")).content.decode()
    assert "JN-2000-424242" in page and "10.9.9.9" in page


def test_the_lookup_speaks_english(client, resolved_case):
    page = client.get(reverse("track:lookup"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Progress lookup" in page and "Last four digits" in page
    found = client.post(
        reverse("track:lookup"),
        {"reference": resolved_case.reference, "phone_last4": "5678"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert all(word in found for word in ("Resolved", "Received", "Dispatch", "Handling", "Return visit"))
