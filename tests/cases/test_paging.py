"""The case list's pages at scale (cases/paging.py): a search in relevance order read level by level gives exactly
the ranked order, and a large total is shown as an estimate. Run on SQLite and on PostgreSQL (DATABASE_URL)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import paging
from cases.models import Case
from tests.conftest import make_case, require

pytestmark = pytest.mark.django_db

# (title, description): every one holds 电梯 and 更换 somewhere, at a different level of relevance.
TEXTS = [
    ("福安大厦电梯更换", "住户反映"),  # the phrase in the title
    ("电梯需要更换", "两部电梯更换"),  # both words in the title, the phrase in the description
    ("老旧设备", "电梯更换无人负责"),  # the phrase in the description only
    ("电梯老化", "需要尽快更换"),  # one word in the title
    ("设备老化", "电梯需要更换"),  # words in the description, apart
]


@pytest.fixture
def many(staff_user, neighbourhood, elevator_category):
    """Three of each kind, received at different hours, so that the order within a level is by date."""
    now = timezone.now()
    made = []
    for round_ in range(3):
        for index, (title, description) in enumerate(TEXTS):
            made.append(
                make_case(
                    staff_user,
                    neighbourhood=neighbourhood,
                    category=elevator_category,
                    title=title,
                    description=description,
                    received_at=now - timedelta(hours=1 + round_ * 10 + index),
                )
            )
    return made


def listed(client, params) -> list[str]:
    response = client.get(reverse("cases:list"), params)
    assert response.status_code == 200
    return [case.reference for case in response.context["page"].object_list]


def every_page(client, query: str, monkeypatch, size: int) -> list[str]:
    monkeypatch.setattr("cases.views.PAGE_SIZE", size)
    references, number = [], 1
    while True:
        response = client.get(reverse("cases:list"), {"q": query, "page": number})
        references += [case.reference for case in response.context["page"].object_list]
        if not response.context["page"].has_next():
            return references
        number += 1


@pytest.mark.parametrize("query", ["电梯更换", "电梯 更换", "电梯", "更换"])
def test_reading_the_levels_gives_the_ranked_order_page_by_page(staff_client, many, monkeypatch, query):
    ranked = [case.reference for case in Case.objects.search(query).order_by("-search_rank", "-received_at", "-id")]
    assert len(ranked) == len(many)
    monkeypatch.setattr(paging, "RANK_IN_ONE_QUERY_UP_TO", 0)  # always by levels
    for size in (1, 4, 7, 25):
        assert every_page(staff_client, query, monkeypatch, size) == ranked, size


def test_the_best_level_comes_first_newest_first(staff_client, many, monkeypatch):
    monkeypatch.setattr(paging, "RANK_IN_ONE_QUERY_UP_TO", 0)
    order = listed(staff_client, {"q": "电梯更换"})
    as_typed = [case.reference for case in many if case.title == "福安大厦电梯更换"]
    assert order[:3] == as_typed  # made newest first


def test_a_large_total_is_an_estimate_without_a_last_page(staff_client, many, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_UP_TO", 4)
    monkeypatch.setattr("cases.views.PAGE_SIZE", 5)
    response = staff_client.get(reverse("cases:list"))
    page = response.context["page"]
    if connection.vendor == "postgresql":
        assert page.estimated
        assert "约" in response.content.decode()
        assert "末页" not in response.content.decode()
        assert page.paginator.count > 4
    else:  # SQLite has no planner estimate to show: it counts
        assert not page.estimated
        assert page.paginator.count == len(many)
    assert len(page.object_list) == 5 and page.has_next()


def test_a_small_total_is_exact(staff_client, many):
    response = staff_client.get(reverse("cases:list"), {"q": "福安大厦"})
    assert not response.context["page"].estimated
    assert response.context["page"].paginator.count == 3
    assert "共 3 件" in response.content.decode()


def test_an_estimated_last_page_that_is_not_full_has_no_next(staff_client, many, monkeypatch):
    require(connection.vendor == "postgresql", "totals are estimated on PostgreSQL only (set DATABASE_URL)")
    monkeypatch.setattr(paging, "EXACT_UP_TO", 2)
    monkeypatch.setattr(paging, "_planner_rows", lambda queryset: 1000)  # a planner far off
    monkeypatch.setattr("cases.views.PAGE_SIZE", 10)
    response = staff_client.get(reverse("cases:list"), {"page": 2})
    page = response.context["page"]
    assert page.estimated
    assert len(page.object_list) == len(many) - 10
    assert not page.has_next()


def test_a_run_of_single_characters_is_one_word(staff_client, staff_user, neighbourhood, elevator_category):
    trapped = make_case(
        staff_user, neighbourhood=neighbourhood, category=elevator_category, title="电梯困人", description="无"
    )
    make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        title="电梯停运",
        description="老人被困家中",  # 困 and 人 apart
    )
    assert listed(staff_client, {"q": "电梯困人"}) == [trapped.reference]
    assert len(listed(staff_client, {"q": "电梯 困 人"})) == 2  # spaces keep them apart


def test_a_reference_is_found_by_number_and_where_a_text_quotes_it(
    staff_client, staff_user, neighbourhood, elevator_category
):
    first = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title="电梯停运")
    quoting = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        title="重复来电",
        description=f"同 {first.reference.lower()} 一事",
    )
    assert set(listed(staff_client, {"q": first.reference})) == {first.reference, quoting.reference}


def test_rows_on_a_page_add_no_query(staff_client, many, monkeypatch):
    """The level of the phrase in the title holds three cases: a page of one or of three costs the same queries
    (each further level reached costs a fixed few, and there are at most 2 × words + 3 levels)."""
    monkeypatch.setattr(paging, "RANK_IN_ONE_QUERY_UP_TO", 0)
    counts = []
    for size in (1, 3):
        monkeypatch.setattr("cases.views.PAGE_SIZE", size)
        staff_client.get(reverse("cases:list"), {"q": "电梯更换"})
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(reverse("cases:list"), {"q": "电梯更换"})
        assert len(response.context["page"].object_list) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
