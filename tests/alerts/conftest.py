"""Hand-made histories for the detector: cases logged through the real service, received when a test says."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from places.models import Estate
from tests.conftest import make_case


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def log_case(staff_user, neighbourhood, estate, elevator_category):
    """log_case(days_ago, **fields): a case received that many days ago (fractions allowed)."""

    def build(days_ago: float, **fields) -> Case:
        fields.setdefault("neighbourhood", neighbourhood)
        fields.setdefault("category", elevator_category)
        fields.setdefault("estate", estate)
        fields.setdefault("reporter_phone", "")
        received = timezone.now() - timedelta(days=days_ago)
        return make_case(staff_user, received_at=received, **fields)

    return build


@pytest.fixture
def third_estate(neighbourhood):
    return Estate.objects.create(neighbourhood=neighbourhood, name="武定坊")


def phone(n: int) -> str:
    """A distinct, valid mainland mobile number per n."""
    return f"139{n:08d}"
