"""Django's form renderer, with its smallest templates done in Python.

Every text box, hidden field, label, error list, select and checkbox list is rendered by Django through small
templates, a select once more per option; a case page has about seventy fields (the action forms, the merge and
split forms) and the new-case form's selects and checkbox lists hundreds of options, and rendering them cost more
CPU than the pages' queries. Here the same markup is written in Python for the templates whose text is exactly the
one Django ships (checked against the installed files when this module loads, so a Django upgrade that changes one
of them falls back to the templates). A project's own widget templates go through the templates as before.
tests/ops/test_forms_renderer.py renders the app's forms both ways and compares.
"""

import re
from pathlib import Path

import django
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime

TEMPLATES = Path(django.__file__).parent / "forms" / "templates"
INPUT = "django/forms/widgets/input.html"
# The text of each template this module replaces, as Django 5.2 ships it.
EXPECTED = {
    INPUT: (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %} '
        "value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
        '{% include "django/forms/widgets/attrs.html" %}>'
    ),
    "django/forms/widgets/attrs.html": (
        "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}"
    ),
    "django/forms/widgets/textarea.html": (
        '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
        "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>"
    ),
    "django/forms/label.html": (
        "{% if use_tag %}<{{ tag }}{% include 'django/forms/attrs.html' %}>{{ label }}</{{ tag }}>"
        "{% else %}{{ label }}{% endif %}"
    ),
    "django/forms/attrs.html": (
        "{% for name, value in attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}"
    ),
    "django/forms/errors/list/ul.html": (
        '{% if errors %}<ul class="{{ error_class }}"{% if errors.field_id %} id="{{ errors.field_id }}_error"'
        "{% endif %}>{% for error in errors %}<li>{{ error }}</li>{% endfor %}</ul>{% endif %}"
    ),
    "django/forms/errors/list/default.html": '{% include "django/forms/errors/list/ul.html" %}',
    "django/forms/widgets/select.html": (
        '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
        "{% for group_name, group_choices, group_index in widget.optgroups %}{% if group_name %}\n"
        '  <optgroup label="{{ group_name }}">{% endif %}{% for option in group_choices %}\n'
        "  {% include option.template_name with widget=option %}{% endfor %}{% if group_name %}\n"
        "  </optgroup>{% endif %}{% endfor %}\n"
        "</select>"
    ),
    "django/forms/widgets/select_option.html": (
        '<option value="{{ widget.value|stringformat:\'s\' }}"{% include "django/forms/widgets/attrs.html" %}>'
        "{{ widget.label }}</option>"
    ),
    "django/forms/widgets/multiple_input.html": (
        '{% with id=widget.attrs.id %}<div{% if id %} id="{{ id }}"{% endif %}{% if widget.attrs.class %} '
        'class="{{ widget.attrs.class }}"{% endif %}>{% for group, options, index in widget.optgroups %}'
        "{% if group %}\n"
        "  <div><label>{{ group }}</label>{% endif %}{% for option in options %}<div>\n"
        "    {% include option.template_name with widget=option %}</div>{% endfor %}{% if group %}\n"
        "  </div>{% endif %}{% endfor %}\n"
        "</div>{% endwith %}"
    ),
    "django/forms/widgets/input_option.html": (
        '{% if widget.wrap_label %}<label{% if widget.attrs.id %} for="{{ widget.attrs.id }}"{% endif %}>'
        '{% endif %}{% include "django/forms/widgets/input.html" %}{% if widget.wrap_label %} {{ widget.label }}'
        "</label>{% endif %}"
    ),
}


def _raw(name: str) -> str:
    try:
        return (TEMPLATES / name).read_text()
    except OSError:
        return ""


def _shipped(name: str) -> str:
    return _raw(name).strip()


def _show(value) -> str:
    """What {{ value }} prints: local time, localised numbers, escaped."""
    return conditional_escape(localize(template_localtime(value)))


def _attrs(attrs: dict) -> str:
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(context) -> str:
    widget = context["widget"]
    value = "" if widget["value"] is None else f' value="{conditional_escape(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _textarea(context) -> str:
    widget = context["widget"]
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _label(context) -> str:
    label = conditional_escape(context["label"])
    if not context.get("use_tag"):
        return label
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs(context.get('attrs') or {})}>{label}</{tag}>"


