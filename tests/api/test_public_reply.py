"""The public reply (答复口径) is written at resolution, apart from the internal result, by page and by API."""

import pytest
from django.urls import reverse

from cases.models import Case, Department
from cases.services import case_transition

pytestmark = pytest.mark.django_db


def ready_to_resolve(case, actor):
    department = Department.objects.get(name="区房管局")
    case_transition(case_id=case.pk, actor=actor, action="dispatch", lead_department=department)
    case_transition(case_id=case.pk, actor=actor, action="accept")
    return case_transition(case_id=case.pk, actor=actor, action="start")


def test_the_resolve_form_takes_the_public_reply_apart_from_the_result(staff_client, case, staff_user, method):
    ready_to_resolve(case, staff_user)
    page = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'name="public_reply"' in page
    staff_client.post(
        reverse("cases:move", args=[case.pk]),
        {
            "action": "resolve",
            "resolution": "内部：约谈物业",
            "public_reply": "已修复，欢迎监督。",
            "method": method.pk,
        },
    )
    case = Case.objects.get(pk=case.pk)
    assert (case.resolution, case.public_reply) == ("内部：约谈物业", "已修复，欢迎监督。")
    assert "答复口径：已修复，欢迎监督。" in case.events.get(action="resolve").note
    detail = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "已修复，欢迎监督。" in detail


def test_the_api_resolve_move_takes_the_public_reply(staff_api, case, staff_user, method):
    ready_to_resolve(case, staff_user)
    answer = staff_api.post(
        reverse("api:case-move", args=[case.pk]),
        {"action": "resolve", "resolution": "内部：约谈物业", "public_reply": "已修复。", "method": method.pk},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["public_reply"] == "已修复。"
    assert Case.objects.get(pk=case.pk).public_reply == "已修复。"


def test_the_public_reply_is_optional(staff_api, case, staff_user, method):
    ready_to_resolve(case, staff_user)
    answer = staff_api.post(
        reverse("api:case-move", args=[case.pk]),
        {"action": "resolve", "resolution": "已协调", "method": method.pk},
        format="json",
    )
    assert answer.status_code == 200
    assert answer.json()["public_reply"] == ""
