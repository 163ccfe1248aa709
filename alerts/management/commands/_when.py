"""--at ISO-DATETIME, shared by send_reminders and detect_warnings."""

from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone


def parse_at(value: str | None) -> datetime:
    """The moment a pass runs as: now, or an ISO date-time (a naive one is in the site's time zone)."""
    if not value:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--at must be an ISO date-time such as 2025-06-01T09:00, not {value!r}") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
