"""In Chromium: photos uploaded from the case page appear as thumbnails; the work order prints on one A4 page."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from attachments.models import Attachment
from tests.attachments.conftest import jpeg_with_gps
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A4_POINTS = (595.3, 841.9)


def test_two_photos_uploaded_from_the_case_page_show_as_thumbnails(page, case, staff_user):
    sign_in(page, "staff")
    page.wait_for_url("**/")
    page.goto(f"/cases/{case.pk}/")
    photos = [
        {"name": "墙面裂缝.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps(colour=(180, 40, 40))},
        {"name": "楼道堵塞.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps(colour=(40, 40, 180))},
    ]
    page.locator("[data-upload-input]:not([capture])").set_input_files(photos)
    assert page.locator("[data-upload-chosen]").inner_text() == "墙面裂缝.jpg、楼道堵塞.jpg"
    page.locator("form[data-upload] button[type=submit]").click()
    expect(page.locator("[data-upload-list] li.done")).to_have_count(2)
    thumbnails = page.locator("[data-gallery] img")
    expect(thumbnails).to_have_count(2)
    for index in range(2):  # each thumbnail was fetched and decoded by the browser
        expect(thumbnails.nth(index)).to_have_js_property("complete", True)
        assert thumbnails.nth(index).evaluate("img => img.naturalWidth") > 0
    assert Attachment.objects.filter(case=case).count() == 2
    assert page.locator("[data-upload-list] progress").evaluate_all("bars => bars.map(bar => bar.value)") == [100, 100]

    # After a reload the photos are in the gallery and at their timeline lines.
    page.reload()
    assert page.locator("[data-gallery] img").count() == 2
    assert page.locator("#timeline .event-thumb").count() == 2


def test_a_refused_file_gets_its_own_message_beside_the_accepted_one(page, case, staff_user):
    sign_in(page, "staff")
    page.wait_for_url("**/")
    page.goto(f"/cases/{case.pk}/")
    files = [
        {"name": "照片.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()},
        {"name": "照片2.jpg", "mimeType": "image/jpeg", "buffer": b"<svg xmlns='http://www.w3.org/2000/svg'/>"},
    ]
    page.locator("[data-upload-input]:not([capture])").set_input_files(files)
    page.locator("form[data-upload] button[type=submit]").click()
    expect(page.locator("[data-upload-list] li.done, [data-upload-list] li.rejected")).to_have_count(2)
    assert "不接受 SVG 文件" in page.locator("[data-upload-list] li.rejected").inner_text()
    assert page.locator("[data-gallery] img").count() == 1


def test_the_work_order_prints_on_exactly_one_a4_page_with_the_masked_phone(page, case, staff_user):
    # A long demand and a long timeline still fit: the sheet cuts what does not, it never runs onto a page 2.
    from cases.services import case_transition, case_update

    case = case_update(
        case_id=case.pk,
        actor=staff_user,
        expected_version=case.version,
        data={"description": "电梯故障频繁，" * 150, "address": "江宁路 1号楼 2单元"},
    )
    for number in range(12):
        case_transition(case_id=case.pk, actor=staff_user, action="supervise", note=f"第 {number + 1} 次督办。" * 8)
    sign_in(page, "staff")
    page.wait_for_url("**/")
    page.goto(f"/cases/{case.pk}/")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="打印").click()
    sheet = opened.value
    sheet.wait_for_load_state()
    assert "/print/" in sheet.url
    pdf = sheet.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    # A4 is 210 × 297 mm = 595.3 × 841.9 points; Chromium rounds the width to whole points.
    assert abs(float(box.width) - A4_POINTS[0]) < 1 and abs(float(box.height) - A4_POINTS[1]) < 1
    text = reader.pages[0].extract_text()
    assert case.reference in text
    assert "138****5678" in text and "13812345678" not in text


def test_the_batch_print_is_one_a4_page_per_case(page, staff_user, neighbourhood, elevator_category):
    from tests.conftest import make_case

    cases = [make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category) for _ in range(3)]
    sign_in(page, "staff")
    page.wait_for_url("**/")
    page.goto(f"/cases/print/?category={elevator_category.pk}")
    reader = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    assert len(reader.pages) == 3
    texts = [p.extract_text() for p in reader.pages]
    assert sorted(next(c.reference for c in cases if c.reference in text) for text in texts) == sorted(
        c.reference for c in cases
    )
