import pytest
from django.urls import reverse

from methods.models import Method
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_handbook_admin_edits_a_method_and_restores_the_earlier_version(page, method_admin, method):
    Method.objects.filter(pk=method.pk).update(steps="深入实地\n分析症结")
    method.refresh_from_db()
    method.save()  # the version the admin will come back to
    sign_in(page, "handbook")
    page.wait_for_url("**/")

    page.goto(reverse("methods:edit", args=[method.pk]))
    page.fill("#id_steps", "深入实地\n听取居民意见\n分析症结")
    page.fill("#id_reason", "补充一步")
    page.click("form.method-form button[type=submit]")

    page.wait_for_url(f"**{reverse('methods:detail', args=[method.pk])}")
    assert page.locator(".method-steps li").all_inner_texts() == ["深入实地", "听取居民意见", "分析症结"]

    page.get_by_role("link", name="修改记录").click()
    versions = page.locator("li.version")
    assert "补充一步" in versions.nth(0).inner_text()
    assert versions.count() == 3  # created, the old steps, the edit
    assert page.locator(".diff ins").first.inner_text() == "听取居民意见\n"
    assert "handbook" in versions.nth(0).inner_text()

    page.once("dialog", lambda dialog: dialog.accept())
    versions.nth(1).locator("button", has_text="恢复此版本").click()

    page.wait_for_url(f"**{reverse('methods:detail', args=[method.pk])}")
    assert page.locator(".method-steps li").all_inner_texts() == ["深入实地", "分析症结"]
    assert "已恢复该版本" in page.locator(".messages").inner_text()
    assert method.history.count() == 4


def test_a_staff_member_opening_the_edit_page_is_refused(page, staff_user, method):
    sign_in(page, "staff")
    page.wait_for_url("**/")

    response = page.goto(reverse("methods:edit", args=[method.pk]))

    assert response.status == 403
