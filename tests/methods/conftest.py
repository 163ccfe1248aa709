"""Fixtures for the handbook: cases taken through their whole life with a chosen method and dates."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from cases.models import Department
from cases.services import case_transition
from methods.models import Method
from tests.conftest import independent_visitor, make_case


@dataclass
class Spec:
    """How one fixture case went: received `age` days ago, resolved `took` days later (None: never),
    return visits in order (each 1 day after the resolve before it)."""

    category: object
    method: Method
    age: float
    took: float | None = None
    visits: tuple[str, ...] = ()
    title: str = "电梯故障"
    description: str = "电梯经常停运"
    neighbourhood: object = None

    def received(self, now: datetime) -> datetime:
        return now - timedelta(days=self.age)


def run_case(spec: Spec, actor, neighbourhood, now: datetime):
    """Log the case and make every move through `case_transition`, backdated to the spec's dates."""
    received = spec.received(now)
    case = make_case(
        actor,
        neighbourhood=spec.neighbourhood or neighbourhood,
        category=spec.category,
        received_at=received,
        title=spec.title,
        description=spec.description,
    )
    if spec.took is None:
        return case

    def move(action, at, **extra):
        case_transition(case_id=case.pk, actor=actor, action=action, at=at, **extra)

    department = Department.objects.order_by("sort_order").first()
    move("dispatch", received + timedelta(hours=1), lead_department=department)
    move("accept", received + timedelta(hours=2))
    move("start", received + timedelta(hours=3))
    resolved = received + timedelta(days=spec.took)
    for index, result in enumerate(spec.visits):
        if index == 0:
            move("resolve", resolved, method=spec.method, resolution="已处理")
        # by a 回访员, not the handler: the visit must be independent
        case_transition(
            case_id=case.pk,
            actor=independent_visitor(),
            action="visit",
            at=resolved + timedelta(hours=2),
            visit_result=result,
            visit_reason="unresolved" if result == "unsatisfied" else "",
        )
        if result == "unsatisfied" and index + 1 < len(spec.visits):
            resolved = resolved + timedelta(days=1)
            move("resolve", resolved, method=spec.method, resolution="重新处理")
    if not spec.visits:
        move("resolve", resolved, method=spec.method, resolution="已处理")
    return case


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def other_method(db):
    return Method.objects.create(number=2, name="钥匙工作法", motto="一把钥匙开一把锁")


@pytest.fixture
def method_admin_client(client, method_admin):
    client.force_login(method_admin)
    return client
