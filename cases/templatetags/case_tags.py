"""Display helpers for the case desk templates."""

from django import forms, template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.names import display_name
from cases import personal, vocabularies
from cases.models import EventKind, Status, Urgency
from cases.validators import mask_phone as _mask_phone
from cases.workflow import MOVES

register = template.Library()


@register.filter
def mask_phone(value: str) -> str:
    return _mask_phone(value)


@register.filter
def mask_text(value: str) -> str:
    """Free text with the phone and ID numbers in it masked (cases/personal.py)."""
    return personal.mask_text(value or "")


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


@register.simple_tag
def status_badge(case) -> str:
    """The status, overdue and rework badges of a case (in Python: a resident's other cases list many)."""
    html = format_html('<span class="badge status-{}">{}</span>', case.status, choice_label(Status, case.status))
    if case.is_overdue:
        html += format_html(' <span class="badge overdue">{}</span>', _("超期"))
    if case.rework_count:
        times = ngettext("重办 %(n)s 次", "重办 %(n)s 次", case.rework_count) % {"n": case.rework_count}
        html += format_html(' <span class="badge warn">{}</span>', times)
    return html


@register.filter
def event_label(event) -> str:
    """派单, 签收, 办结… for a move; the kind of line (登记, 修改, 催办…) otherwise."""
    move = MOVES.get(event.action)
    if event.kind == EventKind.TRANSITION and move is not None:
        return str(move.label)
    return choice_label(EventKind, event.kind)


def choice_label(choices, value: str) -> str:
    """What get_FOO_display() shows, without it rebuilding a dict of every choice on each call (70 µs: a
    third of a long timeline's time went there)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _escaped(choices) -> list[tuple[str, str, str]]:
    """(value as text, value escaped, label escaped) for each choice."""
    return [(str(value), conditional_escape(value), conditional_escape(label)) for value, label in choices]


def _choices(form_field, request=None) -> list[tuple[str, str, str]]:
    """Choices without ModelChoiceIterator's server-side cursor (three round trips per select on PostgreSQL),
    escaped once; a model's rows are reused while they are unchanged (cases/vocabularies.py)."""
    if isinstance(form_field, forms.ModelChoiceField):
        empty = [("", form_field.empty_label)] if form_field.empty_label is not None else []

        def build():
            return _escaped(empty + [(obj.pk, form_field.label_from_instance(obj)) for obj in form_field.queryset])

        return vocabularies.model_choices(request, form_field, build)
    return _escaped(form_field.choices)


@register.simple_tag(takes_context=True)
def quick_widget(context, field):
    """A filter's select or checkbox list rendered in Python: Django's per-option widget templates
    cost more than the whole list query on the case list. Other widgets render as usual."""
    widget = field.field.widget
    request = context.get("request")
    if isinstance(widget, forms.CheckboxSelectMultiple):
        chosen = {str(value) for value in (field.value() or [])}
        name = conditional_escape(field.html_name)
        items = "".join(
            f'<li><label><input type="checkbox" name="{name}" value="{value}"'
            f"{' checked' if text in chosen else ''}> {label}</label></li>"
            for text, value, label in _choices(field.field, request)
        )
        return format_html('<ul id="{}">{}</ul>', field.auto_id, mark_safe(items))
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
        current = "" if field.value() is None else str(field.value())
        options = _options_html(_choices(field.field, request))
        chosen = f'<option value="{conditional_escape(current)}">'
        options = options.replace(chosen, chosen[:-1] + " selected>", 1)
        required = " required" if field.field.required and field.form.use_required_attribute else ""
        return format_html(
            '<select name="{}" id="{}"{}>{}</select>', field.html_name, field.auto_id, required, mark_safe(options)
        )
    return field.as_widget()


_joined: dict[int, tuple[list, str]] = {}


def _options_html(choices: list) -> str:
    """The <option>s of `choices`, none selected. A list reused from cases/vocabularies.py is joined once: the
    entry keeps the list alive, so its id cannot be taken by another list while it is remembered."""
    known = _joined.get(id(choices))
    if known is not None and known[0] is choices:
        return known[1]
    html = "".join(f'<option value="{value}">{label}</option>' for _text, value, label in choices)
    if len(_joined) > 512:
        _joined.clear()
    _joined[id(choices)] = (choices, html)
    return html


