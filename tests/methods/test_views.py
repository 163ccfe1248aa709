import pytest
from django.urls import reverse

from methods import seed
from methods.models import Method
from methods.services import latest_version_id, method_update
from tests.methods.conftest import Spec, run_case


def form_data(method: Method, **changes) -> dict:
    data = {
        "number": method.number,
        "name": method.name,
        "motto": method.motto,
        "summary": method.summary,
        "when_to_use": method.when_to_use,
        "steps": method.steps,
        "example": method.example,
        "source": method.source,
        "categories": [c.pk for c in method.categories.all()],
        "is_active": "on" if method.is_active else "",
        "version": latest_version_id(method) or "",
        "reason": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value not in ("", None)}


def test_the_handbook_shows_how_many_of_its_fifteen_methods_are_written(staff_client, reference_data):
    seed.load()

    page = staff_client.get(reverse("methods:index")).content.decode()

    assert "已收录 5 / 15 个工作法" in page
    assert page.index("一线工作法") < page.index("钥匙工作法") < page.index("望闻问切工作法")
    assert reverse("methods:create") not in page


def test_the_handbook_invites_an_admin_to_add_the_rest(method_admin_client, reference_data):
    seed.load()

    page = method_admin_client.get(reverse("methods:index")).content.decode()

    assert reverse("methods:create") in page and "请依据汇编原文补录其余工作法" in page


