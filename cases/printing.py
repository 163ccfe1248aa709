"""The printed work order (工单) and return-visit sheet (回访单): what goes on one A4 page."""

import segno
from django.urls import reverse
from django.utils.safestring import mark_safe

from cases import selectors
from cases.models import Case, EventKind
from cases.validators import mask_phone

# The timeline lines a paper work order shows: the moves, visits, supervision and deadline changes.
KEY_KINDS = [
    EventKind.CREATED,
    EventKind.TRANSITION,
    EventKind.SUPERVISION,
    EventKind.EXTENSION_APPROVED,
    EventKind.VISIT,
]
KEY_STEPS = 8
BATCH_LIMIT = 100


def key_steps(case: Case) -> list:
    """The last KEY_STEPS key lines of the timeline, oldest first (the paper is read top to bottom)."""
    lines = case.events.filter(kind__in=KEY_KINDS).select_related("actor").order_by("-created_at", "-id")
    return list(lines[:KEY_STEPS])[::-1]


def qr_svg(url: str) -> str:
    """An inline SVG QR code of `url` (no image request, nothing from another host)."""
    # segno writes the whole markup itself; the URL is ours (reverse + the request's host).
    return mark_safe(segno.make(url, error="m").svg_inline(scale=3, border=2, omitsize=False))


def sheet(request, case: Case) -> dict:
    """What one printed sheet shows. The phone is always masked here, even right after a reveal."""
    visible = selectors.can_see_reporter(request.user, case)
    return {
        "case": case,
        "reporter_name": case.reporter_name if visible else None,
        "masked_phone": mask_phone(case.reporter_phone) if visible else None,
        "steps": key_steps(case),
        "qr": qr_svg(request.build_absolute_uri(reverse("cases:detail", args=[case.pk]))),
    }