def _label(field) -> str:
    """What `field.label_tag` renders, without rendering two templates per field (same rules: the
    form's label suffix unless the label ends in punctuation, `for` only where the widget has one id)."""
    contents = conditional_escape(field.label)
    suffix = field.field.label_suffix if field.field.label_suffix is not None else field.form.label_suffix
    if suffix and contents and contents[-1] not in _(":?.!"):
        contents = format_html("{}{}", contents, suffix)
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    if not id_:
        return contents
    id_for_label = widget.id_for_label(id_)
    if id_for_label:
        return format_html('<label for="{}">{}</label>', id_for_label, contents)
    return format_html("<label>{}</label>", contents)


@register.simple_tag(takes_context=True)
def quick_field(context, field):
    """A filter or action field as label, widget and errors, rendered in Python (see quick_widget)."""
    label = field.label_tag() if hasattr(field.form, "required_css_class") else _label(field)
    errors = field.errors
    return format_html("{}{}{}", label, quick_widget(context, field), errors if errors else "")


URL_PLACEHOLDER = 987654321


def _day(moment, pattern: str) -> str:
    """What |date:"Y-m-d H:i" (or "Y-m-d") shows: the local time, nothing for no value."""
    return template_localtime(moment).strftime(pattern) if moment else ""


@register.simple_tag(takes_context=True)
def case_rows(context, cases) -> str:
    """The rows of cases/_case_table.html. Rendered in Python like quick_widget: as a template the 25 rows of a
    list page cost more CPU than everything else on it. Every value is escaped by format_html."""
    hide_reporter = not context.get("is_staff_member")
    columns = ("编号", "标题", "状态", "类别", "地点", "诉求人", "受理时间", "办结时限", "责任人")
    labels = [conditional_escape(_(text)) for text in columns]
    overdue_badge = format_html(' <span class="badge overdue">{}</span>', _("超期"))
    confidential = format_html('<span class="muted">{}</span>', _("（保密）"))
    # What get_status_display() and get_urgency_display() say, translated once rather than once per row.
    statuses, urgencies = ({value: str(label) for value, label in enum.choices} for enum in (Status, Urgency))
    # The detail URL around a placeholder number, reversed once: reverse() per row costs more than the row.
    url_prefix, url_suffix = reverse("cases:detail", args=[URL_PLACEHOLDER]).split(str(URL_PLACEHOLDER))
    rows = []
    for case in cases:
        overdue = case.is_overdue
        url = f"{url_prefix}{case.pk}{url_suffix}"
        urgency = (
            format_html(' <span class="badge warn">{}</span>', urgencies.get(case.urgency, case.urgency))
            if case.urgency != "normal"
            else ""
        )
        place = conditional_escape(case.neighbourhood.name)
        if case.estate_id:
            place = format_html("{} · {}", place, case.estate.name)
        if case.building_id:
            place = format_html("{} {}", place, case.building.number)
        if case.reporter_confidential and hide_reporter:
            reporter = confidential
        else:
            reporter = format_html(
                '{} <span class="phone">{}</span>', case.reporter_name, _mask_phone(case.reporter_phone)
            )
        if case.assignee_id:
            responsible = person(case.assignee)
        elif case.team_id:
            responsible = case.team.name
        elif case.lead_department_id:
            responsible = case.lead_department.name
        else:
            responsible = ""
        cells = [
            format_html('<a href="{}">{}</a>', url, case.reference),
            format_html('<a href="{}">{}</a>{}', url, personal.mask_text(case.title), urgency),
            format_html(
                '<span class="badge status-{}">{}</span>{}',
                case.status,
                statuses.get(case.status, case.status),
                overdue_badge if overdue else "",
            ),
            conditional_escape(str(case.category)),
            place,
            reporter,
            _day(case.received_at, "%Y-%m-%d %H:%M"),
            _day(case.due_at, "%Y-%m-%d"),
            conditional_escape(responsible),
        ]
        tds = "\n      ".join(f'<td data-label="{lbl}">{cell}</td>' for lbl, cell in zip(labels, cells, strict=True))
        # The same markup, spacing included, as the {% for %} loop this replaced.
        rows.append(f'\n    <tr class="{"overdue" if overdue else ""}">\n      {tds}\n    </tr>\n    ')
    return mark_safe("".join(rows))