def _errors(context) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    ident = f' id="{conditional_escape(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
    return f'<ul class="{conditional_escape(context["error_class"])}"{ident}>{items}</ul>'


class NotInPython(Exception):
    """An option's template is a project's own: the whole widget goes through the templates."""


def _include(name: str, widget: dict) -> str:
    """{% include name with widget=widget %}: the template's text as the file has it, its final newline too."""
    if name not in RENDERERS:
        raise NotInPython(name)
    return RENDERERS[name]({"widget": widget}) + TAILS[name]


def _grouped(widget: dict, opening: str, option: str, closing: str) -> str:
    """The options of a select or a choice list, each group opened and closed around its own (Django's loop)."""
    html = []
    for group, options, _index in widget["optgroups"]:
        if group:
            html.append(opening.format(_show(group)))
        html.extend(option.format(_include(choice["template_name"], choice)) for choice in options)
        if group:
            html.append(closing)
    return "".join(html)


def _select(context) -> str:
    widget = context["widget"]
    options = _grouped(widget, '\n  <optgroup label="{}">', "\n  {}", "\n  </optgroup>")
    return f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>{options}\n</select>'


def _select_option(context) -> str:
    widget = context["widget"]
    return (
        f'<option value="{conditional_escape(str(widget["value"]))}"{_attrs(widget["attrs"])}>'
        f"{_show(widget['label'])}</option>"
    )


def _multiple_input(context) -> str:
    widget = context["widget"]
    ident, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    ident = f' id="{_show(ident)}"' if ident else ""
    css = f' class="{_show(css)}"' if css else ""
    options = _grouped(widget, "\n  <div><label>{}</label>", "<div>\n    {}</div>", "\n  </div>")
    return f"<div{ident}{css}>{options}\n</div>"


def _input_option(context) -> str:
    widget = context["widget"]
    if not widget.get("wrap_label"):
        return _include(INPUT, widget)
    ident = widget["attrs"].get("id")
    label_for = f' for="{_show(ident)}"' if ident else ""
    return f"<label{label_for}>{_include(INPUT, widget)} {_show(widget['label'])}</label>"


def _in_python() -> dict:
    """Template name -> its Python version, for the templates whose installed text is the expected one."""
    if any(_shipped(name) != text for name, text in EXPECTED.items()):
        return {}
    found = {INPUT: _input, "django/forms/widgets/textarea.html": _textarea, "django/forms/label.html": _label}
    found["django/forms/errors/list/ul.html"] = found["django/forms/errors/list/default.html"] = _errors
    found["django/forms/widgets/select.html"] = _select
    found["django/forms/widgets/select_option.html"] = _select_option
    found["django/forms/widgets/multiple_input.html"] = _multiple_input
    found["django/forms/widgets/input_option.html"] = _input_option
    # The templates that are one include of one of these (text.html, hidden.html, checkbox_select.html, radio.html,
    # checkbox_option.html…) are rendered as the one they include.
    for path in sorted((TEMPLATES / "django" / "forms" / "widgets").glob("*.html")):
        target = re.fullmatch(r'\{% include "([^"]+)" %\}', path.read_text().strip())
        if target and target[1] in found:
            found[f"django/forms/widgets/{path.name}"] = _aliased(target[1])
    return found


def _aliased(target: str):
    """A template that only includes `target`: its output is target's, with target's final newline."""
    return lambda context: RENDERERS[target](context) + TAILS[target]


RENDERERS = _in_python()
# The text after each template's last tag (a newline): an {% include %} prints it, a form renderer strips it.
TAILS = {name: _raw(name)[len(_raw(name).rstrip()) :] for name in RENDERERS}


class FastRenderer(DjangoTemplates):
    """Django's default form renderer; the templates of EXPECTED, and those that only include one of them, are
    rendered in Python."""

    in_python = RENDERERS

    def render(self, template_name, context, request=None):
        render = self.in_python.get(template_name)
        if render is not None:
            try:
                return render(context).strip()
            except NotInPython:
                pass
        return super().render(template_name, context, request=request)
