"""The online return visit: a single-use link per resolution, stored hashed, that counts as a visit."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, Status
from cases.services import case_transition
from tests.conftest import independent_visitor, make_case
from tests.track.conftest import work
from track.models import VisitLink
from track.services import ONLINE_VISITOR, visit_link_for, visit_token

pytestmark = pytest.mark.django_db


def link_url(case) -> str:
    link = visit_link_for(case=case)
    return reverse("track:visit", args=[visit_token(link)])


def answer(url: str, result: str, reason: str = ""):
    return Client().post(url, {"result": result, "reason": reason})


def test_a_resolved_case_has_one_link_whose_token_is_stored_only_as_a_hash(resolved_case):
    first, again = visit_link_for(case=resolved_case), visit_link_for(case=resolved_case)
    assert first == again
    token = visit_token(first)
    row = VisitLink.objects.filter(pk=first.pk).values().get()
    assert token not in str(row)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["expires_at"] - row["created_at"] == timedelta(days=15)


def test_an_open_case_has_no_link(case):
    assert visit_link_for(case=case) is None


def test_the_link_page_asks_without_signing_in(resolved_case):
    page = Client().get(link_url(resolved_case))
    assert page.status_code == 200
    body = page.content.decode()
    assert resolved_case.reference in body
    assert all(label in body for label in ("满意", "基本满意", "不满意"))
    assert resolved_case.reporter_name not in body and resolved_case.description not in body


def test_a_satisfied_answer_closes_the_case_as_the_residents_own_online_visit(resolved_case):
    url = link_url(resolved_case)
    response = answer(url, "satisfied")
    assert response.status_code == 200
    assert "感谢您的评价" in response.content.decode()
    case = Case.objects.get(pk=resolved_case.pk)
    assert (case.status, case.visit_result) == (Status.CLOSED, "satisfied")
    assert case.closed_at is not None
    event = case.events.filter(action="visit").get()
    assert event.actor.username == ONLINE_VISITOR
    assert "线上回访" in event.note
    link = VisitLink.objects.get(case=case)
    assert (link.result, link.channel) == ("satisfied", "online")
    assert link.used_at is not None


def test_a_second_answer_is_refused_politely_and_changes_nothing(resolved_case):
    url = link_url(resolved_case)
    answer(url, "basically")
    again = answer(url, "unsatisfied", "其实不满意")
    assert again.status_code == 409
    assert "您已经完成了本次回访" in again.content.decode()
    case = Case.objects.get(pk=resolved_case.pk)
    assert (case.status, case.visit_result) == (Status.CLOSED, "basically")
    assert CaseEvent.objects.filter(case=case, action="visit").count() == 1
    reopened = Client().get(url)
    assert reopened.status_code == 200 and "您已经完成了本次回访" in reopened.content.decode()


def test_unsatisfied_needs_a_reason(resolved_case):
    url = link_url(resolved_case)
    response = answer(url, "unsatisfied")
    assert response.status_code == 400
    assert "哪里不满意" in response.content.decode()
    assert Case.objects.get(pk=resolved_case.pk).status == Status.RESOLVED


def test_unsatisfied_sends_the_case_back_to_rework_exactly_as_a_phone_visit_does(
    resolved_case, staff_user, neighbourhood, elevator_category, method
):
    by_phone = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
    work(by_phone, staff_user, "dispatch", "accept", "start", "resolve", method=method)
    case_transition(
        case_id=by_phone.pk,
        actor=independent_visitor(),
        action="visit",
        visit_result="unsatisfied",
        visit_reason="other",
        note="电梯仍异响",
    )
    assert answer(link_url(resolved_case), "unsatisfied", "电梯仍异响").status_code == 200
    online, phone = Case.objects.get(pk=resolved_case.pk), Case.objects.get(pk=by_phone.pk)
    fields = ("status", "visit_result", "rework_count", "resolved_at", "closed_at")
    assert [getattr(online, name) for name in fields] == [getattr(phone, name) for name in fields]
    assert online.status == Status.IN_PROGRESS and online.rework_count == 1
    event = online.events.filter(action="visit").get()
    assert (event.from_status, event.to_status) == (Status.RESOLVED, Status.IN_PROGRESS)
    assert "电梯仍异响" in event.note


def test_after_rework_the_next_resolution_gets_a_new_link_and_the_old_one_is_spent(resolved_case, staff_user, method):
    old = link_url(resolved_case)
    answer(old, "unsatisfied", "没修好")
    case = work(Case.objects.get(pk=resolved_case.pk), staff_user, "resolve", method=method)
    new = link_url(case)
    assert new != old
    assert answer(old, "satisfied").status_code == 409
    assert answer(new, "satisfied").status_code == 200
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_the_link_expires_after_fifteen_days(resolved_case):
    url = link_url(resolved_case)
    VisitLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "已过期" in Client().get(url).content.decode()
    assert answer(url, "satisfied").status_code == 410
    assert Case.objects.get(pk=resolved_case.pk).status == Status.RESOLVED


def test_a_link_is_refused_once_the_case_was_visited_by_phone(resolved_case, staff_user):
    url = link_url(resolved_case)
    case_transition(case_id=resolved_case.pk, actor=independent_visitor(), action="visit", visit_result="satisfied")
    assert answer(url, "unsatisfied", "想改主意").status_code == 409
    assert Case.objects.get(pk=resolved_case.pk).visit_result == "satisfied"


def test_an_unknown_or_malformed_token_is_not_found(db):
    assert Client().get(reverse("track:visit", args=["0" * 40])).status_code == 404
    assert Client().get(reverse("track:visit", args=["nope"])).status_code == 404


def test_the_online_visitor_account_cannot_sign_in(resolved_case):
    answer(link_url(resolved_case), "satisfied")
    client = Client()
    assert not client.login(username=ONLINE_VISITOR, password="")
    visitor = CaseEvent.objects.get(action="visit").actor
    assert not visitor.is_active and not visitor.has_usable_password()


def test_staff_and_the_committee_see_the_link_on_the_case_page_other_committees_do_not(
    resolved_case, staff_client, committee_user, other_committee_user
):
    url = link_url(resolved_case)
    panel = staff_client.get(reverse("track:case_panel", args=[resolved_case.pk])).content.decode()
    assert f"http://testserver{url}" in panel
    committee = Client()
    committee.force_login(committee_user)
    assert url in committee.get(reverse("track:case_panel", args=[resolved_case.pk])).content.decode()
    other = Client()
    other.force_login(other_committee_user)
    assert other.get(reverse("track:case_panel", args=[resolved_case.pk])).status_code == 404


def test_the_case_page_shows_the_online_answer(resolved_case, staff_client):
    answer(link_url(resolved_case), "unsatisfied", "电梯还是响")
    panel = staff_client.get(reverse("track:case_panel", args=[resolved_case.pk])).content.decode()
    assert "不满意" in panel and "电梯还是响" in panel
