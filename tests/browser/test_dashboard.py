import re

import pytest
from django.urls import reverse

from tests.conftest import sign_in
from tests.dashboards.conftest import cases, team  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_committee_member_reads_the_charts_and_drills_down_to_the_matching_cases(page, committee_user, cases):  # noqa: F811
    sign_in(page, "committee")
    page.wait_for_url("**/")
    page.goto(reverse("dashboards:overview"))
    page.wait_for_url(re.compile(r"/dashboard/neighbourhoods/\d+/"))
    assert page.locator("svg.chart-svg").count() >= 4
    assert page.locator("svg.chart-svg rect.chart-bar").count() > 10
    assert "近两年各月受理量" in page.locator("figure.chart").first.inner_text()

    figure = page.locator(".kpis a[data-figure=overdue]")
    shown = int(figure.inner_text())
    assert shown > 0
    figure.click()
    page.wait_for_url(re.compile(r"/cases/\?.*overdue=1"))
    assert f"共 {shown} 件" in page.locator(".result-count").inner_text()

    page.go_back()
    bar = page.locator(".chart-grid svg a.chart-link").first
    value = int(bar.locator("text.chart-value").text_content())
    bar.click()
    page.wait_for_url(re.compile(r"/cases/\?.*category_group="))
    assert f"共 {value} 件" in page.locator(".result-count").inner_text()
