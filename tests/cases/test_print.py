"""The printed work order (工单), the return-visit sheet (回访单) and the batch print of the case list."""

import re

from django.urls import reverse

from cases.models import Department
from cases.services import case_transition
from tests.conftest import make_case


def test_the_work_order_has_what_a_clerk_hands_over_and_the_masked_phone(staff_client, case, staff_user):
    department = Department.objects.order_by("sort_order").first()
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", lead_department=department)
    page = staff_client.get(reverse("printing:work_order", args=[case.pk])).content.decode()
    for expected in (case.reference, "福安大厦电梯老化需更换", "句容里居委会", "福安大厦", "1号楼", department.name):
        assert expected in page
    assert "138****5678" in page and "13812345678" not in page
    assert "承办人" in page and "审核人" in page
    assert "派单" in page  # a key step of the timeline
    assert page.count("<svg") == 1 and 'class="segno"' in page  # the QR code, drawn inline
    assert "site-header" not in page and "actions" not in page  # no navigation, no action sidebar


def test_the_printed_phone_stays_masked_right_after_a_reveal(staff_client, case):
    revealed = staff_client.post(reverse("cases:reveal_phone", args=[case.pk])).content.decode()
    assert "13812345678" in revealed
    page = staff_client.get(reverse("printing:work_order", args=[case.pk])).content.decode()
    assert "13812345678" not in page and "138****5678" in page


def test_the_qr_code_encodes_the_case_page(staff_client, case):
    import segno

    page = staff_client.get(reverse("printing:work_order", args=[case.pk])).content.decode()
    expected = segno.make(f"http://testserver{reverse('cases:detail', args=[case.pk])}", error="m")
    assert expected.svg_inline(scale=3, border=2, omitsize=False) in page


def test_the_case_page_print_button_opens_the_work_order(staff_client, case):
    page = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert re.search(rf'href="{reverse("printing:work_order", args=[case.pk])}"[^>]*>打印</a>', page)


def test_a_confidential_resident_is_not_printed_for_a_committee(
    client, committee_user, staff_user, neighbourhood, elevator_category
):
    case = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, reporter_confidential=True)
    client.force_login(committee_user)
    page = client.get(reverse("printing:work_order", args=[case.pk])).content.decode()
    assert "杨女士" not in page and "5678" not in page and "（保密）" in page


def test_the_visit_sheet_has_the_outcome_boxes_and_the_masked_phone(staff_client, case):
    page = staff_client.get(reverse("printing:visit_sheet", args=[case.pk])).content.decode()
    assert "回访单" in page and case.reference in page
    assert "满意" in page and "基本满意" in page and "不满意" in page and "回访人" in page
    assert "138****5678" in page and "13812345678" not in page


def test_another_neighbourhood_gets_404_for_the_printed_sheets(client, other_committee_user, case):
    client.force_login(other_committee_user)
    assert client.get(reverse("printing:work_order", args=[case.pk])).status_code == 404
    assert client.get(reverse("printing:visit_sheet", args=[case.pk])).status_code == 404


def test_the_batch_print_is_one_work_order_per_filtered_case(
    staff_client, staff_user, neighbourhood, other_neighbourhood, elevator_category, noise_category
):
    elevators = [make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category) for _ in range(3)]
    noise = make_case(staff_user, neighbourhood=other_neighbourhood, category=noise_category, title="油烟扰民")
    page = staff_client.get(reverse("printing:batch"), {"category": elevator_category.pk}).content.decode()
    assert page.count('<article class="sheet work-order">') == 3
    assert all(case.reference in page for case in elevators) and noise.reference not in page


def test_a_committees_batch_print_holds_only_its_own_neighbourhood(
    client, committee_user, staff_user, neighbourhood, other_neighbourhood, elevator_category
):
    own = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
    other = make_case(staff_user, neighbourhood=other_neighbourhood, category=elevator_category)
    client.force_login(committee_user)
    page = client.get(reverse("printing:batch")).content.decode()
    assert own.reference in page and other.reference not in page


def test_the_case_list_links_to_the_batch_print_with_its_filters(staff_client, elevator_category):
    page = staff_client.get(reverse("cases:list"), {"category": elevator_category.pk}).content.decode()
    assert f'href="{reverse("printing:batch")}?category={elevator_category.pk}"' in page


def test_the_batch_print_reads_the_same_number_of_queries_for_three_cases_or_thirty(
    staff_client, staff_user, neighbourhood, elevator_category
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(reverse("printing:batch")).status_code == 200
        return len(captured)

    for _ in range(3):
        case = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
        case_transition(case_id=case.pk, actor=staff_user, action="note", note="备注")
    few = queries()
    for _ in range(27):
        make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
    assert queries() == few


def test_the_work_order_shows_the_last_key_steps_oldest_first(staff_client, case, staff_user):
    for number in range(10):
        case_transition(case_id=case.pk, actor=staff_user, action="supervise", note=f"督办第{number}次")
    page = staff_client.get(reverse("printing:work_order", args=[case.pk])).content.decode()
    assert "督办第1次" not in page and "督办第2次" in page and "督办第9次" in page
    assert page.index("督办第2次") < page.index("督办第9次")
