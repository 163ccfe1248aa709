"""Django's form renderer, with its smallest templates done in Python.

Every text box, hidden field, label and error list is rendered by Django through a template of one line; a case
page has about seventy of them (the action forms, the merge and split forms), and rendering them cost more CPU than
the page's queries. Here the same markup is written in Python for the templates whose text is exactly the one
Django ships (checked against the installed files when this module loads, so a Django upgrade that changes one of
them falls back to the template). Everything else — selects, checkboxes, a project's own widget templates — goes
through the templates as before. tests/ops/test_forms_renderer.py renders the app's forms both ways and compares.
"""

from pathlib import Path

import django
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

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
}


def _shipped(name: str) -> str:
    try:
        return (TEMPLATES / name).read_text().strip()
    except OSError:
        return ""


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


def _in_python() -> dict:
    """Template name -> its Python version, for the templates whose installed text is the expected one."""
    if any(_shipped(name) != text for name, text in EXPECTED.items()):
        return {}
    found = {INPUT: _input, "django/forms/widgets/textarea.html": _textarea, "django/forms/label.html": _label}
    found["django/forms/errors/list/ul.html"] = found["django/forms/errors/list/default.html"] = _errors
    # The input types are one-line templates that include input.html (text.html, hidden.html, number.html…).
    for path in (TEMPLATES / "django" / "forms" / "widgets").glob("*.html"):
        if path.read_text().strip() == f'{{% include "{INPUT}" %}}':
            found[f"django/forms/widgets/{path.name}"] = _input
    return found


class FastRenderer(DjangoTemplates):
    """Django's default form renderer; the one-line templates of EXPECTED are rendered in Python."""

    in_python = _in_python()

    def render(self, template_name, context, request=None):
        render = self.in_python.get(template_name)
        if render is None:
            return super().render(template_name, context, request=request)
        return render(context).strip()
