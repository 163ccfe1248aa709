"""Fixtures of the public lookup and online visit: a cache of its own per test, and cases along their life."""

import pytest

from cases.models import Department
from cases.services import case_transition

INTERNAL_RESOLUTION = "内部：物业经理不配合，已约谈"
PUBLIC_REPLY = "已协调维保单位更换电梯控制柜，电梯已恢复运行。"


def work(case, actor, *actions, method=None):
    """Take `case` through `actions` with the real transition service."""
    department = Department.objects.get(name="区房管局")
    extra = {
        "dispatch": {"lead_department": department},
        "resolve": {"resolution": INTERNAL_RESOLUTION, "public_reply": PUBLIC_REPLY, "method": method},
    }
    for action in actions:
        case = case_transition(case_id=case.pk, actor=actor, action=action, **extra.get(action, {}))
    return case


@pytest.fixture
def resolved_case(case, staff_user, method):
    return work(case, staff_user, "dispatch", "accept", "start", "resolve", method=method)
