"""The main pages, for every role that sees them, with the demo data: axe-core finds nothing serious or critical,
and nothing is wider than a 360 px phone.

axe-core 4.x is the copy bundled in the axe-playwright-python package (requirements-dev.txt), injected by the
test: nothing is fetched from a CDN, and the page's Content-Security-Policy is not loosened.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "ruziniu-demo"
SERIOUS = {"serious", "critical"}
DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 360, "height": 780}


def load_demo_data() -> None:
    """`load_demo` as `make run` runs it. The role groups come from a migration, which an earlier transactional
    test's flush may have emptied: made again first, as the migration makes them."""
    from django.contrib.auth.models import Group

    from accounts import roles

    for name in (roles.STAFF, roles.COMMITTEE, roles.METHOD_ADMIN, roles.VISITOR):
        Group.objects.get_or_create(name=name)
    call_command("load_demo", stdout=StringIO())


def demo_pages():
    """The main pages, by URL name, for the demo's data (an open and a closed case of 句容里, the confirmed class)."""
    from cases.models import Case, Status
    from matters.models import MatterClass
    from methods.models import Method
    from places.models import Neighbourhood

    hood = Neighbourhood.objects.get(name="句容里居委会")
    in_hood = Case.objects.filter(neighbourhood=hood).order_by("pk")
    open_case = in_hood.filter(status=Status.IN_PROGRESS).first()
    closed_case = in_hood.filter(status=Status.CLOSED).first()
    matter_class = MatterClass.objects.filter(status="confirmed").order_by("pk").first()
    method = Method.objects.order_by("number").first()
    return {
        "home": reverse("home"),
        "case list": reverse("cases:list"),
        "open case": reverse("cases:detail", args=[open_case.pk]),
        "closed case": reverse("cases:detail", args=[closed_case.pk]),
        "new case": reverse("cases:create"),
        "classes": reverse("matters:class_list"),
        "class": reverse("matters:class_detail", args=[matter_class.pk]),
        "handbook": reverse("methods:index"),
        "method": reverse("methods:detail", args=[method.pk]),
        "dashboard": reverse("dashboards:overview"),
        "neighbourhood dashboard": reverse("dashboards:neighbourhood", args=[hood.pk]),
        "monthly report": reverse("dashboards:report"),
        "API accounts": reverse("api:service_accounts"),
    }


EVERYTHING = [
    "home",
    "case list",
    "open case",
    "closed case",
    "new case",
    "classes",
    "class",
    "handbook",
    "method",
    "dashboard",
    "neighbourhood dashboard",
    "monthly report",
]
# What each demo login sees (the others answer 403/404 to it, which tests/security/test_url_sweep.py checks).
ROLES = {
    "staff": [*EVERYTHING, "API accounts"],
    "committee": EVERYTHING,
    "handbook": ["home", "case list", "classes", "handbook", "method"],
}


def axe_problems(page, axe) -> list[str]:
    results = axe.run(page, options={"resultTypes": ["violations"]})
    return [
        f"{rule['id']} ({rule['impact']}): {[node['target'] for node in rule['nodes'][:3]]}"
        for rule in results.response["violations"]
        if rule["impact"] in SERIOUS
    ]


TABLES_WIDER_THAN_THEIR_CARD = """() => [...document.querySelectorAll('.table-wrap')]
    .filter(wrap => wrap.scrollWidth > wrap.clientWidth + 1)
    .map(wrap => [(wrap.closest('section')?.querySelector('h2')?.textContent || '').trim(),
                  wrap.scrollWidth - wrap.clientWidth])"""
# A case number (first column) or a date (received, deadline) of a case table taller than one line of text.
WRAPPED_NUMBERS_AND_DATES = """() => [...document.querySelectorAll(
        '.case-table td:first-child, .case-table td:nth-child(7), .case-table td:nth-child(8)')]
    .filter(cell => {
        const text = document.createRange();
        text.selectNodeContents(cell);
        return new Set([...text.getClientRects()].map(line => Math.round(line.top))).size > 1;
    })
    .map(cell => cell.textContent.trim())"""


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_main_pages_have_no_serious_accessibility_problem_and_fit_a_360_px_phone(browser, live_server):
    from axe_playwright_python.sync_playwright import Axe

    load_demo_data()
    urls = demo_pages()
    axe = Axe()
    problems, checked = [], 0

    def check(page, label):
        nonlocal checked
        checked += 1
        page.set_viewport_size(DESKTOP)
        problems.extend(f"{label}: {problem}" for problem in axe_problems(page, axe))
        page.set_viewport_size(PHONE)
        wider = overflow(page)
        if wider > 0:
            problems.append(f"{label}: {wider} px wider than a 360 px screen")

    context = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(reverse("login"))
    check(page, "login")
    context.close()

    for username, names in ROLES.items():
        context = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport=DESKTOP)
        page = context.new_page()
        page.set_default_timeout(20_000)
        sign_in(page, username, DEMO_PASSWORD)
        page.wait_for_url(live_server.url + reverse("home"))
        for name in names:
            response = page.goto(urls[name])
            assert response.status == 200, f"{username} {name}: {response.status}"
            page.wait_for_load_state("networkidle")  # htmx panels (similar cases) are part of the page
            check(page, f"{username} {name}")
        context.close()

    # In English at 1366 px the tables fit their cards (the neighbourhood table did not), and a case number or
    # a date stays on one line.
    for username in ("staff", "committee"):
        context = browser.new_context(locale="en-GB", base_url=live_server.url, viewport=DESKTOP)
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        page = context.new_page()
        sign_in(page, username, DEMO_PASSWORD)
        page.wait_for_url(live_server.url + reverse("home"))
        for name in ("home", "case list", "dashboard", "neighbourhood dashboard", "monthly report"):
            page.goto(urls[name])
            wide = page.evaluate(TABLES_WIDER_THAN_THEIR_CARD)
            problems += [
                f"{username} {name} in English: the table of “{title}” is {px} px too wide" for title, px in wide
            ]
            problems += [f"{username} {name}: {text} wraps" for text in page.evaluate(WRAPPED_NUMBERS_AND_DATES)]
        context.close()

    print(f"axe-core on {checked} pages (page × role): {len(problems)} serious or critical problems")
    assert checked == 1 + sum(len(names) for names in ROLES.values())
    assert problems == []


def test_the_phone_header_folds_the_menu_behind_a_button(page, staff_user):
    page.set_viewport_size(PHONE)
    sign_in(page, "staff")
    page.wait_for_url("**/")
    nav = page.locator("#main-nav")
    toggle = page.locator("[data-menu-toggle]")
    assert nav.is_hidden()
    assert page.locator(".site-header").bounding_box()["height"] < 80
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    nav.get_by_role("link", name="案件").click()
    page.wait_for_url("**/cases/")
    # The case list's filters fold on a phone too: the search box stays, the rest opens with a button.
    assert page.locator("#id_q").is_visible()
    assert page.locator("#id_category").is_hidden()
    page.locator("[data-fold-toggle]").click()
    assert page.locator("#id_category").is_visible()