# Field changes in the timeline are stored as the words of the language they were made in (services._readable):
# shown, they follow the reader's language — the label from the field, a choice or yes/no through the catalogue.
@register.filter
def change_label(change) -> str:
    from django.core.exceptions import FieldDoesNotExist

    from cases.models import Case

    try:
        return str(Case._meta.get_field(change.get("field", "")).verbose_name)
    except FieldDoesNotExist:
        return _(change.get("label", "")) if change.get("label") else ""


@register.filter
def change_value(change, which: str) -> str:
    from django.core.exceptions import FieldDoesNotExist
    from django.db import models as db_models

    from cases.models import Case

    value = change.get(which) or ""
    try:
        field = Case._meta.get_field(change.get("field", ""))
    except FieldDoesNotExist:
        return value
    if value and (field.choices or isinstance(field, db_models.BooleanField)):
        return _(value)
    return value


@register.simple_tag(takes_context=True)
def timeline(context, events, case) -> str:
    """The timeline as an <ol>, each line with its files. Rendered in Python like case_rows: as template tags the
    50 lines of a long timeline cost more CPU than the rest of the case page. Every value is escaped."""
    from attachments.templatetags.attachment_tags import event_attachments
    from cases.selectors import can_see_reporter

    see_reporter = can_see_reporter(context["request"].user, case)
    empty = conditional_escape(_("（空）"))
    # Labels translated and escaped once per page, not once per line: a few statuses and kinds repeat fifty times.
    said: dict[tuple, str] = {}

    def status_word(value: str) -> str:
        if ("status", value) not in said:
            said["status", value] = conditional_escape(choice_label(Status, value))
        return said["status", value]

    def what(event) -> str:
        if ("event", event.kind, event.action) not in said:
            said["event", event.kind, event.action] = conditional_escape(event_label(event))
        return said["event", event.kind, event.action]

    def who(event) -> str:
        if ("actor", event.actor_id) not in said:
            said["actor", event.actor_id] = conditional_escape(person(event.actor))
        return said["actor", event.actor_id]

    items = []
    for event in events:
        status = ""
        if event.to_status:
            before = f"{status_word(event.from_status)} → " if event.from_status else ""
            status = f'<span class="status-change">{before}{status_word(event.to_status)}</span>'
        html = (
            f'<div class="when">{_day(event.created_at, "%Y-%m-%d %H:%M")} · {who(event)}'
            f"</div>\n<div><strong>{what(event)}</strong> {status}</div>"
        )
        if event.note:
            html += f'\n<div class="note">{linebreaksbr(personal.mask_text(event.note), autoescape=True)}</div>'
        if event.changes:
            changes = personal.visible_changes(event.changes, can_see_reporter=see_reporter)
            lines = "".join(
                f"<li>{conditional_escape(change_label(change))}："
                f"<del>{conditional_escape(change_value(change, 'old')) or empty}</del> → "
                f"<ins>{conditional_escape(change_value(change, 'new')) or empty}</ins></li>"
                for change in changes
            )
            html += f'\n<ul class="changes diff">{lines}</ul>'
        files = event_attachments(context, event, case)
        items.append(f'\n  <li class="event event-{conditional_escape(event.kind)}">{html}{files}</li>')
    if not items:
        items.append(f'\n  <li class="muted">{conditional_escape(_("暂无记录。"))}</li>')
    return mark_safe(f'<ol class="timeline" id="timeline">{"".join(items)}\n</ol>')


@register.filter
def about(number: int) -> str:
    """An estimated total as a person would say it: two significant digits, thousands grouped (12,000)."""
    number = int(number or 0)
    digits = len(str(number))
    rounded = round(number, -max(0, digits - 2))
    return f"{rounded:,}"
