"""Chinese substring search on the case list. Run on SQLite and on PostgreSQL (DATABASE_URL)."""

import pytest
from django.urls import reverse

from tests.conftest import make_case

pytestmark = pytest.mark.django_db


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


def test_having_every_character_pair_of_a_word_is_not_enough(staff_client, staff_user, neighbourhood, noise_category):
    # "民区居民" holds both pairs of the word "居民区" (居民, 民区) but not the word itself.
    make_case(staff_user, neighbourhood=neighbourhood, category=noise_category, title="民区居民", description="x")
    assert found(staff_client, "居民区") == set()
    assert len(found(staff_client, "民区居民")) == 1


def test_a_query_without_spaces_is_split_into_words_that_must_all_match(
    staff_client, staff_user, neighbourhood, elevator_category, noise_category
):
    two_lifts = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        title="福安大厦两部电梯运行23年",
        description="物业撤场，无人维保。",
    )
    make_case(
        staff_user, neighbourhood=neighbourhood, category=noise_category, title="福安大厦楼道堆物", description="杂物"
    )
    assert found(staff_client, "福安大厦电梯") == {two_lifts.reference}
    assert found(staff_client, "电梯，福安大厦？") == {two_lifts.reference}  # punctuation is not a word


def test_closer_matches_come_first(staff_client, staff_user, neighbourhood, elevator_category):
    scattered = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        title="两部老旧设备",
        description="大厦的电梯需要更换，福安物业已撤场。",
    )
    words_in_title = make_case(
        staff_user, neighbourhood=neighbourhood, category=elevator_category, title="福安大厦两部电梯需更换"
    )
    as_typed = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, title="福安大厦电梯更换")
    response = staff_client.get(reverse("cases:list"), {"q": "福安大厦电梯"})
    order = [case.reference for case in response.context["page"].object_list]
    assert order == [as_typed.reference, words_in_title.reference, scattered.reference]
    # A sort the user picks replaces that order.
    response = staff_client.get(reverse("cases:list"), {"q": "福安大厦电梯", "sort": "reference"})
    assert [case.reference for case in response.context["page"].object_list] == sorted(order)


def test_latin_letters_match_in_any_case(staff_client, staff_user, neighbourhood, noise_category):
    case = make_case(staff_user, neighbourhood=neighbourhood, category=noise_category, title="楼道LED灯坏了")
    assert found(staff_client, "led灯") == {case.reference}
    assert found(staff_client, "Led") == {case.reference}


def test_postgresql_narrows_through_the_pair_index_and_sqlite_uses_like(db):
    from django.db import connection

    from cases.models import Case

    sql = str(Case.objects.search("电梯").query)
    assert ("case_bigrams" in sql) == (connection.vendor == "postgresql")
    assert "case_bigrams" not in str(Case.objects.search("烟").query)  # one character: no pair to look up


PAIR_TEXTS = ["", "x", "ab", "老旧电梯更换", "电梯电梯 电梯", "楼道LED灯坏了", "🙂表情🙂", "a\tb\nc"]


@pytest.mark.parametrize("text", PAIR_TEXTS)
def test_the_index_function_gives_the_pairs_python_gives(db, text):
    """The pairs the GIN index stores (case_bigrams, PostgreSQL) are the pairs the search looks up (bigrams)."""
    from django.db import connection

    from cases.models import bigrams
    from tests.conftest import require

    require(connection.vendor == "postgresql", "case_bigrams() is PostgreSQL's (set DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT case_bigrams(lower(%s))", [text])
        (pairs,) = cursor.fetchone()
        cursor.execute("SELECT procost FROM pg_proc WHERE proname = 'case_bigrams'")
        (cost,) = cursor.fetchone()
    assert sorted(set(pairs)) == bigrams(text)
    assert cost == 20000  # the planner's cost survives the function's replacement