def test_a_committee_member_reads_a_method_and_sees_only_their_neighbourhoods_cases(
    committee_client, staff_user, neighbourhood, other_neighbourhood, elevator_category, method, now
):
    run_case(Spec(elevator_category, method, age=5, took=1, title="本居民区电梯"), staff_user, neighbourhood, now)
    run_case(
        Spec(elevator_category, method, age=5, took=1, title="外居民区电梯", neighbourhood=other_neighbourhood),
        staff_user,
        neighbourhood,
        now,
    )

    response = committee_client.get(reverse("methods:detail", args=[method.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "本居民区电梯" in page and "外居民区电梯" not in page
    assert reverse("methods:edit", args=[method.pk]) not in page


@pytest.mark.parametrize("name", ["methods:edit", "methods:history"])
def test_pages_of_a_missing_method_are_not_found(method_admin_client, name):
    assert method_admin_client.get(reverse(name, args=[999])).status_code == 404


def test_only_the_handbook_admin_may_write(staff_client, method):
    version = latest_version_id(method)

    assert staff_client.get(reverse("methods:edit", args=[method.pk])).status_code == 403
    assert staff_client.post(reverse("methods:edit", args=[method.pk]), form_data(method)).status_code == 403
    assert staff_client.get(reverse("methods:create")).status_code == 403
    assert staff_client.post(reverse("methods:restore", args=[method.pk, version])).status_code == 403
    assert staff_client.get(reverse("methods:history", args=[method.pk])).status_code == 200


def test_an_admin_adds_a_method_and_its_first_version_names_them(method_admin_client, method_admin, method):
    response = method_admin_client.post(
        reverse("methods:create"),
        {"number": 6, "name": "新方法", "steps": "第一步\n第二步", "is_active": "on", "reason": "依据汇编补录"},
    )

    added = Method.objects.get(name="新方法")
    assert response.url == reverse("methods:detail", args=[added.pk])
    [first] = added.history.all()
    assert first.history_user == method_admin and first.history_change_reason == "依据汇编补录"
    assert added.step_list == ["第一步", "第二步"]


def test_a_number_already_used_is_refused_on_the_form(method_admin_client, method):
    response = method_admin_client.post(reverse("methods:create"), {"number": method.number, "name": "重号"})

    assert response.status_code == 200
    assert "number" in response.context["form"].errors
    assert not Method.objects.filter(name="重号").exists()


def test_an_edit_on_a_form_opened_before_someone_elses_save_is_refused(method_admin_client, method_admin, method):
    stale = form_data(method, steps="我的修改")
    method_update(method_id=method.pk, actor=method_admin, data={"steps": "别人的修改"}, expected_version=None)

    response = method_admin_client.post(reverse("methods:edit", args=[method.pk]), stale)

    assert "其他人已修改了该工作法" in response.content.decode()
    method.refresh_from_db()
    assert method.steps == "别人的修改"


def test_the_history_shows_who_changed_what_as_a_diff(method_admin_client, method_admin, method):
    method_update(
        method_id=method.pk, actor=method_admin, data={"steps": "深入实地\n分析<症结>"}, expected_version=None
    )

    page = method_admin_client.get(reverse("methods:history", args=[method.pk])).content.decode()

    assert "共 2 个版本" in page and "handbook" in page
    assert '<dd class="diff diff-text"><ins>深入实地\n分析&lt;症结&gt;</ins></dd>' in page


def test_restoring_brings_back_the_old_text_as_a_new_version(method_admin_client, method_admin, method):
    old = latest_version_id(method)
    method_update(method_id=method.pk, actor=method_admin, data={"motto": "新的一句话"}, expected_version=None)

    assert method_admin_client.get(reverse("methods:restore", args=[method.pk, old])).status_code == 405
    response = method_admin_client.post(reverse("methods:restore", args=[method.pk, old]))

    assert response.url == reverse("methods:detail", args=[method.pk])
    method.refresh_from_db()
    assert method.motto == "深入一线，打通每个环节"
    assert method.history.count() == 3
    assert method.history.first().history_change_reason.startswith("恢复到")


def test_restoring_a_number_that_another_method_now_uses_is_refused_with_a_message(
    method_admin_client, method_admin, method
):
    old = latest_version_id(method)
    method_update(method_id=method.pk, actor=method_admin, data={"number": 9}, expected_version=None)
    Method.objects.create(number=1, name="后来的工作法")

    response = method_admin_client.post(reverse("methods:restore", args=[method.pk, old]), follow=True)

    assert "编号" in response.content.decode()
    method.refresh_from_db()
    assert method.number == 9


def test_the_printable_booklet_lists_the_methods_in_use_in_order(staff_client, reference_data):
    seed.load()
    Method.objects.filter(name="三好工作法").update(is_active=False)

    page = staff_client.get(reverse("methods:print")).content.decode()

    assert "css/handbook-print.css" in page and "data-print" in page
    assert page.index("一线工作法") < page.index("钥匙工作法") < page.index("以心换心工作法")
    assert "三好工作法" not in page and "本册收录 4 / 15 个工作法" in page


def test_line_breaks_typed_in_a_browser_are_stored_as_plain_newlines(method_admin_client, method):
    method_admin_client.post(reverse("methods:edit", args=[method.pk]), form_data(method, steps="一\r\n二\r\n三"))

    method.refresh_from_db()
    assert method.steps == "一\n二\n三"


def test_a_handbook_admin_who_sees_no_cases_still_sees_the_sub_districts_record(
    method_admin_client, staff_user, neighbourhood, elevator_category, method, now
):
    run_case(Spec(elevator_category, method, age=9, took=4, visits=("satisfied",)), staff_user, neighbourhood, now)

    response = method_admin_client.get(reverse("methods:detail", args=[method.pk]))

    assert response.context["record"].total.resolved == 1
    assert response.context["case_count"] == 0
    assert "没有您可查看的案件" in response.content.decode()


def test_saving_the_form_unchanged_adds_no_version(method_admin_client, method):
    response = method_admin_client.post(reverse("methods:edit", args=[method.pk]), form_data(method), follow=True)

    assert method.history.count() == 1
    assert "内容没有变化" in response.content.decode()


def test_an_edit_of_text_and_categories_is_one_version_and_restoring_brings_the_categories_back(
    method_admin_client, method, elevator_category, noise_category
):
    method.categories.set([elevator_category])  # outside the services: simple-history records it as a version
    before = method.history.count()
    old = latest_version_id(method)

    method_admin_client.post(
        reverse("methods:edit", args=[method.pk]),
        form_data(method, motto="新的一句话", categories=[noise_category.pk]),
    )

    assert method.history.count() == before + 1
    page = method_admin_client.get(reverse("methods:history", args=[method.pk])).content.decode()
    assert "<del>房屋管理›电梯</del>、<ins>市容环境›油烟噪音</ins>" in page
    method_admin_client.post(reverse("methods:restore", args=[method.pk, old]))
    assert list(method.categories.all()) == [elevator_category]
    assert method.history.count() == before + 2


def test_each_seeded_method_starts_with_one_version_that_holds_its_categories(reference_data):
    seed.load()

    for method in Method.objects.all():
        [version] = method.history.all()
        assert {row.category_id for row in version.categories.all()} == {c.pk for c in method.categories.all()}


def test_the_history_diff_strikes_out_and_inserts_whole_words(method_admin_client, method_admin, method):
    method_update(
        method_id=method.pk, actor=method_admin, data={"steps": "深入实地，听取居民意见"}, expected_version=None
    )
    method_update(
        method_id=method.pk, actor=method_admin, data={"steps": "深入实际，听从业主意见"}, expected_version=None
    )

    page = method_admin_client.get(reverse("methods:history", args=[method.pk])).content.decode()

    # Character by character it read 深入实<del>地</del><ins>际</ins>，听<del>取居民</del><ins>从业主</ins>意见.
    assert "<del>深入实地</del><ins>深入实际</ins>，<del>听取居民</del><ins>听从业主</ins>意见" in page
