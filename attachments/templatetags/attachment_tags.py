"""The case page's attachments panel and each timeline line's files (one query per case page)."""

from django import template
from django.conf import settings
from django.template.loader import render_to_string

from accounts import roles
from attachments import content, selectors

register = template.Library()


def _visible(context, case) -> list:
    """The case's attachments this user may see, read once per case object and page."""
    cached = getattr(case, "_visible_attachments", None)
    if cached is None:
        cached = selectors.case_attachments(context["request"].user, case)
        case._visible_attachments = cached
    return cached


@register.inclusion_tag("attachments/_case_panel.html", takes_context=True)
def case_attachments(context, case):
    user = context["request"].user
    files = _visible(context, case)
    can_write = roles.is_staff_member(user) or roles.is_committee_member(user)
    return {
        "case": case,
        "photos": [a for a in files if a.is_image],
        "documents": [a for a in files if not a.is_image and not a.is_link],
        "links": [a for a in files if a.is_link],
        "can_upload": can_write,
        "can_publish": roles.is_staff_member(user),
        "deletable": {a.pk for a in files if selectors.can_delete(user, a)},
        "csrf_token": context.get("csrf_token"),
        "max_mb": settings.ATTACHMENT_MAX_MB,
        "case_max_mb": settings.ATTACHMENT_CASE_MAX_MB,
        "accepted": content.accepted_types(),
    }


def event_attachments(context, event, case) -> str:
    """The files added with one timeline line (the case page's `timeline` tag calls it); nothing at all for the
    many lines without one."""
    files = [a for a in _visible(context, case) if a.event_id == event.pk]
    if not files:
        return ""
    return render_to_string("attachments/_event_files.html", {"files": files})
