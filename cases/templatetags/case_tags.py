"""Display helpers for the case desk templates."""

from django import template
from django.utils.translation import gettext as _

from cases.models import EventKind
from cases.validators import mask_phone as _mask_phone
from cases.workflow import MOVES

register = template.Library()


@register.filter
def mask_phone(value: str) -> str:
    return _mask_phone(value)


@register.simple_tag(takes_context=True)
def sort_link(context, field: str) -> str:
    """The query string that sorts the list by `field`, flipping the direction when it already is."""
    params = context["request"].GET.copy()
    current = params.get("sort", "")
    params["sort"] = f"-{field}" if current == field else field
    params.pop("page", None)
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def sort_mark(context, field: str) -> str:
    current = context["request"].GET.get("sort", "")
    if current == field:
        return "▲"
    return "▼" if current == f"-{field}" else ""


@register.filter
def person(user) -> str:
    if user is None:
        return _("系统")
    return user.get_full_name() or user.username


@register.inclusion_tag("cases/_status.html")
def status_badge(case):
    return {"case": case}


@register.filter
def event_label(event) -> str:
    """派单, 签收, 办结… for a move; the kind of line (登记, 修改, 催办…) otherwise."""
    move = MOVES.get(event.action)
    if event.kind == EventKind.TRANSITION and move is not None:
        return str(move.label)
    return event.get_kind_display()
