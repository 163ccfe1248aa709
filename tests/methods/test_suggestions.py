import pytest

from methods.models import Method
from methods.selectors import suggest_methods
from tests.methods.conftest import Spec, run_case

QUERY = "福安大厦电梯老化需要更换，物业撤场后维保无人负责"
SIMILAR = ("电梯老化需要更换", "大楼电梯老化，物业撤场，维保无人负责，需要更换")
OTHER = ("电梯按钮不灵", "轿厢里按钮失灵，按了没有反应")


@pytest.fixture
def third_method(db):
    return Method.objects.create(number=3, name="三好工作法")


def run(specs, staff_user, neighbourhood, now):
    for spec in specs:
        run_case(spec, staff_user, neighbourhood, now)


def spec(category, method, text, **extra):
    title, description = text
    return Spec(category, method, title=title, description=description, **extra)


def test_the_method_that_resolved_the_most_similar_cases_comes_first(
    staff_user, neighbourhood, elevator_category, method, other_method, third_method, now
):
    done = {"took": 2, "visits": ("satisfied",)}
    run(
        [spec(elevator_category, method, SIMILAR, age=30 + i, **done) for i in range(2)]
        + [spec(elevator_category, other_method, OTHER, age=40 + i, **done) for i in range(3)]
        + [spec(elevator_category, third_method, SIMILAR, age=50, **done)],
        staff_user,
        neighbourhood,
        now,
    )

    suggestions = suggest_methods(category=elevator_category, text=QUERY)

    # two similar cases beat one; one similar case outweighs three about something else
    assert [s.method for s in suggestions] == [method, third_method, other_method]
    assert suggestions[0].score > suggestions[1].score > suggestions[2].score
    assert suggestions[0].reason == "近一年同类“电梯”案件 2 件用此方法办结，其中 2 件内容相近，满意率 100%"
    assert suggestions[2].reason == "近一年同类“电梯”案件 3 件用此方法办结，其中 0 件内容相近，满意率 100%"


def test_without_text_the_method_that_worked_most_often_comes_first(
    staff_user, neighbourhood, elevator_category, method, other_method, now
):
    run(
        [spec(elevator_category, method, SIMILAR, age=30, took=2, visits=("satisfied",))]
        + [spec(elevator_category, other_method, OTHER, age=40 + i, took=2, visits=("basically",)) for i in range(2)]
        + [spec(elevator_category, other_method, OTHER, age=45, took=2)],
        staff_user,
        neighbourhood,
        now,
    )

    suggestions = suggest_methods(category=elevator_category, limit=1)

    assert [s.method for s in suggestions] == [other_method]
    assert suggestions[0].reason == "近一年同类“电梯”案件 3 件用此方法办结，满意率 100%"


def test_a_new_sub_district_without_history_gets_no_suggestion(
    staff_user, neighbourhood, elevator_category, method, now
):
    run([spec(elevator_category, method, SIMILAR, age=3)], staff_user, neighbourhood, now)  # logged, not resolved

    assert suggest_methods(category=elevator_category, text=QUERY) == []
    assert suggest_methods(category=None, text=QUERY) == []


def test_only_last_years_resolved_cases_of_the_same_category_count_as_evidence(
    staff_user, neighbourhood, elevator_category, noise_category, method, other_method, third_method, now
):
    third_method.is_active = False
    third_method.save()
    run(
        [spec(noise_category, method, SIMILAR, age=20, took=2, visits=("satisfied",))]
        + [spec(elevator_category, other_method, SIMILAR, age=400, took=2, visits=("satisfied",))]
        + [spec(elevator_category, third_method, SIMILAR, age=20, took=2, visits=("satisfied",))],
        staff_user,
        neighbourhood,
        now,
    )

    assert suggest_methods(category=elevator_category, text=QUERY) == []
    assert [s.method for s in suggest_methods(category=noise_category, text=QUERY)] == [method]


def test_a_reason_says_when_no_case_has_had_its_return_visit(staff_user, neighbourhood, elevator_category, method, now):
    run([spec(elevator_category, method, SIMILAR, age=10, took=2)], staff_user, neighbourhood, now)

    [suggestion] = suggest_methods(category=elevator_category)

    assert suggestion.reason == "近一年同类“电梯”案件 1 件用此方法办结，尚无回访结果"
    assert suggestion.satisfaction_rate is None
