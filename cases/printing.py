"""The printed work order (工单) and return-visit sheet (回访单): what goes on one A4 page."""

import segno
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.safestring import mark_safe

from cases import selectors
from cases.models import Case, CaseEvent, EventKind
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


def key_lines():
    return CaseEvent.objects.filter(kind__in=KEY_KINDS).select_related("actor").order_by("created_at", "id")


def with_key_steps(cases):
    """Cases with their key timeline lines read in one query (the batch print), as `key_lines`."""
    return cases.prefetch_related(Prefetch("events", queryset=key_lines(), to_attr="key_lines"))


def key_steps(case: Case) -> list:
    """The last KEY_STEPS key lines of the timeline, oldest first (the paper is read top to bottom)."""
    lines = getattr(case, "key_lines", None)
    if lines is None:
        return list(key_lines().filter(case=case).reverse()[:KEY_STEPS])[::-1]
    return lines[-KEY_STEPS:]


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
