"""Fixture cases in known states, made through the same services the pages use (backdated with `at`)."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import override_settings
from django.utils import timezone

from cases.models import Case, Category, Team, VisitResult
from cases.services import case_transition
from places.models import Estate
from tests.conftest import independent_visitor, make_case


@pytest.fixture(autouse=True)
def live_figures(settings):
    """Figures computed at each request; tests/dashboards/test_snapshots.py turns snapshots back on."""
    settings.DASHBOARD_SNAPSHOT_MINUTES = 0


def _walk(actor, case, *moves):
    """Apply (action, days after receipt, extra) moves to a case, each backdated. A visit is made by an
    independent 回访员, unless `extra` says {"by": "handler"}: then by `actor`, as an office that turned
    CASE_INDEPENDENT_VISIT off would record it (such a visit never counts in 满意率)."""
    for action, days, extra in moves:
        at = case.received_at + timedelta(days=days)
        extra = dict(extra)
        by_handler = extra.pop("by", None) == "handler"
        who = independent_visitor() if action == "visit" and not by_handler else actor
        with override_settings(CASE_INDEPENDENT_VISIT=not by_handler):
            case = case_transition(case_id=case.pk, actor=who, action=action, at=at, **extra)
    return case


@pytest.fixture
def team(db):
    return Team.objects.create(name="电梯加装专班")


@pytest.fixture
def cases(staff_user, neighbourhood, other_neighbourhood, estate, other_estate, elevator_category, method, team):
    """Nine cases across two neighbourhoods: every figure has some cases in and some out."""
    noise = Category.objects.get(parent__name="市容环境", name="油烟噪音")
    other_hood_estate = Estate.objects.create(neighbourhood=neighbourhood, name="句容里小区")
    now = timezone.now()
    dispatch = ("dispatch", 0.01, {"team": team})
    resolve = {"resolution": "已协调解决", "method": method}

    def new(hood, category, days_ago, **fields):
        return make_case(
            staff_user, neighbourhood=hood, category=category, received_at=now - timedelta(days=days_ago), **fields
        )

    made = [
        # Just received: not yet due for first contact, open, not overdue.
        new(neighbourhood, elevator_category, 0.04, estate=estate),
        # Accepted in time, resolved after 3 days, visited satisfied: closed.
        _walk(
            staff_user,
            new(neighbourhood, elevator_category, 20, estate=estate),
            dispatch,
            ("accept", 0.05, {}),
            ("start", 0.1, {}),
            ("resolve", 3, resolve),
            ("visit", 4, {"visit_result": VisitResult.SATISFIED}),
        ),
        # Accepted late, resolved, visited unsatisfied (rework), resolved again after 15 days.
        _walk(
            staff_user,
            new(neighbourhood, noise, 40, estate=other_hood_estate),
            dispatch,
            ("accept", 10, {}),
            ("start", 10.5, {}),
            ("resolve", 12, resolve),
            ("visit", 13, {"visit_result": VisitResult.UNSATISFIED, "visit_reason": "partly"}),
            ("resolve", 15, resolve),
        ),
        # Dispatched ten days ago and never accepted: late for first contact and overdue.
        _walk(staff_user, new(neighbourhood, noise, 10, estate=estate), dispatch),
        # Accepted in time and being worked, received 60 days ago: overdue.
        _walk(staff_user, new(neighbourhood, elevator_category, 60), dispatch, ("accept", 0.1, {}), ("start", 1, {})),
        # Resolved this month (if the month is young, the test's expectations follow the real dates).
        _walk(
            staff_user,
            new(neighbourhood, elevator_category, 2, estate=estate),
            dispatch,
            ("accept", 0.05, {}),
            ("start", 0.1, {}),
            ("resolve", 1, resolve),
        ),
        # Received more than a year ago: outside the default period.
        _walk(
            staff_user,
            new(neighbourhood, elevator_category, 400, estate=estate),
            dispatch,
            ("accept", 0.05, {}),
            ("start", 0.1, {}),
            ("resolve", 7, resolve),
            ("visit", 8, {"visit_result": VisitResult.BASICALLY, "by": "handler"}),
        ),
        # The other neighbourhood: one closed with a visit the handler recorded (basically satisfied: not in
        # 满意率), one closed by an independent visit (satisfied), one overdue.
        _walk(
            staff_user,
            new(other_neighbourhood, noise, 30, estate=other_estate),
            dispatch,
            ("accept", 0.05, {}),
            ("start", 0.1, {}),
            ("resolve", 5, resolve),
            ("visit", 6, {"visit_result": VisitResult.BASICALLY, "by": "handler"}),
        ),
        _walk(
            staff_user,
            new(other_neighbourhood, noise, 25, estate=other_estate),
            dispatch,
            ("accept", 0.05, {}),
            ("start", 0.1, {}),
            ("resolve", 5, resolve),
            ("visit", 6, {"visit_result": VisitResult.SATISFIED}),
        ),
        # Resolved, and the resident never answered three calls: closed as 无法联系, in no rate.
        _walk(
            staff_user,
            new(neighbourhood, elevator_category, 15, estate=estate),
            dispatch,
            ("accept", 0.05, {}),
            ("start", 0.1, {}),
            ("resolve", 3, resolve),
            ("visit", 4, {"visit_reached": False}),
            ("visit", 5, {"visit_reached": False}),
            ("visit", 6, {"visit_reached": False}),
        ),
        _walk(staff_user, new(other_neighbourhood, elevator_category, 30, estate=other_estate), dispatch),
    ]
    return list(Case.objects.filter(pk__in=[case.pk for case in made]))


class FigureParser(HTMLParser):
    """Read the figures a dashboard page shows: {(table, row, figure): (text, href)}; the cards are table "kpi"."""

    def __init__(self):
        super().__init__()
        self.found, self.table, self.row, self.figure, self.href, self.text = {}, None, None, None, None, None
        self.bars = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "kpis" in (attrs.get("class") or ""):
            self.table, self.row = "kpi", None
        if tag == "table":
            self.table = attrs.get("data-table")
        if tag == "tr":
            self.row = attrs.get("data-row")
        if "data-figure" in attrs:
            self.figure, self.href, self.text = attrs["data-figure"], attrs.get("href"), ""
        elif tag == "a" and self.figure:
            self.href = attrs.get("href")
        if tag == "a" and "chart-link" in (attrs.get("class") or ""):
            self.bars.append(attrs["href"])

    def handle_data(self, data):
        if self.figure is not None:
            self.text += data

    def handle_endtag(self, tag):
        if self.figure and tag in ("a", "td", "span"):
            self.found[(self.table, self.row, self.figure)] = (self.text.strip(), self.href)
            self.figure = None
        if tag == "section" and self.table == "kpi":
            self.table = None


def shown(response) -> FigureParser:
    parser = FigureParser()
    parser.feed(response.content.decode())
    return parser
