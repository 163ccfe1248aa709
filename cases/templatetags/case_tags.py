"""Display helpers for the case desk templates."""

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.names import display_name
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
    return display_name(user)


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


def _choices(form_field):
    """Choices without ModelChoiceIterator's server-side cursor (three round trips per select on PostgreSQL)."""
    if isinstance(form_field, forms.ModelChoiceField):
        empty = [("", form_field.empty_label)] if form_field.empty_label is not None else []
        return empty + [(obj.pk, form_field.label_from_instance(obj)) for obj in form_field.queryset]
    return form_field.choices


@register.simple_tag
def quick_widget(field):
    """A filter's select or checkbox list rendered in Python: Django's per-option widget templates
    cost more than the whole list query on the case list. Other widgets render as usual."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        chosen = {str(value) for value in (field.value() or [])}
        items = format_html_join(
            "",
            '<li><label><input type="checkbox" name="{}" value="{}"{}> {}</label></li>',
            (
                (field.html_name, value, mark_safe(" checked") if str(value) in chosen else "", label)
                for value, label in _choices(field.field)
            ),
        )
        return format_html('<ul id="{}">{}</ul>', field.auto_id, items)
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
        current = "" if field.value() is None else str(field.value())
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, mark_safe(" selected") if str(value) == current else "", label)
                for value, label in _choices(field.field)
            ),
        )
        return format_html('<select name="{}" id="{}">{}</select>', field.html_name, field.auto_id, options)
    return field.as_widget()
