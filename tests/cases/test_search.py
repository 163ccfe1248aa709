"""Chinese substring search on the case list. Run on SQLite and on PostgreSQL (DATABASE_URL)."""

import pytest
from django.urls import reverse

from tests.conftest import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are made per test; the production hasher would spend most of the run hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cases(staff_user, neighbourhood, elevator_category, noise_category):
    return {
        "elevator": make_case(
            staff_user,
            neighbourhood=neighbourhood,
            category=elevator_category,
            title="老旧电梯更换",
            description="住户反映",
        ),
        "inside": make_case(
            staff_user,
            neighbourhood=neighbourhood,
            category=noise_category,
            title="楼道堆物",
            description="三楼住户在楼道堆放杂物，影响电梯口通行",
        ),
        "noise": make_case(
            staff_user, neighbourhood=neighbourhood, category=noise_category, title="饭店油烟", description="油烟扰民"
        ),
    }


def found(client, query):
    response = client.get(reverse("cases:list"), {"q": query})
    assert response.status_code == 200
    return {case.reference for case in response.context["page"].object_list}


def test_a_chinese_word_finds_it_inside_titles_and_descriptions(staff_client, cases):
    assert found(staff_client, "电梯") == {cases["elevator"].reference, cases["inside"].reference}


def test_a_single_character_and_a_full_title_are_found(staff_client, cases):
    assert cases["noise"].reference in found(staff_client, "烟")
    assert found(staff_client, "老旧电梯更换") == {cases["elevator"].reference}


def test_several_words_must_all_match(staff_client, cases):
    assert found(staff_client, "电梯 杂物") == {cases["inside"].reference}


def test_the_reference_number_finds_its_case(staff_client, cases):
    assert found(staff_client, cases["noise"].reference) == {cases["noise"].reference}
    assert found(staff_client, cases["noise"].reference.lower()) == {cases["noise"].reference}


def test_nothing_matches_a_word_that_is_not_there(staff_client, cases):
    assert found(staff_client, "停车") == set()
    assert "共 0 件" in staff_client.get(reverse("cases:list"), {"q": "停车"}).text


def test_search_and_filters_combine(staff_client, cases, noise_category):
    response = staff_client.get(reverse("cases:list"), {"q": "电梯", "category": noise_category.pk})
    assert {c.reference for c in response.context["page"].object_list} == {cases["inside"].reference}
