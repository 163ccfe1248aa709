"""Fixtures for the security tests: cases taken through their whole life by the real services."""

import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts import roles
from alerts.models import Warning
from api.tokens import service_account_register
from attachments.services import attachment_add
from cases.models import Channel, Department, RequestType
from cases.services import case_transition, extension_request
from matters.models import CaseLink, LinkKind
from matters.services import class_create
from notifications.models import Notification
from tests.api.conftest import committee_account, staff_account  # noqa: F401 (fixtures for these tests)
from tests.conftest import independent_visitor, make_case


def close_case(case, *, actor, method, resolution: str = "已协调物业更换电梯。", at: datetime | None = None):
    """Dispatch, accept, start, resolve and visit (satisfied) a case; the last two moves happen at `at`."""
    department = Department.objects.order_by("sort_order").first()
    case_transition(case_id=case.pk, actor=actor, action="dispatch", lead_department=department)
    case_transition(case_id=case.pk, actor=actor, action="accept")
    case_transition(case_id=case.pk, actor=actor, action="start")
    case_transition(case_id=case.pk, actor=actor, action="resolve", resolution=resolution, method=method, at=at)
    visitor = independent_visitor()  # the handler may not visit their own case
    return case_transition(case_id=case.pk, actor=visitor, action="visit", visit_result="satisfied", at=at)


@pytest.fixture
def closed_case_factory(staff_user, neighbourhood, elevator_category, method):
    def build(*, closed_at: datetime | None = None, resolution: str = "已协调物业更换电梯。", **fields):
        case = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, **fields)
        return close_case(case, actor=staff_user, method=method, resolution=resolution, at=closed_at)

    return build


def local(year: int, month: int, day: int) -> datetime:
    return timezone.make_aware(datetime(year, month, day, 10, 0))


@pytest.fixture
def world(
    staff_user,
    committee_user,
    other_committee_user,
    method_admin,
    superuser,
    neighbourhood,
    other_neighbourhood,
    estate,
    building,
    elevator_category,
    method,
):
    """One of each object in the committee's neighbourhood, made by the real services."""
    case = make_case(
        staff_user, neighbourhood=neighbourhood, category=elevator_category, estate=estate, building=building
    )
    department = Department.objects.order_by("sort_order").first()
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", lead_department=department)
    case_transition(case_id=case.pk, actor=staff_user, action="accept")
    extension = extension_request(case_id=case.pk, actor=staff_user, days=3, reason="等待维保单位报价")
    method.name = "一线工作法（修订）"
    method.save()
    second = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, estate=estate)
    matter_class = class_create(
        actor=staff_user, data={"title": "老旧电梯更新", "category": elevator_category}, case_ids=[case.pk, second.pk]
    )
    link = CaseLink.objects.create(case_a=case, case_b=second, kind=LinkKind.values[0], score=0.9)
    photo = _jpeg()
    attachment = attachment_add(case_id=case.pk, actor=staff_user, upload=SimpleUploadedFile("a.jpg", photo))
    public_photo = attachment_add(
        case_id=case.pk, actor=staff_user, upload=SimpleUploadedFile("b.jpg", photo), public=True
    )
    service_account = service_account_register(
        username="wangge-system", system="网格巡查系统", role=roles.COMMITTEE, neighbourhood=neighbourhood
    )
    notification = Notification.objects.create(
        user=committee_user, kind="dispatched", case=case, title=f"新派单：{case.reference}", key="world"
    )
    warning = Warning.objects.create(
        kind="surge", subject="world", title="异动：福安大厦", neighbourhood=neighbourhood, estate=estate
    )
    warning.cases.set([case, second])
    return {
        "users": {
            "committee": committee_user,
            "other_committee": other_committee_user,
            "staff": staff_user,
            "handbook": method_admin,
            "superuser": superuser,
        },
        "case": case,
        "extension": extension,
        "estate": estate,
        "building": building,
        "method": method,
        "method_version": method.history.order_by("history_id").first(),
        "neighbourhood": neighbourhood,
        "category": elevator_category,
        "channel": Channel.objects.order_by("pk").first(),
        "request_type": RequestType.objects.order_by("pk").first(),
        "department": department,
        "service_account": service_account,
        "matter_class": matter_class,
        "membership": matter_class.memberships.get(case=case),
        "link": link,
        "notification": notification,
        "warning": warning,
        "attachment": attachment,
        "public_photo": public_photo,
    }


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 100, 50)).save(out, "JPEG")
    return out.getvalue()
