"""Deadlines in working days: Monday–Friday, corrected by the admin-edited holiday calendar."""

import math
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from cases.models import Category, Holiday, Urgency

# Handling time is shortened for urgent matters; critical ones get first contact within hours.
URGENCY_HANDLING_FACTOR = {Urgency.NORMAL: 1.0, Urgency.URGENT: 0.5, Urgency.CRITICAL: 0.2}
CRITICAL_FIRST_CONTACT = timedelta(hours=2)


def _calendar(start: date, end: date) -> dict[date, bool]:
    return dict(Holiday.objects.filter(date__range=(start, end)).values_list("date", "is_workday"))


def is_workday(day: date, calendar: dict[date, bool]) -> bool:
    return calendar.get(day, day.weekday() < 5)


def add_working_days(start: datetime, days: int) -> datetime:
    """The same clock time `days` working days after `start` (a weekend start counts from Monday)."""
    start = timezone.localtime(start)
    calendar = _calendar(start.date(), start.date() + timedelta(days=days * 3 + 40))
    moment = start
    while not is_workday(moment.date(), calendar):
        moment = (moment + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if is_workday(moment.date(), calendar):
            remaining -= 1
    return moment


def handling_days(category: Category, urgency: str) -> int:
    if category.handling_days:
        base = category.handling_days
    elif category.is_complex:
        base = settings.CASE_COMPLEX_HANDLING_DAYS
    else:
        base = settings.CASE_HANDLING_DAYS
    return max(1, math.ceil(base * URGENCY_HANDLING_FACTOR[urgency]))


def deadlines_for(category: Category, urgency: str, received_at: datetime) -> tuple[datetime, datetime]:
    """(first contact due, handling due) for a case received at `received_at`."""
    if urgency == Urgency.CRITICAL:
        first_contact = received_at + CRITICAL_FIRST_CONTACT
    else:
        first_contact = add_working_days(received_at, settings.CASE_FIRST_CONTACT_DAYS)
    return first_contact, add_working_days(received_at, handling_days(category, urgency))
